import { assertDate, shiftDays } from './calendar';

/**
 * Which day the leading group's weekly digest goes out. The plan names a
 * weekday (policy.digest.weekday, 1 = Monday ... 7 = Sunday). When that day
 * is not a working day (a statutory holiday, or a weekend without 调休) the
 * digest moves to the first working day after it, so that it reaches people
 * at their desks. It never moves onto the next week's weekday: a week with no
 * working day before then has no digest of its own, and the next week's
 * digest covers it. Dates are 'YYYY-MM-DD' of the Asia/Shanghai calendar.
 */

/** Whether a date is a working day: WorkingCalendar.isWorkingDay, or a stand-in for it. */
export type IsWorkingDay = (date: string) => boolean;

/** One week's digest: the week (its Monday, the digest's key), the plan's weekday in it, and the day it goes out. */
export interface DigestWeek {
  weekOf: string;
  nominal: string;
  day: string;
}

/** How far back the digest whose day has come is looked for: past any run of holidays the calendar has. */
const LOOK_BACK_WEEKS = 8;

function checkWeekday(weekday: number): void {
  if (!Number.isInteger(weekday) || weekday < 1 || weekday > 7) throw new RangeError(`weekday must be 1 (Monday) to 7 (Sunday), got ${weekday}`);
}

/** Monday of the week (Monday to Sunday) that holds `date`. */
export function mondayOf(date: string): string {
  assertDate(date);
  const back = (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;
  return shiftDays(date, -back);
}

/** The digest of the week that holds `date`: its day, or undefined when no working day comes before the next week's weekday. */
export function digestWeekOf(date: string, weekday: number, isWorkingDay: IsWorkingDay): DigestWeek | undefined {
  checkWeekday(weekday);
  const weekOf = mondayOf(date);
  const nominal = shiftDays(weekOf, weekday - 1);
  for (let offset = 0; offset < 7; offset++) {
    const day = shiftDays(nominal, offset);
    if (isWorkingDay(day)) return { weekOf, nominal, day };
  }
  return undefined;
}

/**
 * The digest whose day has come by `today`: the latest week whose digest day
 * is today or before. The digest days only move forward (never past the next
 * weekday), so the first one found going back is the latest. A digest whose
 * day passed without it (the worker was down) is thus still the one due.
 */
export function currentDigestWeek(today: string, weekday: number, isWorkingDay: IsWorkingDay): DigestWeek | undefined {
  for (let back = 0; back <= LOOK_BACK_WEEKS; back++) {
    const week = digestWeekOf(shiftDays(today, -7 * back), weekday, isWorkingDay);
    if (week && week.day <= today) return week;
  }
  return undefined;
}

/** Whether `today` is the day a digest goes out. */
export function isDigestDay(today: string, weekday: number, isWorkingDay: IsWorkingDay): boolean {
  return currentDigestWeek(today, weekday, isWorkingDay)?.day === today;
}
