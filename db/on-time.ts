import type { Knex } from 'knex';
import type { Db } from './connection';
import { originalVerdict, type OnTimeCounts, type OnTimeVerdicts, type PeriodDueDates } from '../domain/on-time';

/** An accepted period's stored verdicts, with its assignment and that assignment's current lead department. */
export interface AcceptedPeriod extends OnTimeVerdicts {
  assignmentId: number;
  lead: string;
  /** The item's plan code, and the last day of the period (YYYY-MM-DD), for counts per reporting period. */
  plan: string;
  endsOn: string;
}

/** Accepted periods `p` with their assignment `a`, its current lead department `d`, item `i` and plan `pl`. */
function acceptedPeriodsJoined(db: Db) {
  return db('periods as p')
    .join('assignments as a', 'a.id', 'p.assignment_id')
    .join('departments as d', 'd.id', 'a.lead_department_id')
    .join('items as i', 'i.id', 'a.item_id')
    .join('plans as pl', 'pl.id', 'i.plan_id')
    .where('p.status', 'accepted');
}

/**
 * Every accepted period's verdicts as the review event recorded them: the
 * only source of "on time" for the board, the scorecard, the digest and the
 * ledger. Row by row, for the rule of domain/on-time.ts itself; the readers
 * count them in PostgreSQL with onTimeCountColumns.
 */
export async function acceptedPeriods(db: Db): Promise<AcceptedPeriod[]> {
  return (await acceptedPeriodsJoined(db).select(
    'p.assignment_id as assignmentId',
    'd.code as lead',
    'pl.code as plan',
    db.raw(`to_char(p.ends_on, 'YYYY-MM-DD') as "endsOn"`),
    'p.on_time_original as original',
    'p.on_time as extended',
  )) as AcceptedPeriod[];
}

/**
 * The counting rule of domain/on-time.ts (countVerdict) as aggregates over
 * accepted `periods as p`, so readers count 50,000 periods in PostgreSQL
 * rather than in JavaScript: every accepted period counts, and only a true
 * verdict is on time (`filter (where null)` counts nothing). test/on-time.test.ts
 * checks it agrees with countBy.
 */
export function onTimeCountColumns(db: Knex): Knex.Raw[] {
  return [
    db.raw('count(*)::int as accepted'),
    db.raw('(count(*) filter (where p.on_time_original))::int as "onTimeOriginal"'),
    db.raw('(count(*) filter (where p.on_time))::int as "onTimeExtended"'),
  ];
}

/** Accepted periods counted per assignment, as a subquery to join on `assignment_id`. */
export function onTimeByAssignment(db: Db): Knex.QueryBuilder {
  return db('periods as p').where('p.status', 'accepted').groupBy('p.assignment_id').select('p.assignment_id', ...onTimeCountColumns(db));
}

type CountRow = OnTimeCounts & { key: number | string };

/** On-time counts per assignment id, or per lead department code (a reassigned item counts for its current lead). */
export async function onTimeCountsBy(db: Db, by: 'assignment'): Promise<Map<number, OnTimeCounts>>;
export async function onTimeCountsBy(db: Db, by: 'lead'): Promise<Map<string, OnTimeCounts>>;
export async function onTimeCountsBy(db: Db, by: 'assignment' | 'lead'): Promise<Map<number | string, OnTimeCounts>> {
  // Joined only as far as the key needs: every period has an assignment and every assignment a lead (foreign keys, not null).
  const q = db('periods as p').where('p.status', 'accepted');
  if (by === 'lead') q.join('assignments as a', 'a.id', 'p.assignment_id').join('departments as d', 'd.id', 'a.lead_department_id');
  const key = by === 'assignment' ? 'p.assignment_id' : 'd.code';
  const rows = (await q.groupBy(key).select(`${key} as key`, ...onTimeCountColumns(db))) as CountRow[];
  return new Map(rows.map(({ key: k, ...counts }) => [k, counts]));
}

/**
 * On-time counts per reporting period: the quarter or month the period ends
 * in, as its first day (YYYY-MM-DD), oldest first; of one plan or all.
 */
export async function onTimeCountsByPeriod(db: Db, by: 'quarter' | 'month', planCode?: string): Promise<(OnTimeCounts & { startsOn: string })[]> {
  // The unit is one of two literals, never the caller's text.
  const unit = by === 'month' ? 'month' : 'quarter';
  // Every period has an assignment, an item and a plan (foreign keys): they are joined only to pick a plan.
  const q = db('periods as p')
    .where('p.status', 'accepted')
    .groupByRaw('1')
    .orderByRaw('1')
    .select(db.raw(`to_char(date_trunc('${unit}', p.ends_on), 'YYYY-MM-DD') as "startsOn"`), ...onTimeCountColumns(db));
  if (planCode) {
    q.whereExists(db('assignments as a').join('items as i', 'i.id', 'a.item_id').join('plans as pl', 'pl.id', 'i.plan_id').whereRaw('a.id = p.assignment_id').where('pl.code', planCode));
  }
  return (await q) as (OnTimeCounts & { startsOn: string })[];
}

/**
 * The columns an acceptance writes on its period row: the workflow's verdicts,
 * the original-clock one derived from the period's due dates when the
 * workflow (older code) gave none.
 */
export async function verdictColumns(
  trx: Knex | Knex.Transaction,
  period: { assignmentId: number; seq: number },
  given: { onTime?: boolean; onTimeOriginal?: boolean },
): Promise<{ on_time: boolean | null; on_time_original: boolean | null }> {
  const dates = (await trx('periods')
    .where({ assignment_id: period.assignmentId, seq: period.seq })
    .first(
      trx.raw(`to_char(original_due_on, 'YYYY-MM-DD') as "originalDueOn"`),
      trx.raw(`to_char(due_on, 'YYYY-MM-DD') as "dueOn"`),
      trx.raw(`to_char(extended_due_on, 'YYYY-MM-DD') as "extendedDueOn"`),
    )) as PeriodDueDates | undefined;
  return { on_time: given.onTime ?? null, on_time_original: dates ? originalVerdict(given, dates) : (given.onTimeOriginal ?? null) };
}
