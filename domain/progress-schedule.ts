/**
 * 序时进度: where an item should stand by a date, and whether its reported
 * progress lags that by more than the plan tolerates (滞后). Pure rules, read
 * by the report activity, the plan import, the board, the ledger and the
 * digest alike.
 */

export interface Milestone {
  /** The date by which `percent` should be done. */
  date: string;
  percent: number;
  description: string;
}

export interface ScheduleStanding {
  /** The planned percent done on `asOf`, or null where the item has no milestones. */
  planned: number | null;
  reported: number;
  asOf: string;
  behind: boolean;
}

export const DEFAULT_BEHIND_SCHEDULE_TOLERANCE = 10;

const DAY_MS = 86_400_000;

function dayNumber(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

/**
 * The planned percent on `date`: a straight line from 0% at `startOn` through
 * each milestone in turn (序时: progress in proportion to the time elapsed
 * between milestones), held at the last milestone's percent after it. Null when
 * there are no milestones: an item without them has no schedule to lag.
 * Whole percents, rounded down: the plan is not more exact than that.
 */
export function plannedPercentOn(milestones: readonly Milestone[], startOn: string, date: string): number | null {
  if (!milestones.length) return null;
  const points = [{ date: startOn, percent: 0 }, ...[...milestones].sort((a, b) => a.date.localeCompare(b.date))];
  if (date <= startOn) return 0;
  for (let i = 1; i < points.length; i++) {
    const from = points[i - 1] as { date: string; percent: number };
    const to = points[i] as { date: string; percent: number };
    if (date > to.date) continue;
    const span = dayNumber(to.date) - dayNumber(from.date);
    if (span <= 0) return to.percent;
    const share = (dayNumber(date) - dayNumber(from.date)) / span;
    return Math.floor(from.percent + share * (to.percent - from.percent));
  }
  return (points[points.length - 1] as { percent: number }).percent;
}

/** 滞后: the reported percent is more than `tolerance` points below the planned one. */
export function isBehindSchedule(planned: number | null, reported: number, tolerance: number): boolean {
  return planned !== null && planned - reported > tolerance;
}

/** The item's standing as of the end of the period its latest consolidated report covers. */
export function scheduleStanding(args: { milestones: readonly Milestone[]; startOn: string; asOf: string; reported: number; tolerance: number }): ScheduleStanding {
  const planned = plannedPercentOn(args.milestones, args.startOn, args.asOf);
  return { planned, reported: args.reported, asOf: args.asOf, behind: isBehindSchedule(planned, args.reported, args.tolerance) };
}

/** 序时进度 in words, for the ledger and the notices: 计划40%,实际25%,滞后. */
export function scheduleText(standing: { planned: number | null; reported: number | null; behind: boolean }): string {
  if (standing.reported === null) return standing.planned === null ? '' : `计划${standing.planned}%,尚未报送`;
  if (standing.planned === null) return `已完成${standing.reported}%`;
  return `计划${standing.planned}%,实际${standing.reported}%${standing.behind ? ',滞后' : ''}`;
}
