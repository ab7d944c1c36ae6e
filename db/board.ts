import type { Db } from './connection';
import { onTimeCountsBy } from './on-time';
import { colourColumn, colourCounts, itemFacts, type ColourClock, type ItemScope } from './plan-items';
import { isOpenSql } from './status';
import { addCounts, boardFigures, NO_PERIODS, scorecardFigures, type OnTimeCounts } from '../domain/on-time';

/**
 * What the board reads: the roll-up of items by action and by lead
 * department (also the weekly digest's counts), the colour matrix, the
 * scorecard and the open escalations. Plain objects; the routes in
 * api/routes/board.ts and console-board.ts answer them as they are.
 */

/**
 * Items counted per (plan, group, status) or per (lead department, status),
 * with their colours, accepted periods and open escalations. `group_kind` is
 * the item's kind on a group's row (a task's group is a key action, a
 * safeguard's its measure), null on a department's.
 */
export interface TallyRow {
  by_action: boolean;
  group_kind: 'task' | 'safeguard' | null;
  code: string | null;
  title: string | null;
  status: string;
  items: number;
  red: number;
  yellow: number;
  green: number;
  behindSchedule: number;
  accepted: number;
  on_time_original: number;
  on_time_extended: number;
  open_escalations: number;
}

export interface TallyOptions {
  /** One plan's items; every plan's when absent. */
  planCode?: string;
  workingDayMs?: number;
  /** The instant and calendar the colours are judged by; now and the database's calendar when absent. */
  clock?: ColourClock;
  /** The board counts the plans' current items; the digest also those retired from a plan, whose assignments run on. */
  scope?: ItemScope;
}

/**
 * The board roll-up, counted in PostgreSQL: one row per (plan, group, status)
 * and per (lead department, status), unassigned items included (status
 * `unassigned`, no lead). Cities' shares (分解下达) are rows of their own,
 * counted for their city and for no group. The rows come in the order the
 * item lists first meet them (`min(sort_key)`), which gives the board's
 * tallies their order, each group's title (of the plan met first) and the
 * order of the byStatus keys. The board and the weekly digest both fold
 * these rows; neither counts items itself.
 */
export async function tallyRows(db: Db, opts: TallyOptions = {}): Promise<TallyRow[]> {
  const { planCode, workingDayMs, clock, scope } = opts;
  const colour = await colourColumn(db, workingDayMs, clock);
  const facts = itemFacts(db, colour, planCode, 'provincial', scope).unionAll(itemFacts(db, colour, planCode, 'shares', scope));
  return (await db
    .with('f', facts)
    .from('f')
    .groupByRaw('grouping sets ((plan_code, group_kind, group_code, group_title, status), (lead_code, lead_name, status))')
    .orderByRaw('min(sort_key)')
    .select(
      db.raw('grouping(lead_code) = 1 as by_action'),
      db.raw('case when grouping(lead_code) = 1 then group_kind end as group_kind'),
      db.raw('case when grouping(lead_code) = 1 then group_code else lead_code end as code'),
      db.raw('case when grouping(lead_code) = 1 then group_title else lead_name end as title'),
      'status',
      ...colourCounts(db),
      db.raw('sum(accepted)::int as accepted'),
      db.raw('sum(on_time_original)::int as on_time_original'),
      db.raw('sum(on_time_extended)::int as on_time_extended'),
      db.raw('sum(open_escalations)::int as open_escalations'),
    )) as TallyRow[];
}

/** One action's (or safeguard measure's) or one lead department's line of the board. */
export interface BoardTally {
  code: string;
  title: string;
  items: number;
  byStatus: Record<string, number>;
  red: number;
  yellow: number;
  green: number;
  behindSchedule: number;
  openEscalations: number;
}

interface Tally extends BoardTally {
  periods: OnTimeCounts;
}

function tallyOf(map: Map<string, Tally>, key: string, title: string): Tally {
  let t = map.get(key);
  if (!t) {
    t = { code: key, title, items: 0, byStatus: {}, red: 0, yellow: 0, green: 0, behindSchedule: 0, periods: NO_PERIODS, openEscalations: 0 };
    map.set(key, t);
  }
  return t;
}

/** The board: items by action and by lead department, with status, colour, 滞后, on-time rate and open escalations. */
export async function boardSummary(db: Db, planCode?: string, workingDayMs?: number) {
  const byAction = new Map<string, Tally>();
  const byDepartment = new Map<string, Tally>();
  for (const r of await tallyRows(db, { planCode, workingDayMs })) {
    // Items with no lead department are counted per action only.
    if (r.code === null) continue;
    const t = tallyOf(r.by_action ? byAction : byDepartment, r.code, r.title ?? r.code);
    t.items += r.items;
    t.byStatus[r.status] = (t.byStatus[r.status] ?? 0) + r.items;
    t.red += r.red;
    t.yellow += r.yellow;
    t.green += r.green;
    t.behindSchedule += r.behindSchedule;
    t.periods = addCounts(t.periods, { accepted: r.accepted, onTimeOriginal: r.on_time_original, onTimeExtended: r.on_time_extended });
    t.openEscalations += r.open_escalations;
  }
  const finish = (m: Map<string, Tally>) => [...m.values()].map(({ periods, ...t }) => ({ ...t, ...boardFigures(periods) }));
  return { generatedAt: new Date().toISOString(), byAction: finish(byAction), byDepartment: finish(byDepartment).sort((a, b) => a.code.localeCompare(b.code)) };
}

interface ScoreRow {
  id: number;
  code: string;
  name: string;
  returned: number;
  escalations: number;
  extensions: number;
  behind: number;
}

/**
 * Per department as lead: accepted periods on time on both clocks (the
 * workflow's verdicts, domain/on-time.ts), returned reports, escalations,
 * extension requests, and its open items that are 滞后 now. One department's
 * row when `departmentId` is given.
 */
export async function scorecard(db: Db, departmentId?: number) {
  const sql = `
    with returned as (
      select department_id as dept, count(*)::int as n from reports where review = 'returned' group by department_id
    ), escalated as (
      select a.lead_department_id as dept, count(*)::int as n from escalations e join assignments a on a.id = e.assignment_id group by a.lead_department_id
    ), extended as (
      select a.lead_department_id as dept, count(*)::int as n from extension_requests x join assignments a on a.id = x.assignment_id group by a.lead_department_id
    ), behind as (
      select a.lead_department_id as dept, count(*)::int as n from assignments a where a.behind_schedule and ? group by a.lead_department_id
    )
    select d.id, d.code, coalesce(d.short_name, d.name) as name,
      coalesce(r.n, 0) as returned, coalesce(e.n, 0) as escalations, coalesce(x.n, 0) as extensions, coalesce(b.n, 0) as behind
    from departments d
    left join returned r on r.dept = d.id
    left join escalated e on e.dept = d.id
    left join extended x on x.dept = d.id
    left join behind b on b.dept = d.id
    where (?::int is null or d.id = ?::int)
    order by d.code`;
  const result = (await db.raw(sql, [isOpenSql(db), departmentId ?? null, departmentId ?? null])) as { rows: ScoreRow[] };
  const periods = await onTimeCountsBy(db, 'lead');
  return result.rows.map((r) => ({
    department: r.code,
    name: r.name,
    ...scorecardFigures(periods.get(r.code) ?? NO_PERIODS),
    returnedReports: r.returned,
    escalations: r.escalations,
    extensions: r.extensions,
    behindSchedule: r.behind,
  }));
}

/** An unresolved chase (催办, 督办, 上报领导小组) on an item, as the board and the digest list it. */
export interface OpenEscalation {
  plan: string;
  item: string;
  title: string;
  itemKey: string;
  lead: string;
  subject: string;
  periodSeq: number;
  rung: string;
  level: number;
  since: Date;
  businessDate: string;
}

/** Every unresolved chase, the highest rung first, then the oldest. */
export async function openEscalations(db: Db): Promise<OpenEscalation[]> {
  return (await db('escalations as e')
    .join('assignments as a', 'a.id', 'e.assignment_id')
    .join('items as i', 'i.id', 'a.item_id')
    .join('plans as p', 'p.id', 'i.plan_id')
    .join('departments as d', 'd.id', 'a.lead_department_id')
    .whereNull('e.resolved_at')
    .orderBy([{ column: 'e.level', order: 'desc' }, { column: 'e.fired_at' }])
    .select(
      'p.code as plan',
      'i.code as item',
      'i.title',
      'a.workflow_id as itemKey',
      'd.code as lead',
      'e.subject',
      'e.period_seq as periodSeq',
      'e.rung',
      'e.level',
      'e.fired_at as since',
      db.raw(`to_char(e.business_date, 'YYYY-MM-DD') as "businessDate"`),
    )) as OpenEscalation[];
}

/** A key action or safeguard measure of a plan, as the matrix heads its rows. */
export interface MatrixGroup {
  code: string;
  kind: 'action' | 'safeguard';
  seq: number;
  title: string;
}

export interface MatrixCell {
  group: string;
  lead: string | null;
  items: number;
  red: number;
  yellow: number;
  green: number;
  behindSchedule: number;
  closed: number;
}

/** 红黄绿灯 per key action (or safeguard measure) and lead department of one plan: open items by colour, closed ones beside them. */
export async function colourMatrix(
  db: Db,
  plan: string,
  workingDayMs?: number,
): Promise<{ plan: string; generatedAt: string; groups: MatrixGroup[]; departments: string[]; cells: MatrixCell[] }> {
  const planRow = (await db('plans').where({ code: plan }).first('id')) as { id: number };
  const actions = (await db('actions').where({ plan_id: planRow.id }).whereNull('retired_at').orderBy('seq').select('code', 'seq', 'title')) as { code: string; seq: number; title: string }[];
  const safeguards = (await db('safeguard_measures').where({ plan_id: planRow.id }).whereNull('retired_at').orderBy('seq').select('code', 'seq', 'title')) as { code: string; seq: number; title: string }[];
  // Counted in PostgreSQL; cells in the order the item lists first meet them.
  const cells = (await db
    .with('f', itemFacts(db, await colourColumn(db, workingDayMs), plan))
    .from('f')
    .groupBy('group_code', 'lead_code')
    .orderByRaw('min(sort_key)')
    .select('group_code as group', 'lead_code as lead', ...colourCounts(db), db.raw('(count(*) filter (where closed))::int as closed'))) as MatrixCell[];
  const departments = new Set(cells.flatMap((c) => (c.lead ? [c.lead] : [])));
  return {
    plan,
    generatedAt: new Date().toISOString(),
    groups: [...actions.map((a) => ({ ...a, kind: 'action' as const })), ...safeguards.map((m) => ({ ...m, kind: 'safeguard' as const }))],
    departments: [...departments].sort(),
    cells,
  };
}
