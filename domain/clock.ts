import type { WorkingCalendar } from './calendar';

/**
 * Maps business dates to the absolute instants the workflow sleeps until.
 *
 * Production: real time in Asia/Shanghai; events of a day fire at 09:00 and a
 * due date ends at midnight. Compressed (WORKING_DAY_MS set, for tests and
 * demos): each working day after the item's start date lasts WORKING_DAY_MS
 * from the moment it was assigned, so the real calendar drives a ladder that
 * runs in seconds.
 */
export interface Clock {
  compressed: boolean;
  /** When a day's events fire. */
  startOf(date: string): number;
  /** When a day ends: a report due that day is late after this instant. */
  endOf(date: string): number;
  /** The business date at an instant (Asia/Shanghai, or the compressed timeline). */
  dateAt(instant: number): string;
}

export interface ClockAnchor {
  /** The item's start date... */
  date: string;
  /** ...began at this instant (the workflow's start). */
  at: number;
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** The calendar date in Asia/Shanghai (UTC+8, no daylight saving) at an instant. */
export function shanghaiDate(instant: number): string {
  return new Date(instant + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

export function createClock(cal: WorkingCalendar, anchor: ClockAnchor, workingDayMs?: number): Clock {
  if (!workingDayMs) {
    return {
      compressed: false,
      startOf: (date) => Date.parse(`${date}T09:00:00+08:00`),
      endOf: (date) => Date.parse(`${date}T23:59:59.999+08:00`),
      dateAt: shanghaiDate,
    };
  }
  const index = (date: string) =>
    date >= anchor.date ? cal.workingDaysBetween(anchor.date, date) : -cal.workingDaysBetween(date, anchor.date);
  return {
    compressed: true,
    startOf: (date) => anchor.at + index(date) * workingDayMs + Math.floor(workingDayMs / 10),
    endOf: (date) => anchor.at + (index(date) + 1) * workingDayMs - 1,
    dateAt: (instant) => {
      const days = Math.floor((instant - anchor.at) / workingDayMs);
      return days <= 0 ? anchor.date : cal.addWorkingDays(anchor.date, days);
    },
  };
}
