import type { WorkingCalendar } from './calendar';
import { createClock, shanghaiDate } from './clock';

/**
 * 红黄绿灯, one rule for the board, the lists and the digest. Red: escalated,
 * overdue, or past the final deadline (完成时限) and not 办结. Yellow: 滞后
 * (reported progress lags the 序时进度 beyond the plan's tolerance, even when
 * every report was on time), or the next deadline is within
 * DUE_SOON_WORKING_DAYS working days. Green otherwise.
 * "Today" is each item's own business date: its clock may be compressed in
 * tests and demos.
 */
export type Colour = 'red' | 'yellow' | 'green';

export const DUE_SOON_WORKING_DAYS = 3;

export interface ColourInput {
  escalation_level: number;
  next_due_on: string | null;
  next_due_at: Date | null;
  /** The date the item's clock is anchored on: the day of assignment (the start date on older items). */
  clock_date: string;
  assigned_at: Date;
  final_deadline: string;
  /** 滞后, as db/schedule-standing.ts last judged it. */
  behind_schedule: boolean;
}

export function colourOf(item: ColourInput, cal: WorkingCalendar, now: number, workingDayMs?: number): Colour {
  if (item.escalation_level > 0) return 'red';
  if (item.next_due_at && item.next_due_at.getTime() < now) return 'red';
  const clock = createClock(cal, { date: item.clock_date, at: item.assigned_at.getTime() }, workingDayMs);
  try {
    const today = clock.dateAt(now);
    if (today > item.final_deadline) return 'red';
    if (item.behind_schedule) return 'yellow';
    if (!item.next_due_on) return 'green';
    return item.next_due_on < dueSoonBefore(cal, today) ? 'yellow' : 'green';
  } catch {
    // A year with no calendar: the item is blocked, which needs attention.
    return 'yellow';
  }
}

/** A next deadline before this date is due soon: at most N working days left. Four days of calendar, not a walk to the due date. */
export function dueSoonBefore(cal: WorkingCalendar, today: string): string {
  return cal.nthWorkingDayAfter(today, DUE_SOON_WORKING_DAYS + 1);
}

/**
 * What the rule needs of the calendar on the real clock, where every item
 * shares one today: the SQL form of the rule (db/colour.ts) takes these as
 * parameters, so the calendar is read once per request, not once per item.
 * `dueSoonBefore` is null when the calendar does not reach it: the rule then
 * says yellow for any item with a next deadline, as colourOf does.
 */
export interface ColourDay {
  now: number;
  today: string;
  dueSoonBefore: string | null;
}

export function colourDay(cal: WorkingCalendar, now: number): ColourDay {
  const today = shanghaiDate(now);
  try {
    return { now, today, dueSoonBefore: dueSoonBefore(cal, today) };
  } catch {
    return { now, today, dueSoonBefore: null };
  }
}
