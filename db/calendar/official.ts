import chineseDays from 'chinese-days';
import { isWeekday, shiftDays } from '../../domain/calendar';

/** The years whose State Council arrangement the `chinese-days` package really holds. */
export const OFFICIAL_YEARS = { first: 2004, last: 2026 } as const;

export interface CalendarDay {
  date: string;
  working: boolean;
  name: string;
}

/**
 * One year's exceptions to Monday-Friday from `chinese-days`. Outside
 * 2004-2026 the package silently answers plain Monday-Friday, so those years
 * are refused here: they must be loaded from the published arrangement.
 */
export function officialArrangement(year: number): CalendarDay[] {
  if (!Number.isInteger(year) || year < OFFICIAL_YEARS.first || year > OFFICIAL_YEARS.last) {
    throw new RangeError(
      `no official arrangement for ${year} in chinese-days (it holds ${OFFICIAL_YEARS.first}-${OFFICIAL_YEARS.last}); load ${year} from a file with calendar:load -- ${year} --file <arrangement.json>`,
    );
  }
  const days: CalendarDay[] = [];
  for (let date = `${year}-01-01`; date.startsWith(String(year)); date = shiftDays(date, 1)) {
    const detail = chineseDays.getDayDetail(date);
    // Holiday names look like 'Spring Festival,春节,4'; plain days carry the English weekday.
    const parts = detail.name.split(',');
    const holiday = parts.length >= 2 ? parts[1] : undefined;
    const namedDayOff = !detail.work && holiday !== undefined;
    if (detail.work === isWeekday(date) && !namedDayOff) continue;
    days.push({ date, working: detail.work, name: detail.work ? `${holiday ?? ''}调休上班` : (holiday ?? '休息日') });
  }
  return days;
}
