import { z } from 'zod';
import { OPEN_STATUSES, RUNG_LABELS, type RungKey } from '../../workflows/definitions';
import { code } from '../../db/catalog/plan-schema';
import type { Db } from '../../db/connection';
import { onTimeCountsBy } from '../../db/on-time';
import { addCounts, boardFigures, NO_PERIODS, scorecardFigures, type OnTimeCounts } from '../../domain/on-time';
import { route } from '../route';
import { boardTally, digestBody, instant, day, openEscalation, scorecardRow, timelineEvent } from '../schemas';
import { loadItem, requireParty } from '../services/item-access';
import { colourColumn, colourCounts, itemFacts } from '../services/plan-items';
import { ownDepartment } from './inbox';

const BOARD: ['secretariat', 'leadership'] = ['secretariat', 'leadership'];


interface Tally {
  code: string;
  title: string;
  items: number;
  byStatus: Record<string, number>;
  red: number;
  yellow: number;
  green: number;
  behindSchedule: number;
  periods: OnTimeCounts;
  openEscalations: number;
}

function tallyOf(map: Map<string, Tally>, key: string, title: string): Tally {
  let t = map.get(key);
  if (!t) {
    t = { code: key, title, items: 0, byStatus: {}, red: 0, yellow: 0, green: 0, behindSchedule: 0, periods: NO_PERIODS, openEscalations: 0 };
    map.set(key, t);
  }
  return t;
}

/** Items counted per (plan, action, status) or per (lead department, status), with their colours, accepted periods and open escalations. */
interface TallyRow {
  by_action: boolean;
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

/**
 * Counted in PostgreSQL, one row per (plan, action, status) and per (lead
 * department, status); the few rows are folded into tallies here. The rows
 * come in the order the item lists first meet them (`min(sort_key)`), which
 * gives the tallies' order, each action's title (of the plan met first) and
 * the order of the byStatus keys, as they have always been.
 */
async function tallyRows(db: Db, planCode: string | undefined, workingDayMs: number | undefined): Promise<TallyRow[]> {
  const colour = await colourColumn(db, workingDayMs);
  // Cities' shares (分解下达) are rows of their own: each city gets its row beside the departments.
  const facts = itemFacts(db, colour, planCode).unionAll(itemFacts(db, colour, planCode, 'shares'));
  return (await db
    .with('f', facts)
    .from('f')
    .groupByRaw('grouping sets ((plan_code, group_code, group_title, status), (lead_code, lead_name, status))')
    .orderByRaw('min(sort_key)')
    .select(
      db.raw('grouping(lead_code) = 1 as by_action'),
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

async function summary(db: Db, planCode?: string, workingDayMs?: number) {
  const byAction = new Map<string, Tally>();
  const byDepartment = new Map<string, Tally>();
  for (const r of await tallyRows(db, planCode, workingDayMs)) {
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
 * extension requests, and its open items that are 滞后 now.
 */
async function scorecard(db: Db, departmentId?: number) {
  const sql = `
    with returned as (
      select department_id as dept, count(*)::int as n from reports where review = 'returned' group by department_id
    ), escalated as (
      select a.lead_department_id as dept, count(*)::int as n from escalations e join assignments a on a.id = e.assignment_id group by a.lead_department_id
    ), extended as (
      select a.lead_department_id as dept, count(*)::int as n from extension_requests x join assignments a on a.id = x.assignment_id group by a.lead_department_id
    ), behind as (
      select a.lead_department_id as dept, count(*)::int as n from assignments a where a.behind_schedule and a.status in (${OPEN_STATUSES.map(() => '?').join(', ')}) group by a.lead_department_id
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
  const result = (await db.raw(sql, [...OPEN_STATUSES, departmentId ?? null, departmentId ?? null])) as { rows: ScoreRow[] };
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


interface TimelineEvent {
  at: Date;
  actor: string;
  kind: string;
  text: string;
}

type Payload = Record<string, unknown> & { receipt?: { periodSeq?: number; kind?: string; department?: string; version?: number } };

/** The Chinese line for one audited action; department codes are shown by their short names. */
function auditText(action: string, p: Payload, name: (code: unknown) => string): string {
  const r = p.receipt;
  switch (action) {
    case 'item.assign': {
      const coop = Array.isArray(p.cooperating) && p.cooperating.length ? `,配合单位${p.cooperating.map(name).join('、')}` : '';
      return `交办,牵头单位${name(p.lead)}${coop}`;
    }
    case 'item.acknowledge':
      return '签收';
    case 'item.report':
      return r?.kind === 'input' ? `${name(r.department)}报送第${r.periodSeq}期配合材料` : `报送第${r?.periodSeq}期进展${r?.version && r.version > 1 ? `(第${r.version}版)` : ''}`;
    case 'item.review.accept':
      return `第${p.periodSeq}期进展审核通过`;
    case 'item.review.return':
      return `第${p.periodSeq}期进展退回${p.newDueOn ? `,${p.newDueOn}前重报` : ''}`;
    case 'item.extension.request':
      return `申请延期至${p.requestedDueOn}`;
    case 'item.extension.decide':
      return p.approve ? `同意延期至${p.dueOn}` : '不同意延期';
    case 'item.reassign':
      return `牵头单位由${name(p.from)}调整为${name(p.to)}`;
    case 'item.instruct':
      return `领导批示:${p.text}`;
    case 'item.completion.request':
      return '申请办结';
    case 'item.completion.decide':
      return p.approve ? `同意办结${p.grade ? `(评定${p.grade})` : ''}` : '不同意办结';
    case 'item.cancel':
      return `撤销:${p.reason}`;
    case 'item.blocked':
      return `暂停:${p.reason}`;
    default:
      return action;
  }
}

async function departmentNames(db: Db): Promise<(code: unknown) => string> {
  const rows = (await db('departments').select('code', db.raw('coalesce(short_name, name) as name'))) as { code: string; name: string }[];
  const names = new Map(rows.map((r) => [r.code, r.name]));
  return (c) => names.get(String(c)) ?? String(c);
}

/** Audit events and escalations of one item, oldest first. Escalations come from their own table (with when they were lifted), so their audit rows are skipped. */
async function timeline(db: Db, itemKey: string): Promise<TimelineEvent[]> {
  const name = await departmentNames(db);
  const audits = (await db('audit_events').where({ subject: itemKey }).whereNot('action', 'item.escalate').orderBy('id').select('at', 'actor', 'action', 'payload')) as { at: Date; actor: string; action: string; payload: Payload }[];
  const escalations = (await db('escalations as e')
    .join('assignments as a', 'a.id', 'e.assignment_id')
    .where('a.workflow_id', itemKey)
    .orderBy('e.fired_at')
    .select('e.subject', 'e.period_seq', 'e.rung', 'e.fired_at', 'e.resolved_at')) as { subject: string; period_seq: number; rung: string; fired_at: Date; resolved_at: Date | null }[];
  const events: TimelineEvent[] = audits.map((a) => ({ at: a.at, actor: a.actor, kind: a.action.replace(/^item\./, ''), text: auditText(a.action, a.payload, name) }));
  for (const e of escalations) {
    const label = RUNG_LABELS[e.rung as RungKey] ?? e.rung;
    const what = e.subject === 'acknowledgement' ? '逾期未签收' : `第${e.period_seq}期进展逾期未报`;
    events.push({ at: e.fired_at, actor: 'system', kind: 'escalation', text: `${label}:${what}` });
    if (e.resolved_at) events.push({ at: e.resolved_at, actor: 'system', kind: 'escalation.resolved', text: `解除${label}` });
  }
  // A stable sort keeps the audit order of events recorded in the same instant.
  return events.sort((a, b) => a.at.getTime() - b.at.getTime());
}

export const boardRoutes = [
  route({
    method: 'get',
    path: '/board/escalations',
    operationId: 'listOpenEscalations',
    response: z.object({ escalations: z.array(openEscalation) }),
    tag: 'board',
    summary: 'List open escalations (催办, 督办, 上报领导小组)',
    access: BOARD,
    handler: async ({ deps }) => ({
      escalations: await deps.db('escalations as e')
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
          deps.db.raw(`to_char(e.business_date, 'YYYY-MM-DD') as "businessDate"`),
        ),
    }),
  }),
  route({
    method: 'get',
    path: '/board/summary',
    operationId: 'getBoardSummary',
    response: z.object({ generatedAt: instant, byAction: z.array(boardTally), byDepartment: z.array(boardTally) }),
    tag: 'board',
    summary: 'Summarize items by action and by lead department: status, colour, on-time rate, open escalations',
    access: BOARD,
    query: z.object({ plan: code.optional() }).strict(),
    handler: async ({ deps, query }) => summary(deps.db, query.plan, deps.workingDayMs),
  }),
  route({
    method: 'get',
    path: '/scorecard',
    operationId: 'getScorecard',
    response: z.object({ departments: z.array(scorecardRow) }),
    tag: 'board',
    summary: "Score departments: accepted periods, on-time rate on both clocks, returns, escalations, extensions (a department sees its own row)",
    access: ['secretariat', 'leadership', 'department'],
    handler: async ({ deps, principal }) => {
      const own = principal.role === 'department' ? (await ownDepartment(deps.db, principal)).id : undefined;
      return { departments: await scorecard(deps.db, own) };
    },
  }),
  route({
    method: 'get',
    path: '/plans/:plan/items/:item/timeline',
    operationId: 'getItemTimeline',
    errors: { 404: 'No such item (or, to a department, not one of its items)' },
    response: z.object({ itemKey: z.string(), title: z.string(), events: z.array(timelineEvent) }),
    tag: 'board',
    summary: "Show an item's timeline: audited actions and escalations in time order",
    access: 'signed-in',
    params: z.object({ plan: code, item: code }).strict(),
    authorize: async ({ deps, principal, params }) => {
      const item = await loadItem(deps.db, params.plan, params.item, principal.department);
      requireParty(principal, item);
      return item;
    },
    handler: async ({ deps, resource: item }) => {
      return { itemKey: item.itemKey, title: item.title, events: await timeline(deps.db, item.itemKey) };
    },
  }),
  route({
    method: 'get',
    path: '/digests',
    operationId: 'listDigests',
    response: z.object({
      digests: z.array(
        z.object({
          key: z.string(),
          weekOf: day,
          generatedAt: instant,
          // A digest is stored as it was built: rows from earlier versions keep the format of their time.
          body: z.union([digestBody, z.record(z.string(), z.unknown()).meta({ description: 'A digest stored by an earlier version, in its own format' })]),
        }),
      ),
    }),
    tag: 'board',
    summary: 'List the stored weekly digests, newest first',
    access: BOARD,
    query: z.object({ limit: z.coerce.number().int().min(1).max(520).default(52) }).strict(),
    handler: async ({ deps, query }) => ({
      digests: await deps.db('digests')
        .orderBy([{ column: 'week_of', order: 'desc' }, { column: 'generated_at', order: 'desc' }])
        .limit(query.limit)
        .select('key', deps.db.raw(`to_char(week_of, 'YYYY-MM-DD') as "weekOf"`), 'generated_at as generatedAt', 'body'),
    }),
  }),
];
