/**
 * Working days on the official Chinese calendar: Monday-Friday, except the
 * statutory holidays, plus the make-up working days (调休上班) on weekends.
 * All dates are 'YYYY-MM-DD' strings of the Asia/Shanghai calendar; the
 * arithmetic is on plain dates, so the host's time zone never matters.
 */

export interface CalendarException {
  working: boolean;
  name: string;
}

/** A date in a year whose official arrangement is not loaded: never guess it. */
export class CalendarNotLoadedError extends Error {
  constructor(readonly year: number) {
    super(`calendar for ${year} not loaded`);
    this.name = 'CalendarNotLoadedError';
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function assertDate(date: string, field = 'date'): void {
  const m = DATE.exec(date);
  const valid = m && new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) === date;
  if (!valid) throw new RangeError(`${field} must be a date as YYYY-MM-DD, got "${date}"`);
}

function toUtc(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

export function shiftDays(date: string, days: number): string {
  return new Date(toUtc(date) + days * 86_400_000).toISOString().slice(0, 10);
}

export function isWeekday(date: string): boolean {
  const dow = new Date(toUtc(date)).getUTCDay();
  return dow >= 1 && dow <= 5;
}

export class WorkingCalendar {
  constructor(
    private readonly loadedYears: ReadonlySet<number>,
    private readonly exceptions: ReadonlyMap<string, CalendarException>,
  ) {}

  private check(date: string): void {
    assertDate(date);
    const year = Number(date.slice(0, 4));
    if (!this.loadedYears.has(year)) throw new CalendarNotLoadedError(year);
  }

  isWorkingDay(date: string): boolean {
    this.check(date);
    return this.exceptions.get(date)?.working ?? isWeekday(date);
  }

  /** The name of a holiday or make-up day, if the date is one. */
  dayName(date: string): string | undefined {
    this.check(date);
    return this.exceptions.get(date)?.name;
  }

  /**
   * The n-th working day after `date` (n > 0), or before it (n < 0). With
   * n = 0: `date` itself when it is a working day, else the next working day.
   */
  addWorkingDays(date: string, n: number): string {
    if (!Number.isInteger(n)) throw new RangeError(`days must be a whole number, got ${n}`);
    this.check(date);
    if (n === 0) return this.isWorkingDay(date) ? date : this.addWorkingDays(date, 1);
    const step = n > 0 ? 1 : -1;
    let left = Math.abs(n);
    let day = date;
    while (left > 0) {
      day = shiftDays(day, step);
      if (this.isWorkingDay(day)) left -= 1;
    }
    return day;
  }

  /** The n-th working day after `date` (n >= 1): a report due "5 working days after the period ends". */
  nthWorkingDayAfter(date: string, n: number): string {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a whole number of at least 1, got ${n}`);
    return this.addWorkingDays(date, n);
  }

  /** Working days in (from, to]: 0 when to <= from. */
  workingDaysBetween(from: string, to: string): number {
    this.check(from);
    this.check(to);
    let count = 0;
    for (let day = shiftDays(from, 1); day <= to; day = shiftDays(day, 1)) if (this.isWorkingDay(day)) count += 1;
    return count;
  }
}
