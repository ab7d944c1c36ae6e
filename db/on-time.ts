import type { Knex } from 'knex';
import type { Db } from './connection';
import { countBy, originalVerdict, type OnTimeCounts, type OnTimeVerdicts, type PeriodDueDates } from '../domain/on-time';

/** An accepted period's stored verdicts, with its assignment and that assignment's current lead department. */
export interface AcceptedPeriod extends OnTimeVerdicts {
  assignmentId: number;
  lead: string;
  /** The item's plan code, and the last day of the period (YYYY-MM-DD), for counts per reporting period. */
  plan: string;
  endsOn: string;
}

/**
 * Every accepted period's verdicts as the review event recorded them: the
 * only source of "on time" for the board, the scorecard, the digest and the
 * ledger. They are counted in domain/on-time.ts, not in SQL, so the rule
 * lives in one place (a plan has a few hundred periods at most).
 */
export async function acceptedPeriods(db: Db): Promise<AcceptedPeriod[]> {
  return (await db('periods as p')
    .join('assignments as a', 'a.id', 'p.assignment_id')
    .join('departments as d', 'd.id', 'a.lead_department_id')
    .join('items as i', 'i.id', 'a.item_id')
    .join('plans as pl', 'pl.id', 'i.plan_id')
    .where('p.status', 'accepted')
    .select(
      'p.assignment_id as assignmentId',
      'd.code as lead',
      'pl.code as plan',
      db.raw(`to_char(p.ends_on, 'YYYY-MM-DD') as "endsOn"`),
      'p.on_time_original as original',
      'p.on_time as extended',
    )) as AcceptedPeriod[];
}

/** On-time counts per assignment id, or per lead department code (a reassigned item counts for its current lead). */
export async function onTimeCountsBy(db: Db, by: 'assignment'): Promise<Map<number, OnTimeCounts>>;
export async function onTimeCountsBy(db: Db, by: 'lead'): Promise<Map<string, OnTimeCounts>>;
export async function onTimeCountsBy(db: Db, by: 'assignment' | 'lead'): Promise<Map<number | string, OnTimeCounts>> {
  const periods = await acceptedPeriods(db);
  return by === 'assignment' ? countBy(periods, (p) => p.assignmentId) : countBy(periods, (p) => p.lead);
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
