import { spawnSync } from 'node:child_process';
import { Client, type WorkflowHandle } from '@temporalio/client';
import type { Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import { apiDeps } from './helpers/api-deps';
import { assignItem } from '../api/services/assignments';
import { signalCalendarChanged } from '../api/services/calendar';
import { officialArrangement } from '../db/calendar/official';
import { calendarCache, loadCalendarYear, readCalendar, seedOfficialCalendar } from '../db/calendar/store';
import { CalendarNotLoadedError, type WorkingCalendar } from '../domain/calendar';
import { migrateLatest, type Db } from '../db/connection';
import { projectRoot } from '../platform/config';
import * as d from '../workflows/definitions';
import { createCatalogDatabase, createTestDatabase } from './helpers/db';
import { signInAll } from './helpers/api-users';
import { silentLog } from './helpers/plans';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { eventually } from './helpers/wait';
import { testNamespace } from './setup/namespaces';
import { testRun } from './setup/run';

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

type LogLine = { level: number; msg?: string } & Record<string, unknown>;

/** A real logger whose lines the test reads back. */
function capturedLog() {
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { log, lines };
}

const PLAN = 'sd-internet-plus-2016-2018';
const NO_SUCH_NAMESPACE = 'test-no-such-namespace';

describe('open items told of a calendar change', () => {
  let db: Db;
  let url: string;
  let t: TemporalHarness;
  let app: Express;
  let token: string;
  const open: WorkflowHandle[] = [];
  let closed: WorkflowHandle;
  /** Every row still listed as open: the items running, and the one whose workflow ended behind the row's back. */
  let listed: string[];

  const appWith = async (client: Client) =>
    createApp({ log: silentLog, readiness: {}, api: await apiDeps(db, { client, taskQueue: t.taskQueue }) });
  const put = (on: Express, year: number) =>
    request(on).put(`${API_BASE}/calendar/${year}`).set('authorization', `Bearer ${token}`).send({ days: [{ date: `${year}-01-01`, working: false, name: '元旦' }] });
  const signalled = async (h: WorkflowHandle) =>
    ((await h.fetchHistory()).events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === d.calendarChangedSignal.name).length;
  /** The calendar CLI as `npm run calendar:load` runs it, on this run's Temporal server. */
  const cli = (env: Record<string, string>) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/calendar-load.ts', '2016'], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: url, LOG_PRETTY: 'false', LOG_LEVEL: 'info', TEMPORAL_ADDRESS: testRun().temporalAddress, ...env },
      encoding: 'utf8',
      timeout: 90_000,
    });
    const lines = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
    return { status: run.status, lines, stderr: run.stderr };
  };

  beforeAll(async () => {
    ({ db, url } = await createCatalogDatabase('calendar_items'));
    // A slow clock: nothing fires while the test runs, the items only wait.
    t = await temporalHarness(db, 'calendar', { workingDayMs: 60_000 });
    for (const itemCode of ['A01-1', 'A01-2', 'A01-3', 'A01-4']) {
      const { workflowId } = await assignItem(
        { client: t.client, db, taskQueue: t.taskQueue, actor: 'sec1', workingDayMs: 60_000 },
        { planCode: PLAN, itemCode, lead: 'eic', cooperating: ['sti'], startDate: '2016-03-28', finalDeadline: '2016-06-30' },
      );
      open.push(t.client.workflow.getHandle(workflowId));
    }
    await eventually(() => db('assignments').count({ n: '*' }).first(), (r) => Number(r?.n) === 4, 10_000, 'assignment rows');
    // Ended without the mirror knowing: its row still says assigned, as a row read just before an item closes would.
    closed = open.pop() as WorkflowHandle;
    await closed.terminate('closed since its row was read');
    listed = [...open, closed].map((h) => h.workflowId).sort();
    app = await appWith(t.client);
    token = (await signInAll(app, db)).admin as string;
    expect(token).toBeDefined();
  });
  afterAll(async () => {
    for (const h of open) await h.terminate('test over').catch(() => undefined);
    await t?.close();
    await db?.destroy();
  });

  test('every open item is told and counted, and one closed since its row was read counts as closed', async () => {
    const { log, lines } = capturedLog();
    expect(await signalCalendarChanged(t.client, db, log)).toEqual({ told: 3, closed: 1, failed: [] });
    await eventually(() => Promise.all(open.map(signalled)), (counts) => counts.every((n) => n === 1), 10_000, 'the signal');
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  test('PUT /calendar/:year answers the counts; a year outside 2000-2100 is refused', async () => {
    const res = await put(app, 2027);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ year: 2027, days: 1, changed: true, openItemsRetimed: 3, openItemsClosed: 1, openItemsFailed: [] });
    // Told, all of them; a signal that comes while the workflow task retiming the item runs is written when that task ends.
    await eventually(() => Promise.all(open.map(signalled)), (counts) => counts.every((n) => n === 2), 10_000, 'the second signal');
    for (const year of [1999, 2101]) expect((await put(app, year)).status).toBe(422);
    expect((await put(app, 2000)).status).toBe(200);
  });

  test('a client on a namespace that does not exist: every open item is reported failed and logged by id, none passed off as closed', async () => {
    const lost = new Client({ connection: t.client.connection, namespace: NO_SUCH_NAMESPACE });
    // A signal sent while the workflow is busy is written to its history only after that task: wait for the loads before.
    const before = await eventually(() => Promise.all(open.map(signalled)), (counts) => counts.every((n) => n === 3), 10_000, 'the signals of the earlier loads');
    const { log, lines } = capturedLog();
    const notice = await signalCalendarChanged(lost, db, log, { attempts: 2, backoffMs: 10 });
    expect(notice.told).toBe(0);
    expect(notice.closed).toBe(0);
    expect(notice.failed.map((f) => f.workflowId)).toEqual(listed);
    expect(notice.failed[0]?.error).toContain(NO_SUCH_NAMESPACE);
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.workflowIds).toEqual(listed);

    // The calendar is loaded all the same: 200, and the body says which items were not told.
    const res = await put(await appWith(lost), 2028);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ year: 2028, changed: true, openItemsRetimed: 0, openItemsClosed: 0, openItemsFailed: listed });
    expect(await db('calendar_years').where({ year: 2028 }).first('year')).toEqual({ year: 2028 });
    expect(await Promise.all(open.map(signalled))).toEqual(before);
  });

  test('the CLI logs the counts, and exits non-zero when items were not told or Temporal is unreachable', async () => {
    const good = cli({ TEMPORAL_NAMESPACE: testNamespace('calendar') });
    expect(good.status).toBe(0);
    expect(good.lines.find((l) => l.msg === 'open items told to re-time their deadlines')).toMatchObject({ told: 3, closed: 1, failed: 0 });

    const lost = cli({ TEMPORAL_NAMESPACE: NO_SUCH_NAMESPACE });
    expect(lost.status).toBe(3);
    expect(lost.lines.find((l) => l.level === 50 && Array.isArray(l.failedWorkflowIds))).toMatchObject({ told: 0, closed: 0, failed: 4, failedWorkflowIds: listed });

    // Nothing listens on port 1: the load stands, the items are not told, and the exit status says so.
    const down = cli({ TEMPORAL_NAMESPACE: testNamespace('calendar'), TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(down.status).toBe(3);
    expect(down.lines.some((l) => l.level === 50 && String(l.msg).startsWith('Temporal not reachable'))).toBe(true);
  });
});
