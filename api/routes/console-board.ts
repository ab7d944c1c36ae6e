import { z } from 'zod';
import { code } from '../../db/catalog/plan-schema';
import type { Db } from '../../db/connection';
import { onTimeCountsByPeriod } from '../../db/on-time';
import { boardFigures } from '../../domain/on-time';
import { OPEN_STATUSES } from '../../workflows/definitions';
import { HttpError } from '../errors';
import { route } from '../route';
import { colourColumn, colourCounts, itemFacts } from '../services/plan-items';

/**
 * Reads the secretariat's console needs beyond the board summary: 红黄绿灯 as a
 * matrix of action × lead department, the on-time rate per reporting period on
 * both clocks, and what waits for the secretariat's decision (reports to
 * review, extension requests, completion requests) across items.
 */
const BOARD: ['secretariat', 'leadership'] = ['secretariat', 'leadership'];

const nullableRate = z.number().nullable();
const figures = z.object({
  acceptedPeriods: z.number().int(),
  onTime: z.number().int(),
  onTimeRate: nullableRate,
  onTimeOriginal: z.number().int(),
  onTimeRateOriginal: nullableRate,
});

const matrixResponse = z.object({
  plan: z.string(),
  generatedAt: z.string(),
  groups: z.array(z.object({ code: z.string(), kind: z.enum(['action', 'safeguard']), seq: z.number().int(), title: z.string() })),
  departments: z.array(z.string()),
  cells: z.array(
    z.object({
      group: z.string(),
      lead: z.string().nullable(),
      items: z.number().int(),
      red: z.number().int(),
      yellow: z.number().int(),
      green: z.number().int(),
      behindSchedule: z.number().int(),
      closed: z.number().int(),
    }),
  ),
});

const onTimeResponse = z.object({
  plan: z.string().nullable(),
  by: z.enum(['quarter', 'month']),
  periods: z.array(figures.extend({ period: z.string(), label: z.string() })),
});

const reviewRow = { plan: z.string(), item: z.string(), title: z.string(), status: z.string(), lead: z.string() };
const reviewResponse = z.object({
  reports: z.array(
    z.object({
      ...reviewRow,
      periodSeq: z.number().int(),
      startsOn: z.string(),
      endsOn: z.string(),
      originalDueOn: z.string(),
      dueOn: z.string(),
      report: z
        .object({
          version: z.number().int(),
          department: z.string(),
          progress: z.string(),
          percentDone: z.number().int(),
          problems: z.string().nullable(),
          nextSteps: z.string().nullable(),
          attachments: z.array(z.string()),
          submittedBy: z.string(),
          submittedAt: z.string(),
        })
        .nullable(),
    }),
  ),
  extensions: z.array(
    z.object({
      ...reviewRow,
      extensionId: z.string(),
      periodSeq: z.number().int(),
      dueOn: z.string().nullable(),
      requestedDueOn: z.string(),
      reason: z.string(),
      requestedBy: z.string(),
      requestedAt: z.string(),
    }),
  ),
  completions: z.array(z.object({ ...reviewRow, summary: z.string().nullable(), finalDeadline: z.string() })),
});

const planQuery = z.object({ plan: code.optional() }).strict();

async function planCodeOf(db: Db, plan?: string): Promise<string> {
  const row = (await (plan ? db('plans').where({ code: plan }) : db('plans').orderBy('id')).first('code')) as { code: string } | undefined;
  if (!row) throw new HttpError(404, 'not_found', plan ? `plan ${plan} does not exist` : 'no plan is loaded');
  return row.code;
}

/** 红黄绿灯 per key action (or safeguard measure) and lead department: open items by colour, closed ones beside them. */
async function matrix(db: Db, plan: string, workingDayMs?: number): Promise<z.output<typeof matrixResponse>> {
  const planRow = (await db('plans').where({ code: plan }).first('id')) as { id: number };
  const actions = (await db('actions').where({ plan_id: planRow.id }).whereNull('retired_at').orderBy('seq').select('code', 'seq', 'title')) as { code: string; seq: number; title: string }[];
  const safeguards = (await db('safeguard_measures').where({ plan_id: planRow.id }).whereNull('retired_at').orderBy('seq').select('code', 'seq', 'title')) as { code: string; seq: number; title: string }[];
  type Cell = z.output<typeof matrixResponse>['cells'][number];
  // Counted in PostgreSQL; cells in the order the item lists first meet them.
  const cells = (await db
    .with('f', itemFacts(db, await colourColumn(db, workingDayMs), plan))
    .from('f')
    .groupBy('group_code', 'lead_code')
    .orderByRaw('min(sort_key)')
    .select(
      'group_code as group',
      'lead_code as lead',
      ...colourCounts(db),
      db.raw('(count(*) filter (where closed))::int as closed'),
    )) as Cell[];
  const departments = new Set(cells.flatMap((c) => (c.lead ? [c.lead] : [])));
  return {
    plan,
    generatedAt: new Date().toISOString(),
    groups: [...actions.map((a) => ({ ...a, kind: 'action' as const })), ...safeguards.map((m) => ({ ...m, kind: 'safeguard' as const }))],
    departments: [...departments].sort(),
    cells,
  };
}

/** The reporting period an accepted period belongs to, by the quarter or month its period ends in. */
function periodKey(endsOn: string, by: 'quarter' | 'month'): { period: string; label: string } {
  const [y, m] = endsOn.split('-').map(Number) as [number, number];
  if (by === 'month') return { period: endsOn.slice(0, 7), label: `${y}年${m}月` };
  const q = Math.ceil(m / 3);
  return { period: `${y}-Q${q}`, label: `${y}年第${'一二三四'[q - 1]}季度` };
}

/** Accepted periods counted per reporting period on both clocks, by the one rule of domain/on-time.ts. */
async function onTimeByPeriod(db: Db, plan: string | undefined, by: 'quarter' | 'month'): Promise<z.output<typeof onTimeResponse>> {
  const counts = await onTimeCountsByPeriod(db, by, plan);
  return {
    plan: plan ?? null,
    by,
    periods: counts
      .map(({ startsOn, ...c }) => ({ ...periodKey(startsOn, by), ...boardFigures(c) }))
      .sort((a, b) => a.period.localeCompare(b.period)),
  };
}

const day = (column: string, as: string) => `to_char(${column}, 'YYYY-MM-DD') as "${as}"`;

/** What waits for the secretariat across open items: consolidated reports to review, extension requests, completion requests. */
async function reviewQueue(db: Db, plan: string): Promise<z.output<typeof reviewResponse>> {
  const base = () =>
    db('assignments as a')
      .join('items as i', 'i.id', 'a.item_id')
      .join('plans as pl', 'pl.id', 'i.plan_id')
      .join('departments as lead', 'lead.id', 'a.lead_department_id')
      .where('pl.code', plan)
      .whereIn('a.status', OPEN_STATUSES as string[]);
  const item = ['pl.code as plan', 'i.code as item', 'i.title', 'a.status', 'lead.code as lead'];

  // Each submitted period with its latest consolidated report (the version to review), in one query:
  // a lateral join reads one index entry per period (reports_consolidated_latest_version, migration 011)
  // where a distinct-on over every consolidated report sorts them all.
  const latest = db('reports as r')
    .where('r.kind', 'consolidated')
    .whereRaw('r.assignment_id = a.id and r.period_seq = p.seq')
    .orderBy('r.version', 'desc')
    .limit(1)
    .select('r.version', 'r.department_id', 'r.progress', 'r.percent_done', 'r.problems', 'r.next_steps', 'r.attachments', 'r.submitted_by', 'r.submitted_at');
  const submitted = (await base()
    .join('periods as p', 'p.assignment_id', 'a.id')
    .joinRaw('left join lateral (?) as r on true', [db.raw(latest.toSQL().sql, latest.toSQL().bindings)])
    .where('p.status', 'submitted')
    .orderBy([{ column: 'p.due_on' }, { column: 'i.code' }])
    .select(
      ...item,
      'p.seq as periodSeq',
      db.raw(day('p.starts_on', 'startsOn')),
      db.raw(day('p.ends_on', 'endsOn')),
      db.raw(day('p.original_due_on', 'originalDueOn')),
      db.raw(day('p.due_on', 'dueOn')),
      'r.version',
      // By primary key: joined, the planner hashes all departments again for every period.
      db.raw('(select d.code from departments d where d.id = r.department_id) as department'),
      'r.progress',
      'r.percent_done',
      'r.problems',
      'r.next_steps',
      'r.attachments',
      'r.submitted_by',
      'r.submitted_at',
    )) as (Omit<z.output<typeof reviewResponse>['reports'][number], 'report'> & {
    version: number | null;
    department: string;
    progress: string;
    percent_done: number;
    problems: string | null;
    next_steps: string | null;
    attachments: unknown;
    submitted_by: string;
    submitted_at: Date;
  })[];
  const reports = submitted.map(({ version, department, progress, percent_done, problems, next_steps, attachments, submitted_by, submitted_at, ...s }) => ({
    ...s,
    report:
      version === null
        ? null
        : {
            version,
            department,
            progress,
            percentDone: percent_done,
            problems,
            nextSteps: next_steps,
            attachments: Array.isArray(attachments) ? attachments.map(String) : [],
            submittedBy: submitted_by,
            submittedAt: new Date(submitted_at).toISOString(),
          },
  }));

  const extensions = (
    (await base()
      .join('extension_requests as x', 'x.assignment_id', 'a.id')
      .leftJoin('periods as p', (j) => j.on('p.assignment_id', 'a.id').andOn('p.seq', 'x.period_seq'))
      .whereNull('x.decision')
      .orderBy('x.requested_at')
      .select(...item, 'x.key as extensionId', 'x.period_seq as periodSeq', db.raw(day('p.due_on', 'dueOn')), db.raw(day('x.requested_due_on', 'requestedDueOn')), 'x.reason', 'x.requested_by as requestedBy', 'x.requested_at as requestedAt')) as {
      requestedAt: Date;
    }[]
  ).map((x) => ({ ...x, requestedAt: new Date(x.requestedAt).toISOString() })) as z.output<typeof reviewResponse>['extensions'];

  const completions = (await base()
    .where('a.status', 'completion_requested')
    .orderBy('a.updated_at')
    .select(...item, 'a.completion_summary as summary', db.raw(day('a.final_deadline', 'finalDeadline')))) as z.output<typeof reviewResponse>['completions'];

  return { reports, extensions, completions };
}

export const consoleBoardRoutes = [
  route({
    method: 'get',
    path: '/board/matrix',
    tag: 'board',
    summary: 'Colour (红黄绿灯) matrix: items per key action or safeguard measure and lead department, by colour',
    access: BOARD,
    query: planQuery,
    response: matrixResponse,
    handler: async ({ deps, query }) => matrix(deps.db, await planCodeOf(deps.db, query.plan), deps.workingDayMs),
  }),
  route({
    method: 'get',
    path: '/board/on-time-by-period',
    tag: 'board',
    summary: 'On-time rate per reporting period (by the quarter or month the period ends), on the original and the extended clock',
    access: BOARD,
    query: z.object({ plan: code.optional(), by: z.enum(['quarter', 'month']).default('quarter') }).strict(),
    response: onTimeResponse,
    handler: async ({ deps, query }) => onTimeByPeriod(deps.db, query.plan ? await planCodeOf(deps.db, query.plan) : undefined, query.by),
  }),
  route({
    method: 'get',
    path: '/review/queue',
    tag: 'board',
    summary: "What waits for the secretariat's decision: reports to review, extension requests, completion requests",
    access: BOARD,
    query: planQuery,
    response: reviewResponse,
    handler: async ({ deps, query }) => reviewQueue(deps.db, await planCodeOf(deps.db, query.plan)),
  }),
];
