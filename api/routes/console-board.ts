import { z } from 'zod';
import { colourMatrix } from '../../db/board';
import { code } from '../../db/catalog/plan-schema';
import { findPlanCode } from '../../db/catalog-read';
import type { Db } from '../../db/connection';
import { onTimeCountsByPeriod } from '../../db/on-time';
import { reviewQueue } from '../../db/review-queue';
import { boardFigures } from '../../domain/on-time';
import { HttpError } from '../errors';
import { route } from '../route';

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
  const found = await findPlanCode(db, plan);
  if (!found) throw new HttpError(404, 'not_found', plan ? `plan ${plan} does not exist` : 'no plan is loaded');
  return found;
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

export const consoleBoardRoutes = [
  route({
    method: 'get',
    path: '/board/matrix',
    tag: 'board',
    summary: 'Colour (红黄绿灯) matrix: items per key action or safeguard measure and lead department, by colour',
    access: BOARD,
    query: planQuery,
    response: matrixResponse,
    handler: async ({ deps, query }) => colourMatrix(deps.db, await planCodeOf(deps.db, query.plan), deps.workingDayMs),
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
