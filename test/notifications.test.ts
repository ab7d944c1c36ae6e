import { ApplicationFailure } from '@temporalio/common';
import { createNotificationActivities, type NotificationActivities, type NotifyInput } from '../activities/notifications';
import { importPlan } from '../db/catalog/import';
import { readPlanFile } from '../db/catalog/plan-file';
import { migrateLatest, type Db } from '../db/connection';
import { createNotificationDispatcher, setDepartmentChannels } from '../notifications';
import { testSecrets } from './helpers/api-deps';
import { createTestDatabase } from './helpers/db';
import { defaultPlanFile, silentLog } from './helpers/plans';

const OUTBOX_TABLES = ['notifications', 'notification_messages', 'notification_deliveries'];

async function counts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of OUTBOX_TABLES) out[t] = Number(((await db(t).count({ n: '*' }).first()) as { n: string }).n);
  return out;
}

function reminder(dept: string, date: string, n: number, extra: Partial<NotifyInput> = {}): NotifyInput {
  return {
    key: `reminder:${dept}-A0${n}-1:p1:offset${n}:${date}`,
    departmentCode: dept,
    kind: 'reminder',
    itemKey: `A0${n}-1`,
    businessDate: date,
    title: `【提醒】重点任务A0${n}-1第一季度进展报送将于3个工作日后到期`,
    body: `请于截止日前报送重点任务A0${n}-1的第一季度进展情况。`,
    ...extra,
  };
}

async function refusal(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error('expected the notification to be refused');
}

describe('notification outbox', () => {
  let db: Db;
  let acts: NotificationActivities;

  beforeAll(async () => {
    ({ db } = await createTestDatabase('notifications'));
    await migrateLatest(db);
    await importPlan(db, readPlanFile(defaultPlanFile), { actor: 'test' });
    await setDepartmentChannels(db, 'finance', {
      webhookUrl: 'http://127.0.0.1:9/hooks/finance',
      webhookSecret: 'finance-secret-0123456789',
      email: 'caizheng@example.gov.cn',
    }, testSecrets);
    await setDepartmentChannels(db, 'eic', { email: 'jingxin@example.gov.cn' }, testSecrets);
    acts = createNotificationActivities({ db, log: silentLog, mergeWindowMs: 60_000 });
  });
  afterAll(async () => {
    await db.destroy();
  });

  test('the same key twice, even at once, makes one notification, one message and one delivery per channel', async () => {
    const input: NotifyInput = {
      key: 'escalation:A04-1:p1:rung2',
      departmentCode: 'finance',
      kind: 'escalation',
      itemKey: 'A04-1',
      businessDate: '2017-04-10',
      title: '【督办】支持金融机构开发互联网业务第一季度进展逾期未报',
      body: '该事项第一季度进展已逾期3个工作日,请即报送。',
      payload: { rung: 2 },
    };
    const first = await acts.notify(input);
    expect(first.created).toBe(true);
    const retries = await Promise.all([acts.notify(input), acts.notify(input), acts.notify({ ...input, body: '改过的正文' })]);
    for (const r of retries) expect(r).toEqual({ notificationId: first.notificationId, created: false, messageId: first.messageId });

    const rows = await db('notifications').where({ key: input.key });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'escalation', item_key: 'A04-1', body: input.body, payload: { rung: 2 }, read_at: null });
    expect(Number(rows[0].message_id)).toBe(first.messageId);
    const messages = await db('notification_messages').where({ department_id: rows[0].department_id });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ merge_key: null, kind: 'escalation', subject: input.title, body: input.body });
    const deliveries = await db('notification_deliveries').where({ message_id: first.messageId }).orderBy('channel');
    expect(deliveries.map((d) => [d.channel, d.status, d.attempts])).toEqual([
      ['email', 'pending', 0],
      ['webhook', 'pending', 0],
    ]);
  });

  test('reminders to one department on one day merge into one message; an escalation and another day stand apart', async () => {
    const day = '2017-03-28';
    const results = [];
    for (const n of [1, 2, 3]) results.push(await acts.notify(reminder('eic', day, n)));
    const messageIds = new Set(results.map((r) => r.messageId));
    expect(messageIds.size).toBe(1);
    expect(results.every((r) => r.created)).toBe(true);

    const merged = await db('notification_messages')
      .where({ merge_key: `reminder:eic:${day}` })
      .first('*', db.raw('extract(epoch from send_after - created_at) as window_s'));
    expect(Number(merged.id)).toBe(results[0]!.messageId);
    expect(merged.closed_at).toBeNull();
    // The window runs from the first reminder, not from the last.
    expect(Number(merged.window_s)).toBeCloseTo(60, 3);
    expect(merged.subject).toBe('【提醒】2017年3月28日共3项事项提醒');
    for (const n of [1, 2, 3]) {
      expect(merged.body).toContain(reminder('eic', day, n).title);
      expect(merged.body).toContain(reminder('eic', day, n).body);
    }
    // One message, so one e-mail for the three reminders.
    expect(await db('notification_deliveries').where({ message_id: merged.id }).select('channel')).toEqual([{ channel: 'email' }]);

    const escalation = await acts.notify({
      key: 'escalation:A01-1:p1:rung1',
      departmentCode: 'eic',
      kind: 'escalation',
      itemKey: 'A01-1',
      businessDate: day,
      title: '【催办】推广开放式研发设计第一季度进展逾期1个工作日',
      body: '请尽快报送。',
    });
    expect(escalation.messageId).not.toBe(Number(merged.id));
    const escMessage = await db('notification_messages').where({ id: escalation.messageId }).first('*', db.raw('send_after <= now() as due'));
    expect(escMessage).toMatchObject({ merge_key: null, kind: 'escalation', subject: '【催办】推广开放式研发设计第一季度进展逾期1个工作日', due: true });

    const nextDay = await acts.notify(reminder('eic', '2017-03-29', 1));
    expect(nextDay.messageId).not.toBe(Number(merged.id));
    expect((await db('notification_messages').where({ id: nextDay.messageId }).first()).merge_key).toBe('reminder:eic:2017-03-29');

    const eic = await db('departments').where({ code: 'eic' }).first('id');
    expect(Number((await db('notifications').where({ department_id: eic.id }).count({ n: '*' }).first())?.n)).toBe(5);
    expect(Number((await db('notification_messages').where({ department_id: eic.id }).count({ n: '*' }).first())?.n)).toBe(3);
  });

  test('reminders arriving at the same moment still end up in one message', async () => {
    const day = '2017-05-02';
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => acts.notify(reminder('finance', day, n))));
    expect(new Set(results.map((r) => r.messageId)).size).toBe(1);
    const msg = await db('notification_messages').where({ merge_key: `reminder:finance:${day}` }).first();
    expect(msg.subject).toBe('【提醒】2017年5月2日共6项事项提醒');
    for (const n of [1, 2, 3, 4, 5, 6]) expect(msg.body).toContain(`A0${n}-1的第一季度进展情况`);
    const deliveries = await db('notification_deliveries').where({ message_id: msg.id }).orderBy('channel').select('channel');
    expect(deliveries.map((d) => d.channel)).toEqual(['email', 'webhook']);
  });

  test('a reminder after the day\'s message was picked for delivery starts the next message of that day', async () => {
    const quick = createNotificationActivities({ db, log: silentLog, mergeWindowMs: 0 });
    const dispatcher = createNotificationDispatcher({ db, log: silentLog, mailer: undefined, mailFrom: 'coord@example.gov.cn', pollIntervalMs: 1000, maxAttempts: 3, backoffBaseMs: 100, allowPrivateTargets: true, secrets: testSecrets });
    const day = '2017-06-06';
    const first = await quick.notify(reminder('sti', day, 1));
    await dispatcher.runOnce();
    expect((await db('notification_messages').where({ id: first.messageId }).first()).closed_at).not.toBeNull();

    const second = await quick.notify(reminder('sti', day, 2));
    const third = await quick.notify(reminder('sti', day, 3));
    expect(second.messageId).not.toBe(first.messageId);
    expect(third.messageId).toBe(second.messageId);
    const later = await db('notification_messages').where({ id: second.messageId }).first();
    expect(later.merge_key).toBe(`reminder:sti:${day}#2`);
    expect(later.body).toContain(reminder('sti', day, 3).title);
    expect(later.body).not.toContain(reminder('sti', day, 1).title);
    // The closed message keeps what it went out with.
    const closed = await db('notification_messages').where({ id: first.messageId }).first();
    expect(closed.subject).toBe(reminder('sti', day, 1).title);
  });

  test('an unknown department is refused as non-retryable and nothing is written', async () => {
    const before = await counts(db);
    const err = await refusal(acts.notify(reminder('nosuchdept', '2017-03-28', 1)));
    expect(err.type).toBe('UnknownDepartment');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain('nosuchdept');
    expect(await counts(db)).toEqual(before);
    expect(await db('notifications').where({ key: reminder('nosuchdept', '2017-03-28', 1).key }).first()).toBeUndefined();
  });

  test('bad input is refused as non-retryable, naming the field, and nothing is written', async () => {
    const before = await counts(db);
    const err = await refusal(acts.notify({ ...reminder('eic', '2017-03-28', 7), businessDate: '2017-02-30' }));
    expect(err.type).toBe('InvalidNotification');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain('businessDate');
    const badKind = await refusal(acts.notify({ ...reminder('eic', '2017-03-28', 8), kind: 'gossip' as NotifyInput['kind'] }));
    expect(badKind.message).toContain('kind');
    expect(await counts(db)).toEqual(before);
  });

  test('department channels refuse a webhook without a secret and bad addresses', async () => {
    await expect(setDepartmentChannels(db, 'edu', { webhookUrl: 'ftp://example.gov.cn/x', webhookSecret: 'long-enough-secret-1234' }, testSecrets)).rejects.toThrow('webhookUrl');
    await expect(setDepartmentChannels(db, 'edu', { email: 'not-an-address' }, testSecrets)).rejects.toThrow('email');
    await expect(setDepartmentChannels(db, 'edu', { webhookUrl: 'https://example.gov.cn/hook' }, testSecrets)).rejects.toThrow(/department_channels_webhook_signed/);
    await expect(setDepartmentChannels(db, 'nosuchdept', { email: 'a@example.gov.cn' }, testSecrets)).rejects.toThrow('unknown department nosuchdept');
  });
});
