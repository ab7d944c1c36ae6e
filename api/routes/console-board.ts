import { z } from 'zod';
import { code } from '../../db/catalog/plan-schema';
import type { Db } from '../../db/connection';
import { acceptedPeriods } from '../../db/on-time';
import { boardFigures, countBy } from '../../domain/on-time';
import { OPEN_STATUSES } from '../../workflows/definitions';
import { HttpError } from '../errors';
import { route } from '../route';
import { coloursOf, planItemRows } from '../services/plan-items';

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
  const rows = await planItemRows(db, plan);
  const colours = await coloursOf(db, rows, workingDayMs);
  const cells = new Map<string, z.output<typeof matrixResponse>['cells'][number]>();
  const departments = new Set<string>();
  for (const r of rows) {
    const key = `${r.group_code}\u0000${r.lead_code ?? ''}`;
    let cell = cells.get(key);
    if (!cell) {
      cell = { group: r.group_code, lead: r.lead_code, items: 0, red: 0, yellow: 0, green: 0, closed: 0 };
      cells.set(key, cell);
    }
    if (r.lead_code) departments.add(r.lead_code);
    cell.items += 1;
    const colour = colours.get(r.item_id);
    if (colour) cell[colour] += 1;
    else if (r.status && !(OPEN_STATUSES as readonly string[]).includes(r.status)) cell.closed += 1;
  }
  return {
    plan,
    generatedAt: new Date().toISOString(),
    groups: [...actions.map((a) => ({ ...a, kind: 'action' as const })), ...safeguards.map((m) => ({ ...m, kind: 'safeguard' as const }))],
    departments: [...departments].sort(),
    cells: [...cells.values()],
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
  const periods = (await acceptedPeriods(db)).filter((p) => !plan || p.plan === plan);
  const labels = new Map<string, string>();
  const counts = countBy(periods, (p) => {
    const k = periodKey(p.endsOn, by);
    labels.set(k.period, k.label);
    return k.period;
  });
  return {
    plan: plan ?? null,
    by,
    periods: [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([period, c]) => ({ period, label: labels.get(period) ?? period, ...boardFigures(c) })),
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

  const submitted = (await base()
    .join('periods as p', 'p.assignment_id', 'a.id')
    .where('p.status', 'submitted')
    .orderBy([{ column: 'p.due_on' }, { column: 'i.code' }])
    .select(...item, 'a.id as assignmentId', 'p.seq as periodSeq', db.raw(day('p.starts_on', 'startsOn')), db.raw(day('p.ends_on', 'endsOn')), db.raw(day('p.original_due_on', 'originalDueOn')), db.raw(day('p.due_on', 'dueOn')))) as {
    plan: string;
    item: string;
    title: string;
    status: string;
    lead: string;
    assignmentId: number;
    periodSeq: number;
    startsOn: string;
    endsOn: string;
    originalDueOn: string;
    dueOn: string;
  }[];
  const latest = submitted.length
    ? ((await db('reports as r')
        .join('departments as d', 'd.id', 'r.department_id')
        .where('r.kind', 'consolidated')
        .whereIn(
          ['r.assignment_id', 'r.period_seq'],
          submitted.map((s) => [s.assignmentId, s.periodSeq]),
        )
        .orderBy([{ column: 'r.assignment_id' }, { column: 'r.period_seq' }, { column: 'r.version' }])
        .select('r.assignment_id', 'r.period_seq', 'r.version', 'd.code as department', 'r.progress', 'r.percent_done', 'r.problems', 'r.next_steps', 'r.attachments', 'r.submitted_by', 'r.submitted_at')) as {
        assignment_id: number;
        period_seq: number;
        version: number;
        department: string;
        progress: string;
        percent_done: number;
        problems: string | null;
        next_steps: string | null;
        attachments: unknown;
        submitted_by: string;
        submitted_at: Date;
      }[])
    : [];
  const lastReport = new Map(latest.map((r) => [`${r.assignment_id}:${r.period_seq}`, r]));
  const reports = submitted.map(({ assignmentId, ...s }) => {
    const r = lastReport.get(`${assignmentId}:${s.periodSeq}`);
    return {
      ...s,
      report: r
        ? {
            version: r.version,
            department: r.department,
            progress: r.progress,
            percentDone: r.percent_done,
            problems: r.problems,
            nextSteps: r.next_steps,
            attachments: Array.isArray(r.attachments) ? r.attachments.map(String) : [],
            submittedBy: r.submitted_by,
            submittedAt: new Date(r.submitted_at).toISOString(),
          }
        : null,
    };
  });

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
