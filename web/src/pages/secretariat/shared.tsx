import { Alert, Space, Tag, Tooltip } from 'antd';
import { useRef } from 'react';
import { api, unwrap } from '../../api/client';
import type { ApiError } from '../../api/errors';
import type { Answer, Query } from '../../api/types';
import { useLoad } from '../../hooks';
import { chineseDate } from '../../format';
import { COLOUR, RUNG } from '../../labels';
import { newRequestKey } from '../item/types';

/** A plan as GET /plans lists it. */
export type Plan = Answer<'/api/v1/plans', 'get'>['plans'][number];

/** The plan the console works on: the first loaded (the Shandong plan by default). */
export function usePlan(): { plan?: Plan; error?: ApiError } {
  const { data, error } = useLoad(async () => (await unwrap(api.GET('/api/v1/plans'))).plans[0]);
  return { plan: data, error };
}

type Groups = Answer<'/api/v1/plans/{plan}/actions', 'get'>;
/** A key action or a safeguard measure, and which of the two it is. */
export type Group = (Groups['actions'][number] | Groups['safeguards'][number]) & { kind: 'action' | 'safeguard' };

/** The plan's key actions (重点行动) and safeguard measures (保障措施), in the plan's order. */
export async function fetchGroups(plan: string): Promise<Group[]> {
  const r = await unwrap(api.GET('/api/v1/plans/{plan}/actions', { params: { path: { plan } } }));
  return [...r.actions.map((a) => ({ ...a, kind: 'action' as const })), ...r.safeguards.map((m) => ({ ...m, kind: 'safeguard' as const }))];
}

/** 重点行动一 · 制造 / 保障措施一 · …: how a group is named in tables. */
export function groupLabel(g: Pick<Group, 'kind' | 'seq' | 'title'>): string {
  return `${g.kind === 'action' ? '重点行动' : '保障措施'}${chineseNumber(g.seq)}:${g.title}`;
}

const DIGITS = '零一二三四五六七八九';
export function chineseNumber(n: number): string {
  if (n < 10) return DIGITS[n]!;
  if (n < 20) return `十${n % 10 ? DIGITS[n % 10] : ''}`;
  if (n < 100) return `${DIGITS[Math.floor(n / 10)]}十${n % 10 ? DIGITS[n % 10] : ''}`;
  return String(n);
}

/** A page of the item list (GET /plans/:plan/items), one of its rows, and the filters it takes. */
export type ItemPage = Answer<'/api/v1/plans/{plan}/items', 'get'>;
export type ListedItem = ItemPage['items'][number];
export type ItemFilter = Query<'/api/v1/plans/{plan}/items', 'get'>;

export async function fetchItems(plan: string, query: ItemFilter): Promise<ItemPage> {
  return unwrap(api.GET('/api/v1/plans/{plan}/items', { params: { path: { plan }, query } }));
}

/** The rungs in their order on the default ladder: level 1 催办, 2 督办, 3 上报领导小组. */
const RUNGS = ['cuiban', 'duban', 'leading-group'];

/** The highest rung an item has reached, in the users' words; a dash when none. */
export function rungOfLevel(level: number | null | undefined): string {
  if (!level || level < 1) return '—';
  return RUNG[RUNGS[Math.min(level, RUNGS.length) - 1]!] ?? '—';
}

/** 序时进度: planned beside reported percent, and 滞后 marked where the item lags beyond the plan's tolerance. */
export function ScheduleMark({ schedule }: { schedule: ListedItem['schedule'] | undefined }) {
  if (!schedule) return <>—</>;
  const text = schedule.planned === null ? `已完成${schedule.reported}%` : `计划${schedule.planned}%,实际${schedule.reported}%`;
  return (
    <Space size={4}>
      <span title={`截至${chineseDate(schedule.asOf)}`}>{text}</span>
      {schedule.behind ? <Tag color="warning">滞后</Tag> : null}
    </Space>
  );
}

/** 红灯 / 黄灯 / 绿灯 as a coloured dot beside dark text (readable, whatever the colour). */
export function ColourMark({ colour, count, hideText }: { colour: string | null | undefined; count?: number; hideText?: boolean }) {
  const c = colour ? COLOUR[colour] : undefined;
  if (!c) return <span>—</span>;
  const text = count === undefined ? c.text : `${c.text} ${count}`;
  return (
    <Space size={4} style={{ whiteSpace: 'nowrap' }}>
      <span aria-hidden style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 5, background: c.color }} />
      {hideText ? <Tooltip title={text}><span>{count}</span></Tooltip> : <span>{text}</span>}
    </Space>
  );
}

/** An error from loading, in Chinese. */
export function LoadError({ error }: { error?: ApiError }) {
  if (!error) return null;
  return <Alert type="error" showIcon title={`加载失败:${error.text}`} style={{ marginBottom: 16 }} role="alert" />;
}

/** One Idempotency-Key per opened form: a retry of the same submission is applied once; a new one after success. */
export function useRequestKey(): { key: () => string; next: () => void } {
  const ref = useRef(newRequestKey());
  return { key: () => ref.current, next: () => (ref.current = newRequestKey()) };
}
