import { officialArrangement } from '../db/calendar/official';
import { calendarCache, loadCalendarYear, readCalendar, seedOfficialCalendar } from '../db/calendar/store';
import { CalendarNotLoadedError, type WorkingCalendar } from '../domain/calendar';
import { migrateLatest, type Db } from '../db/connection';
import { createTestDatabase } from './helpers/db';

describe('the working-day calendar', () => {
  let db: Db;
  let cal: WorkingCalendar;

  beforeAll(async () => {
    ({ db } = await createTestDatabase('calendar'));
    await migrateLatest(db);
    const seeded = await seedOfficialCalendar(db);
    expect(seeded).toEqual(Array.from({ length: 23 }, (_, i) => 2004 + i));
    cal = await readCalendar(db);
  });
  afterAll(async () => {
    await db.destroy();
  });

  test.each([
    // quarter end, the 5th working day after it (reports due 5 working days after the period ends)
    ['2016-03-31', '2016-04-08'], // 清明 2016-04-04 off
    ['2016-06-30', '2016-07-07'],
    ['2016-09-30', '2016-10-12'], // 国庆 10-01..07 off; Sat 10-08 and Sun 10-09 are make-up working days
    ['2016-12-31', '2017-01-09'], // 元旦 2017-01-02 off
    ['2017-03-31', '2017-04-10'], // Sat 2017-04-01 make-up day; 清明 04-02..04 off
    ['2017-06-30', '2017-07-07'],
    ['2017-09-30', '2017-10-13'], // 国庆+中秋 10-01..08 off
    ['2017-12-31', '2018-01-08'], // 元旦 2018-01-01 off
    ['2018-03-31', '2018-04-09'], // 清明 04-05..07 off, Sun 04-08 make-up day
    ['2018-06-30', '2018-07-06'],
    ['2018-09-30', '2018-10-12'], // 国庆 10-01..07 off
    ['2018-12-31', '2019-01-08'], // 元旦 2018-12-31 and 2019-01-01 off
  ])('a quarter ending %s has its report due on %s', (end, due) => {
    expect(cal.nthWorkingDayAfter(end, 5)).toBe(due);
  });

  test('make-up working days (调休上班) are working days, holidays are not', () => {
    expect(cal.isWorkingDay('2017-01-22')).toBe(true); // Sunday, 春节调休
    expect(cal.isWorkingDay('2016-10-08')).toBe(true); // Saturday, 国庆调休
    expect(cal.dayName('2016-10-08')).toBe('国庆节调休上班');
    expect(cal.isWorkingDay('2016-10-03')).toBe(false); // Monday, 国庆
    expect(cal.dayName('2016-10-03')).toBe('国庆节');
    expect(cal.isWorkingDay('2016-10-15')).toBe(false); // an ordinary Saturday
    expect(cal.isWorkingDay('2016-10-14')).toBe(true); // an ordinary Friday
  });

  test('adding working days backwards and counting them', () => {
    expect(cal.addWorkingDays('2016-10-12', -3)).toBe('2016-10-09'); // back over the make-up Sunday
    expect(cal.addWorkingDays('2016-10-10', -2)).toBe('2016-10-08');
    expect(cal.addWorkingDays('2016-10-01', 0)).toBe('2016-10-08'); // a holiday rolls forward to the next working day
    expect(cal.addWorkingDays('2016-10-14', 0)).toBe('2016-10-14');
    expect(cal.workingDaysBetween('2016-09-30', '2016-10-12')).toBe(5);
    expect(cal.workingDaysBetween('2016-10-12', '2016-09-30')).toBe(0);
  });

  test('a year with no arrangement loaded is an error that says so, never a guess', () => {
    expect(() => cal.isWorkingDay('2027-01-01')).toThrow(new CalendarNotLoadedError(2027));
    expect(() => cal.isWorkingDay('2027-01-01')).toThrow('calendar for 2027 not loaded');
    expect(() => cal.nthWorkingDayAfter('2026-12-31', 5)).toThrow('calendar for 2027 not loaded');
    expect(() => cal.isWorkingDay('2003-06-02')).toThrow('calendar for 2003 not loaded');
    expect(() => cal.isWorkingDay('2016-02-30')).toThrow(RangeError);
    // chinese-days would answer 2027 as plain Monday-Friday: refused at the source.
    expect(() => officialArrangement(2027)).toThrow(/no official arrangement for 2027/);
  });

  test('an administrator loads a year from its published arrangement; the same load again changes nothing', async () => {
    const cache = calendarCache(db);
    const before = await cache();
    expect(() => before.isWorkingDay('2027-01-04')).toThrow('calendar for 2027 not loaded');
    const arrangement = {
      year: 2027,
      days: [
        { date: '2027-01-01', working: false, name: '元旦' },
        { date: '2027-02-06', working: true, name: '春节调休上班' },
      ],
    };
    const first = await loadCalendarYear(db, arrangement, { actor: 'admin', source: 'test' });
    expect(first).toEqual({ year: 2027, days: 2, changed: true });
    const after = await cache();
    expect(after.isWorkingDay('2027-01-01')).toBe(false);
    expect(after.isWorkingDay('2027-02-06')).toBe(true); // a Saturday
    expect(after.nthWorkingDayAfter('2026-12-31', 1)).toBe('2027-01-04');

    expect(await loadCalendarYear(db, arrangement, { actor: 'admin', source: 'test' })).toEqual({ year: 2027, days: 2, changed: false });
    const audits = await db('audit_events').where({ action: 'calendar.load', subject: 'calendar:2027' });
    expect(audits).toHaveLength(1);
    expect(audits[0].actor).toBe('admin');
  });

  test('a bad arrangement is refused with the path of the bad field and writes nothing', async () => {
    const bad = { year: 2028, days: [{ date: '2028-02-30', working: false, name: '元旦' }, { date: '2029-01-01', working: false, name: 'x' }] };
    await expect(loadCalendarYear(db, bad, { actor: 'admin', source: 'test' })).rejects.toThrow(/days\b/);
    expect(await db('calendar_years').where({ year: 2028 })).toHaveLength(0);
  });
});
