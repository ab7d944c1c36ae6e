import { officialArrangement } from '../db/calendar/official';
import { shiftDays, WorkingCalendar } from '../domain/calendar';
import { currentDigestWeek, digestWeekOf, isDigestDay, mondayOf, type IsWorkingDay } from '../domain/digest-day';
import { changeWords, comparedWith, weekOnWeek, type DepartmentWeek } from '../domain/digest-change';

/** The State Council's 2016 and 2017 arrangements, as the system seeds them. */
const official = new WorkingCalendar(
  new Set([2016, 2017]),
  new Map([...officialArrangement(2016), ...officialArrangement(2017)].map((d) => [d.date, { working: d.working, name: d.name }])),
);
const working: IsWorkingDay = (date) => official.isWorkingDay(date);

/** The digest day of every week from `from` (a Monday), `weeks` of them. */
function daysOf(from: string, weeks: number, weekday: number, isWorkingDay: IsWorkingDay = working): (string | undefined)[] {
  return Array.from({ length: weeks }, (_, i) => digestWeekOf(shiftDays(from, 7 * i), weekday, isWorkingDay)?.day);
}

describe('the digest day (domain/digest-day.ts)', () => {
  test('a week is Monday to Sunday, whatever day it is asked from', () => {
    expect(['2016-09-26', '2016-09-28', '2016-10-02'].map(mondayOf)).toEqual(['2016-09-26', '2016-09-26', '2016-09-26']);
    expect(mondayOf('2017-01-01')).toBe('2016-12-26');
  });

  test('a normal week: the plan\'s weekday itself', () => {
    expect(digestWeekOf('2016-09-28', 1, working)).toEqual({ weekOf: '2016-09-26', nominal: '2016-09-26', day: '2016-09-26' });
    expect(digestWeekOf('2016-09-28', 3, working)?.day).toBe('2016-09-28');
    expect(isDigestDay('2016-09-26', 1, working)).toBe(true);
    expect(isDigestDay('2016-09-27', 1, working)).toBe(false);
  });

  test('the weekday a public holiday: National Day week 2016 moves Monday 10-03 to the 调休 Saturday 10-08', () => {
    expect(official.dayName('2016-10-08')).toMatch(/调休上班/);
    expect(digestWeekOf('2016-10-03', 1, working)).toEqual({ weekOf: '2016-10-03', nominal: '2016-10-03', day: '2016-10-08' });
    // Through the holiday, the digest whose day has come is still the week before's: nothing new goes out.
    for (const day of ['2016-10-03', '2016-10-05', '2016-10-07']) {
      expect(currentDigestWeek(day, 1, working)?.weekOf).toBe('2016-09-26');
      expect(isDigestDay(day, 1, working)).toBe(false);
    }
    expect(currentDigestWeek('2016-10-08', 1, working)).toEqual({ weekOf: '2016-10-03', nominal: '2016-10-03', day: '2016-10-08' });
    expect(isDigestDay('2016-10-08', 1, working)).toBe(true);
    // The next week is normal again.
    expect(currentDigestWeek('2016-10-10', 1, working)?.day).toBe('2016-10-10');
  });

  test('a Sunday weekday (7): on a 调休 Sunday itself, else the Monday after', () => {
    // 2016-09-18 was a 调休 Sunday (中秋节); 2016-09-25 an ordinary one; 2016-10-02 in the National Day holiday, 2016-10-09 调休.
    expect(daysOf('2016-09-12', 4, 7)).toEqual(['2016-09-18', '2016-09-26', '2016-10-08', '2016-10-09']);
    // Moved past the week's end, the digest still belongs to its own week.
    expect(currentDigestWeek('2016-09-27', 7, working)).toEqual({ weekOf: '2016-09-19', nominal: '2016-09-25', day: '2016-09-26' });
    expect(currentDigestWeek('2016-09-25', 7, working)?.weekOf).toBe('2016-09-12');
  });

  test('a whole week off: Spring Festival 2016 leaves the Sunday digest of its week no day before the next Sunday, so that week has none', () => {
    // 2016-02-07 (除夕, Sunday) to 02-13 off; 02-14 a 调休 Sunday, the next week's own digest day.
    expect(daysOf('2016-02-01', 2, 7)).toEqual([undefined, '2016-02-14']);
    for (const day of ['2016-02-07', '2016-02-10', '2016-02-13']) expect(currentDigestWeek(day, 7, working)?.weekOf).toBe('2016-01-25');
    expect(currentDigestWeek('2016-02-14', 7, working)?.weekOf).toBe('2016-02-08');
    // A Monday digest the same week goes out on that 调休 Sunday, still before the next Monday.
    expect(daysOf('2016-02-08', 1, 1)).toEqual(['2016-02-14']);
  });

  test('a whole week off on any calendar: the week is skipped and the last digest stays the current one', () => {
    const off = new Set(Array.from({ length: 9 }, (_, i) => shiftDays('2016-05-04', i)));
    const closed: IsWorkingDay = (date) => !off.has(date) && working(date);
    expect(daysOf('2016-04-25', 4, 3, closed)).toEqual(['2016-04-27', undefined, '2016-05-13', '2016-05-18']);
    expect(currentDigestWeek('2016-05-12', 3, closed)?.weekOf).toBe('2016-04-25');
    expect(currentDigestWeek('2016-05-13', 3, closed)).toEqual({ weekOf: '2016-05-09', nominal: '2016-05-11', day: '2016-05-13' });
  });

  test('a weekday outside 1-7 is refused', () => {
    for (const weekday of [0, 8, 1.5]) expect(() => digestWeekOf('2016-09-26', weekday, working)).toThrow(RangeError);
  });
});

describe('week on week (domain/digest-change.ts)', () => {
  const last: DepartmentWeek = { items: 5, red: 1, yellow: 2, green: 2, openEscalations: 2, onTimeRate: 0.6 };

  test('each figure against the same department\'s previous week, in words', () => {
    const change = weekOnWeek({ items: 5, red: 2, yellow: 1, green: 2, openEscalations: 1, onTimeRate: 0.667 }, last);
    expect(change).toEqual({ items: 0, red: 1, yellow: -1, green: 0, openEscalations: -1, onTimeRate: 0.067 });
    expect(changeWords(change)).toBe('红灯+1、黄灯-1、催督办-1、按期率+6.7个百分点');
  });

  test('nothing moved is 持平; a rate missing either week is left out', () => {
    expect(changeWords(weekOnWeek(last, last))).toBe('持平');
    const change = weekOnWeek({ ...last, items: 7, green: 4, onTimeRate: null }, last);
    expect(change.onTimeRate).toBeNull();
    expect(changeWords(change)).toBe('事项+2');
  });

  test('较上周 against the week before; 较上期 when weeks without a digest lie between', () => {
    expect(comparedWith('2016-10-10', '2016-10-03')).toBe('较上周');
    expect(comparedWith('2016-02-15', '2016-02-01')).toBe('较上期');
  });
});
