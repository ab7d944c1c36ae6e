/**
 * "On time" has one definition: the item workflow's verdict when the
 * secretariat accepts a period's report, given on two clocks.
 *
 * - Original clock (`periods.on_time_original`): the accepted version was
 *   received by the end of the period's original due date.
 * - Extended clock (`periods.on_time`): the accepted version was received by
 *   the due instant in force, after approved extensions and returns.
 *
 * Only the workflow knows those instants (under the compressed clock of tests
 * and demos a working day lasts milliseconds), so the board, the scorecard,
 * the digest and the ledger count the stored verdicts with the rules below
 * and never recompute them from dates. The verdicts are read by
 * db/on-time.ts and written by the review event in activities/item-events/reports.ts.
 */

import type { PeriodState } from './item/state';

/** The workflow's verdicts for the period's accepted (latest consolidated) report, at acceptance. */
export function onTimeVerdict(p: PeriodState): { onTime: boolean; onTimeOriginal?: boolean } {
  const receivedAt = p.consolidated?.receivedAt ?? Infinity;
  // A period planned before originalDueAt existed: its due date never moved, or the original instant is unknown.
  const originalDueAt = p.originalDueAt ?? (p.dueOn === p.originalDueOn && !p.extendedDueOn ? p.dueAt : undefined);
  return { onTime: receivedAt <= p.dueAt, ...(originalDueAt !== undefined ? { onTimeOriginal: receivedAt <= originalDueAt } : {}) };
}

/** An accepted period's verdicts; null where none is known. */
export interface OnTimeVerdicts {
  original: boolean | null;
  extended: boolean | null;
}

/** Accepted periods, and how many of them were on time on each clock. */
export interface OnTimeCounts {
  accepted: number;
  onTimeOriginal: number;
  onTimeExtended: number;
}

export const NO_PERIODS: OnTimeCounts = Object.freeze({ accepted: 0, onTimeOriginal: 0, onTimeExtended: 0 });

/**
 * The counting rule: every accepted period counts, and it is on time only when
 * its verdict says so. A period without a verdict is not on time, so a rate
 * never claims more punctuality than the workflow vouched for.
 */
export function countVerdict(counts: OnTimeCounts, v: OnTimeVerdicts): OnTimeCounts {
  return {
    accepted: counts.accepted + 1,
    onTimeOriginal: counts.onTimeOriginal + (v.original === true ? 1 : 0),
    onTimeExtended: counts.onTimeExtended + (v.extended === true ? 1 : 0),
  };
}

export function addCounts(a: OnTimeCounts, b: OnTimeCounts): OnTimeCounts {
  return { accepted: a.accepted + b.accepted, onTimeOriginal: a.onTimeOriginal + b.onTimeOriginal, onTimeExtended: a.onTimeExtended + b.onTimeExtended };
}

/** Accepted periods counted per key (an assignment, a department). */
export function countBy<K, T extends OnTimeVerdicts>(periods: readonly T[], key: (p: T) => K): Map<K, OnTimeCounts> {
  const counts = new Map<K, OnTimeCounts>();
  for (const p of periods) counts.set(key(p), countVerdict(counts.get(key(p)) ?? NO_PERIODS, p));
  return counts;
}

/** The share of accepted periods that were on time, rounded to three decimals; null when none was accepted. */
export function onTimeRate(onTime: number, accepted: number): number | null {
  return accepted ? Math.round((1000 * onTime) / accepted) / 1000 : null;
}

/**
 * The figures the board summary and the digest show: `onTime` is the verdict
 * in force (the extended clock), the original clock beside it.
 */
export function boardFigures(c: OnTimeCounts) {
  return {
    acceptedPeriods: c.accepted,
    onTime: c.onTimeExtended,
    onTimeRate: onTimeRate(c.onTimeExtended, c.accepted),
    onTimeOriginal: c.onTimeOriginal,
    onTimeRateOriginal: onTimeRate(c.onTimeOriginal, c.accepted),
  };
}

export type BoardFigures = ReturnType<typeof boardFigures>;

/** The figures the scorecard shows: both clocks by name. */
export function scorecardFigures(c: OnTimeCounts) {
  return {
    acceptedPeriods: c.accepted,
    onTimeOriginal: c.onTimeOriginal,
    onTimeRateOriginal: onTimeRate(c.onTimeOriginal, c.accepted),
    onTimeExtended: c.onTimeExtended,
    onTimeRateExtended: onTimeRate(c.onTimeExtended, c.accepted),
  };
}

/** A period's due dates as recorded when its report is accepted. */
export interface PeriodDueDates {
  originalDueOn: string;
  dueOn: string;
  extendedDueOn: string | null;
}

/**
 * The original-clock verdict to record for an acceptance. The workflow gives
 * it; an item started by older workflow code gives only the extended one, and
 * then it is derived where the dates settle it:
 * - the due date was never moved (no extension, no return to a new date): the
 *   two clocks are the same clock, so the verdicts agree;
 * - late against a due date in force no earlier than the original: late
 *   against the original too;
 * - otherwise (on time only thanks to a moved date, or no verdict at all) it
 *   is unknown: null, which the counting rule treats as not on time.
 * Dates are YYYY-MM-DD, so they compare as strings.
 */
export function originalVerdict(given: { onTime?: boolean; onTimeOriginal?: boolean }, period: PeriodDueDates): boolean | null {
  if (given.onTimeOriginal !== undefined) return given.onTimeOriginal;
  if (given.onTime === undefined) return null;
  if (period.extendedDueOn === null && period.dueOn === period.originalDueOn) return given.onTime;
  if (!given.onTime && period.dueOn >= period.originalDueOn) return false;
  return null;
}
