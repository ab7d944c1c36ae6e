import { createDigestActivities } from '../activities/digest';
import type { Digest } from '../domain/digest';
import { createNotificationActivities, type NotificationActivities } from '../activities/notifications';
import { setDepartmentChannels } from '../notifications';
import { calendarCache } from '../db/calendar/store';
import type { Db } from '../db/connection';
import { leadingGroupRecipients } from '../db/leading-group';
import { dailyCron } from '../platform/digest-schedule';
import { testSecrets } from './helpers/api-deps';
import { insertAssignment } from './helpers/assignments';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';

describe('DIGEST_CRON gives the time of day; the Schedule runs daily', () => {
  test("a five-field cron keeps its minute and hour; its day fields give way to the plan's weekday", () => {
    expect(dailyCron('0 8 * * 1')).toEqual({ cron: '0 8 * * *', daysIgnored: true });
    expect(dailyCron(' 30 7 * * * ')).toEqual({ cron: '30 7 * * *', daysIgnored: false });
    expect(dailyCron('@daily')).toEqual({ cron: '@daily', daysIgnored: false });
  });
});

/**
 * The digest activity against the real database on a clock the test sets:
 * which day it goes out, to whom, once, and each department against its own
 * previous week. The Schedule that runs it is tested in item-workflow.test.ts.
 */
describe('the weekly digest: its day, its recipients, week on week', () => {
  let db: Db;
  let clock = 0;
  let notifications: NotificationActivities;
  const assignmentIds = new Map<string, number>();

  /** 08:00 in Shanghai on `date`, when the Schedule fires by default. */
  const at = (date: string) => {
    clock = Date.parse(`${date}T08:00:00+08:00`);
  };
  const digestOf = (notify: NotificationActivities = notifications) =>
    createDigestActivities({ db, log: silentLog, calendar: calendarCache(db), notifications: notify, now: () => clock }).buildWeeklyDigest();
  const notices = async () =>
    (await db('notifications as n').join('departments as d', 'd.id', 'n.department_id').where('n.kind', 'digest').orderBy('n.id').select('n.key', 'd.code', 'n.title', 'n.body')) as {
      key: string;
      code: string;
      title: string;
      body: string;
    }[];
  const digestRows = async () => ((await db('digests').orderBy('week_of').pluck('key')) as string[]);

  async function assign(label: string, itemCode: string, lead: string, fields: Record<string, unknown> = {}): Promise<void> {
    assignmentIds.set(label, await insertAssignment(db, itemCode, lead, fields));
  }

  /** An open 催办 (or higher) on the item, and the item red as the workflow would mirror it. */
  async function escalate(label: string, level: number, businessDate: string): Promise<void> {
    const id = assignmentIds.get(label) as number;
    const rung = ['', 'cuiban', 'duban', 'leading-group'][level] as string;
    await db('escalations').insert({ key: `test:${label}:${rung}`, assignment_id: id, subject: 'report', period_seq: 2, rung, level, business_date: businessDate, fired_at: new Date(`${businessDate}T01:00:00Z`) });
    await db('assignments').where({ id }).update({ escalation_level: level });
  }

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('digest'));
    notifications = createNotificationActivities({ db, log: silentLog, mergeWindowMs: 0 });
    // eic leads two items, one of them chased; agri one, on track.
    await assign('eic-1', 'A01-1', 'eic');
    await assign('eic-2', 'A01-2', 'eic');
    await assign('agri-1', 'A02-1', 'agri');
    await escalate('eic-1', 1, '2016-09-20');
  });
  afterAll(async () => {
    await db.destroy();
  });

  test("on the plan's weekday it goes to the secretariat and to the leading group, whose channels reach its members", async () => {
    // As at start: the leading group's entry is there before the first digest, for the administrator to give it an address.
    expect(await leadingGroupRecipients(db)).toEqual(['leading-group']);
    expect(await db('departments').where({ code: 'leading-group' }).first('name', 'kind')).toEqual({ name: '领导小组', kind: 'leading-group' });
    await setDepartmentChannels(db, 'leading-group', { email: 'leading-group@example.gov.cn' }, testSecrets);

    at('2016-09-26');
    const digest = await digestOf();
    expect(digest).toMatchObject({ key: 'digest:2016-09-26', weekOf: '2016-09-26' });
    expect(digest.previousWeekOf).toBeUndefined();
    expect(digest.byDepartment.find((d) => d.code === 'eic')).toMatchObject({ items: 2, red: 1, green: 1, openEscalations: 1 });
    expect(digest.byDepartment.find((d) => d.code === 'eic')?.lastWeek).toBeUndefined();

    const sent = await notices();
    expect(sent.map((n) => [n.key, n.code])).toEqual([
      ['digest:2016-09-26', 'drc'],
      ['digest:2016-09-26:leading-group', 'leading-group'],
    ]);
    expect(new Set(sent.map((n) => n.title))).toEqual(new Set(['【周报】2016年9月26日当周推进情况']));
    expect(sent[0]?.body).toBe(sent[1]?.body);
    expect(sent[0]?.body).toContain('各牵头单位:\n省农业厅:事项1项,红灯0、黄灯0、绿灯1。\n省经济和信息化委:事项2项,红灯1、黄灯0、绿灯1,未解除催督办1项。');
    expect(sent[0]?.body).not.toMatch(/较上/);
    // The members' e-mail goes out through the outbox like a department's.
    const deliveries = await db('notifications as n')
      .join('notification_deliveries as x', 'x.message_id', 'n.message_id')
      .where('n.key', 'digest:2016-09-26:leading-group')
      .pluck('x.channel');
    expect(deliveries).toEqual(['email']);
  });

  test('the rest of the week it answers the stored digest and sends nothing: re-runs never send twice', async () => {
    const first = await notices();
    for (const day of ['2016-09-26', '2016-09-27', '2016-09-30', '2016-10-02']) {
      at(day);
      expect((await digestOf()).key).toBe('digest:2016-09-26');
    }
    expect(await notices()).toEqual(first);
    expect(await digestRows()).toEqual(['digest:2016-09-26']);
  });

  test("a holiday moves it: National Day's Monday digest goes out on the 调休 Saturday, each department against its own last week", async () => {
    // During the week: eic's second item is chased too; commerce leads its first item; agri stays as it was.
    await escalate('eic-2', 2, '2016-09-29');
    await assign('commerce-1', 'A07-1', 'commerce');
    for (const day of ['2016-10-03', '2016-10-05', '2016-10-07']) {
      at(day);
      expect((await digestOf()).key).toBe('digest:2016-09-26');
    }
    expect(await notices()).toHaveLength(2);

    at('2016-10-08');
    const digest = await digestOf();
    expect(digest).toMatchObject({ key: 'digest:2016-10-03', weekOf: '2016-10-03', previousWeekOf: '2016-09-26' });
    const eic = digest.byDepartment.find((d) => d.code === 'eic');
    expect(eic).toMatchObject({
      red: 2,
      openEscalations: 2,
      lastWeek: { items: 2, red: 1, yellow: 0, green: 1, openEscalations: 1, onTimeRate: null },
      change: { items: 0, red: 1, yellow: 0, green: -1, openEscalations: 1, onTimeRate: null },
    });
    const sent = (await notices()).slice(2);
    expect(sent.map((n) => [n.key, n.code])).toEqual([
      ['digest:2016-10-03', 'drc'],
      ['digest:2016-10-03:leading-group', 'leading-group'],
    ]);
    const body = sent[0]?.body ?? '';
    expect(body).toContain('省经济和信息化委:事项2项,红灯2、黄灯0、绿灯0,未解除催督办2项;较上周:红灯+1、催督办+1。');
    expect(body).toContain('省农业厅:事项1项,红灯0、黄灯0、绿灯1;较上周:持平。');
    expect(body).toContain('省商务厅:事项1项,红灯0、黄灯0、绿灯1;较上周:新列入。');
    // Departments in the directory's order, each against itself: no ranking.
    const lines = body.split('\n').filter((l) => /^省.+:事项/.test(l));
    expect(lines.map((l) => l.split(':')[0])).toEqual(['省农业厅', '省商务厅', '省经济和信息化委']);
  });

  test('a retry after the row was stored but before the notices went out sends each notice once', async () => {
    at('2016-10-10');
    let failures = 1;
    const flaky: NotificationActivities = {
      notify: async (input) => {
        if (failures-- > 0) throw new Error('connection lost');
        return notifications.notify(input);
      },
    };
    await expect(digestOf(flaky)).rejects.toThrow('connection lost');
    expect(await digestRows()).toContain('digest:2016-10-10');
    const stored = (await db('digests').where({ key: 'digest:2016-10-10' }).first('body')) as { body: Digest };

    // The retry sends what was stored, and a second retry nothing more.
    await escalate('agri-1', 1, '2016-10-09');
    expect((await digestOf()).byDepartment).toEqual(stored.body.byDepartment);
    await digestOf();
    expect((await notices()).filter((n) => n.key.startsWith('digest:2016-10-10')).map((n) => n.code)).toEqual(['drc', 'leading-group']);
  });

  test("the day is the plan's: a Sunday digest goes out on the Monday after an ordinary Sunday, and a missed one at the next run", async () => {
    await db('plans').update({ policy: db.raw(`jsonb_set(policy, '{digest,weekday}', '7')`) });
    // Sunday 10-23 is a day off: the current digest is still that of the week of 10-10 (its Sunday moved to Monday 10-17).
    at('2016-10-23');
    expect((await digestOf()).key).toBe('digest:2016-10-10');
    at('2016-10-24');
    const digest = await digestOf();
    expect(digest).toMatchObject({ key: 'digest:2016-10-17', weekOf: '2016-10-17', previousWeekOf: '2016-10-10' });
    // The worker was down on Monday 10-31: Wednesday's run sends the week of 10-24's digest.
    at('2016-11-02');
    expect(await digestOf()).toMatchObject({ key: 'digest:2016-10-24', previousWeekOf: '2016-10-17' });
    expect((await notices()).filter((n) => n.key.startsWith('digest:2016-10-24')).map((n) => n.code)).toEqual(['drc', 'leading-group']);
    expect(await digestRows()).toEqual(['digest:2016-09-26', 'digest:2016-10-03', 'digest:2016-10-10', 'digest:2016-10-17', 'digest:2016-10-24']);
  });

  test('a year whose calendar is not loaded yet counts Monday to Friday, rather than stopping the digest', async () => {
    // Sunday 2027-01-03 (2027 not loaded): a day off, so the week of 2026-12-28's digest goes out on Monday 01-04;
    // on the Sunday the current one is still the week before's (its Sunday moved to Monday 12-28).
    at('2027-01-03');
    expect((await digestOf()).key).toBe('digest:2026-12-21');
    at('2027-01-04');
    expect(await digestOf()).toMatchObject({ key: 'digest:2026-12-28', weekOf: '2026-12-28' });
  });
});
