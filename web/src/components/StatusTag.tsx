import { Tag } from 'antd';
import { COLOUR, label, RUNG, STATUS } from '../labels';

const STATUS_COLOR: Record<string, string> = {
  unassigned: 'default',
  assigned: '#ad4e00',
  acknowledged: '#006d75',
  in_progress: 'blue',
  completion_requested: '#531dab',
  completed: '#237804',
  cancelled: 'default',
};

/** An item's state in the users' words (已交办, 已签收, 推进中, 申请办结, 已办结, 已撤销). */
export function StatusTag({ status }: { status: string | null | undefined }) {
  return <Tag color={STATUS_COLOR[status ?? ''] ?? 'default'}>{label(STATUS, status)}</Tag>;
}

// Solid tags with white text: antd's light gold and orange tags are below AA contrast.
const RUNG_COLOR: Record<string, string> = { cuiban: '#ad4e00', duban: '#ad2102', 'leading-group': '#a8071a' };
const RUNG_BY_LEVEL = ['', 'cuiban', 'duban', 'leading-group'];

/** A rung (催办, 督办, 上报领导小组), by its key or by its level (1, 2, 3); nothing for level 0. */
export function RungTag({ rung, level }: { rung?: string | null; level?: number | null }) {
  const key = rung ?? (level ? RUNG_BY_LEVEL[Math.min(level, 3)] : undefined);
  if (!key) return null;
  return <Tag color={RUNG_COLOR[key] ?? 'red'}>{label(RUNG, key)}</Tag>;
}

/** 红黄绿灯, as a coloured dot with its word (never the colour alone). */
export function ColourLight({ colour }: { colour: string | null | undefined }) {
  const c = colour ? COLOUR[colour] : undefined;
  if (!c) return <span>—</span>;
  return (
    <span style={{ whiteSpace: 'nowrap' }}>
      <span aria-hidden style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 5, background: c.color, marginRight: 6 }} />
      {c.text}
    </span>
  );
}
