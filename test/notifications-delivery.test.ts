import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createNotificationActivities, type NotificationActivities, type NotifyInput } from '../activities/notifications';
import { importPlan } from '../db/catalog/import';
import { readPlanFile } from '../db/catalog/plan-file';
import { migrateLatest, type Db } from '../db/connection';
import { createMailer, createNotificationDispatcher, setDepartmentChannels, verifyWebhookSignature, type Mailer, type NotificationDispatcherOptions } from '../notifications';
import { testSecrets } from './helpers/api-deps';
import { createTestDatabase } from './helpers/db';
import { defaultPlanFile, silentLog } from './helpers/plans';

interface Hit {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  at: number;
}

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

/**
 * A real HTTP receiver: records every request and answers each path from its
 * script of statuses (then 200), after the path's delay, or once as many
 * requests as the path's gate wait at the same time.
 */
function startReceiver() {
  const hits: Hit[] = [];
  const scripts = new Map<string, number[]>();
  const delays = new Map<string, number>();
  const gates = new Map<string, { size: number; waiting: (() => void)[] }>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      hits.push({ path, headers: req.headers, raw: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const status = scripts.get(path)?.shift() ?? 200;
      const answer = () =>
        setTimeout(() => {
          res.writeHead(status, { 'content-type': 'text/plain' });
          res.end(status === 200 ? 'ok' : 'receiver is down');
        }, delays.get(path) ?? 0);
      const gate = gates.get(path);
      if (!gate) return answer();
      gate.waiting.push(answer);
      if (gate.waiting.length < gate.size) return;
      gates.delete(path);
      for (const release of gate.waiting) release();
    });
  });
  return {
    hits,
    scripts,
    delays,
    /** Holds the next requests to path until `size` of them are waiting at once. */
    gate: (path: string, size: number) => gates.set(path, { size, waiting: [] }),
    forPath: (path: string) => hits.filter((h) => h.path === path),
    listen: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A real SMTP server that keeps every message as it arrived on the wire. */
function startSmtp() {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        mails.push({ from: from ? from.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  return {
    mails,
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** RFC 2047 encoded words; adjacent ones are joined as bytes first, since a character may span two. */
function decodeEncodedWords(value: string): string {
  const joined = value.replace(/\?=\s+=\?/g, '?==?');
  return joined.replace(/(?:=\?[^?]+\?[BbQq]\?[^?]*\?=)+/g, (run) => {
    const parts = [...run.matchAll(/=\?[^?]+\?([BbQq])\?([^?]*)\?=/g)].map(([, enc, text]) =>
      enc!.toUpperCase() === 'B' ? Buffer.from(text!, 'base64') : qpBytes(text!.replace(/_/g, ' ')),
    );
    return Buffer.concat(parts).toString('utf8');
  });
}

function qpBytes(text: string): Buffer {
  const latin1 = text.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(latin1, 'latin1');
}

/** Headers (unfolded, encoded words decoded) and the text body (transfer encoding undone) of a single-part message. */
function parseMail(raw: string): { headers: Record<string, string>; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = decodeEncodedWords(line.slice(colon + 1).trim());
  }
  const body = raw.slice(split + 4);
  const cte = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const bytes = cte === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64') : cte === 'quoted-printable' ? qpBytes(body) : Buffer.from(body, 'utf8');
  return { headers, text: bytes.toString('utf8') };
}

async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function escalation(dept: string, n: number, extra: Partial<NotifyInput> = {}): NotifyInput {
  return {
    key: `escalation:${dept}:B0${n}:p1:rung2`,
    departmentCode: dept,
    kind: 'escalation',
    itemKey: `A0${n}-2`,
    businessDate: '2017-04-12',
    title: `【督办】重点任务A0${n}-2第一季度进展逾期3个工作日`,
    body: `该事项第一季度进展已逾期3个工作日,请于2017年4月14日前报送并说明原因。`,
    ...extra,
  };
}

describe('notification delivery', () => {
  let db: Db;
  let acts: NotificationActivities;
  let base: string;
  let smtpPort: number;
  const receiver = startReceiver();
  const smtp = startSmtp();
  const mailers: Mailer[] = [];
  const secret = 'finance-webhook-secret-0123456789';

  function dispatcher(over: Partial<NotificationDispatcherOptions> = {}) {
    return createNotificationDispatcher({
      db,
      log: silentLog,
      mailer: undefined,
      mailFrom: '"山东省互联网+行动领导小组办公室" <coord@example.gov.cn>',
      pollIntervalMs: 50,
      maxAttempts: 5,
      backoffBaseMs: 200,
      // The receiver is on 127.0.0.1: these tests run as with WEBHOOK_ALLOW_PRIVATE=true.
      allowPrivateTargets: true,
      secrets: testSecrets,
      ...over,
    });
  }

  function mailer(): Mailer {
    const m = createMailer(`smtp://127.0.0.1:${smtpPort}`);
    mailers.push(m);
    return m;
  }

  async function delivery(messageId: number, channel: 'webhook' | 'email') {
    return db('notification_deliveries').where({ message_id: messageId, channel }).first();
  }

  async function webhookTo(dept: string, path: string): Promise<void> {
    await setDepartmentChannels(db, dept, { webhookUrl: `${base}${path}`, webhookSecret: `${dept}-webhook-secret-0123456789` }, testSecrets);
  }

  beforeAll(async () => {
    ({ db } = await createTestDatabase('notification_delivery'));
    await migrateLatest(db);
    await importPlan(db, readPlanFile(defaultPlanFile), { actor: 'test' });
    base = await receiver.listen();
    smtpPort = await smtp.listen();
    await setDepartmentChannels(db, 'finance', { webhookUrl: `${base}/hooks/finance`, webhookSecret: secret }, testSecrets);
    acts = createNotificationActivities({ db, log: silentLog, mergeWindowMs: 60_000 });
  });
  afterAll(async () => {
    for (const m of mailers) m.close();
    await receiver.close();
    await smtp.close();
    await db.destroy();
  });

  test('a webhook is POSTed as signed JSON, once: a second round sends nothing more', async () => {
    const input = escalation('finance', 1, { payload: { rung: 2 } });
    const { messageId } = await acts.notify(input);
    const d = dispatcher();
    expect(await d.runOnce()).toBe(1);

    const hits = receiver.forPath('/hooks/finance');
    expect(hits).toHaveLength(1);
    const hit = hits[0]!;
    expect(hit.headers['content-type']).toBe('application/json');
    const sent = await delivery(messageId, 'webhook');
    expect(hit.headers['x-coord-delivery']).toBe(String(sent.id));
    const ts = String(hit.headers['x-coord-timestamp']);
    const sig = String(hit.headers['x-coord-signature']);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(10);
    expect(verifyWebhookSignature(secret, ts, hit.raw, sig)).toBe(true);
    expect(verifyWebhookSignature('another-department-secret', ts, hit.raw, sig)).toBe(false);
    expect(verifyWebhookSignature(secret, ts, hit.raw.replace('督办', '催办'), sig)).toBe(false);
    expect(verifyWebhookSignature(secret, String(Number(ts) + 1), hit.raw, sig)).toBe(false);
    // A captured request replayed an hour later is refused.
    expect(verifyWebhookSignature(secret, ts, hit.raw, sig, { nowSeconds: Number(ts) + 3600 })).toBe(false);

    const body = JSON.parse(hit.raw);
    expect(body).toEqual({
      id: messageId,
      kind: 'escalation',
      department: 'finance',
      subject: input.title,
      body: input.body,
      entries: [{ key: input.key, kind: 'escalation', itemKey: 'A01-2', title: input.title, body: input.body, businessDate: '2017-04-12' }],
      sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(sent).toMatchObject({ status: 'sent', attempts: 1, last_error: null });
    expect(sent.sent_at).toBeInstanceOf(Date);

    expect(await d.runOnce()).toBe(0);
    expect(await dispatcher().runOnce()).toBe(0);
    expect(receiver.forPath('/hooks/finance')).toHaveLength(1);
  });

  test('merged reminders wait for their window, then go out as one request listing every entry', async () => {
    await webhookTo('agri', '/hooks/agri');
    const windowed = createNotificationActivities({ db, log: silentLog, mergeWindowMs: 800 });
    const day = '2017-03-28';
    const keys = [1, 2, 3].map((n) => `reminder:A02-${n}:p1:offset1`);
    for (const [i, key] of keys.entries()) {
      await windowed.notify({ key, departmentCode: 'agri', kind: 'reminder', itemKey: `A02-${i + 1}`, businessDate: day, title: `【提醒】A02-${i + 1}进展报送将于1个工作日后到期`, body: '请按时报送。' });
    }
    const d = dispatcher();
    expect(await d.runOnce()).toBe(0);
    expect(receiver.forPath('/hooks/agri')).toHaveLength(0);

    await sleep(850);
    expect(await d.runOnce()).toBe(1);
    const [hit] = receiver.forPath('/hooks/agri');
    const body = JSON.parse(hit!.raw);
    expect(body.kind).toBe('reminder');
    expect(body.subject).toBe('【提醒】2017年3月28日共3项事项提醒');
    expect(body.entries.map((e: { key: string }) => e.key)).toEqual(keys);
    for (const n of [1, 2, 3]) expect(body.body).toContain(`【提醒】A02-${n}进展报送将于1个工作日后到期`);

    // Too late for that message: the next one of the day carries it, after its own window.
    const late = await windowed.notify({ key: 'reminder:A02-1:p1:offset0', departmentCode: 'agri', kind: 'reminder', businessDate: day, title: '【提醒】A02-1进展报送今日到期', body: '请今日报送。' });
    expect(late.messageId).not.toBe(body.id);
    await sleep(850);
    expect(await d.runOnce()).toBe(1);
    const second = JSON.parse(receiver.forPath('/hooks/agri')[1]!.raw);
    expect(second.entries.map((e: { key: string }) => e.key)).toEqual(['reminder:A02-1:p1:offset0']);
  });

  test('a receiver answering 500 twice gets the delivery on the third attempt, after a doubling backoff', async () => {
    await webhookTo('transport', '/hooks/flaky');
    receiver.scripts.set('/hooks/flaky', [500, 500]);
    const { messageId } = await acts.notify(escalation('transport', 1));
    const d = dispatcher({ backoffBaseMs: 300 });

    expect(await d.runOnce()).toBe(0);
    const afterFirst = await delivery(messageId, 'webhook');
    expect(afterFirst).toMatchObject({ status: 'pending', attempts: 1 });
    expect(afterFirst.last_error).toContain('HTTP 500');

    let sent = 0;
    await until('the third attempt', async () => {
      sent += await d.runOnce();
      return receiver.forPath('/hooks/flaky').length >= 3;
    });
    const hits = receiver.forPath('/hooks/flaky');
    expect(hits).toHaveLength(3);
    // Polled every few ms, yet each retry waited out its backoff: 300 ms, then 600 ms.
    expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(300 - 20);
    expect(hits[2]!.at - hits[1]!.at).toBeGreaterThanOrEqual(600 - 20);
    expect(new Set(hits.map((h) => h.headers['x-coord-delivery'])).size).toBe(1);
    expect(await delivery(messageId, 'webhook')).toMatchObject({ status: 'sent', attempts: 3, last_error: null });
    expect(sent).toBe(1);
  });

  test('a delivery that keeps failing is given up after maxAttempts and never tried again', async () => {
    await webhookTo('health', '/hooks/down');
    receiver.scripts.set('/hooks/down', [503, 503, 503, 503]);
    const { messageId } = await acts.notify(escalation('health', 1));
    const d = dispatcher({ maxAttempts: 2, backoffBaseMs: 50 });
    await until('the delivery to fail', async () => {
      await d.runOnce();
      return (await delivery(messageId, 'webhook')).status === 'failed';
    });
    const failed = await delivery(messageId, 'webhook');
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, sent_at: null });
    expect(failed.last_error).toContain('HTTP 503');
    await sleep(150);
    expect(await d.runOnce()).toBe(0);
    expect(receiver.forPath('/hooks/down')).toHaveLength(2);
  });

  test('e-mail arrives over SMTP with its Chinese subject, sender and body intact', async () => {
    await setDepartmentChannels(db, 'edu', { email: 'jiaoyu@example.gov.cn' }, testSecrets);
    const input: NotifyInput = {
      key: 'instruction:A05-3:2017-04-20:1',
      departmentCode: 'edu',
      kind: 'instruction',
      itemKey: 'A05-3',
      businessDate: '2017-04-20',
      title: '【批示】关于“构建智慧教育新模式”的领导批示',
      body: '请省教育厅会同有关部门抓紧推进,6月底前报送阶段性成果。',
    };
    const { messageId } = await acts.notify(input);
    const d = dispatcher({ mailer: mailer() });
    expect(await d.runOnce()).toBe(1);

    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.from).toBe('coord@example.gov.cn');
    expect(mail.to).toEqual(['jiaoyu@example.gov.cn']);
    // On the wire the subject is RFC 2047-encoded; decoded it is the title.
    expect(mail.raw).toMatch(/^Subject: =\?UTF-8\?[BQ]\?/m);
    const { headers, text } = parseMail(mail.raw);
    expect(headers.subject).toBe(input.title);
    expect(headers.from).toBe('山东省互联网+行动领导小组办公室 <coord@example.gov.cn>');
    expect(headers['content-type']).toMatch(/charset=utf-8/i);
    expect(text).toContain(input.body);
    expect(await delivery(messageId, 'email')).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await d.runOnce()).toBe(0);
    expect(smtp.mails).toHaveLength(1);
  });

  test('without SMTP, e-mail waits pending while the webhook goes; a worker with SMTP sends it later', async () => {
    await setDepartmentChannels(db, 'env', { webhookUrl: `${base}/hooks/env`, webhookSecret: 'env-webhook-secret-0123456789', email: 'huanbao@example.gov.cn' }, testSecrets);
    const { messageId } = await acts.notify(escalation('env', 1));
    const before = smtp.mails.length;
    const noSmtp = dispatcher();
    expect(await noSmtp.runOnce()).toBe(1);
    expect(await noSmtp.runOnce()).toBe(0);
    expect(receiver.forPath('/hooks/env')).toHaveLength(1);
    expect(await delivery(messageId, 'email')).toMatchObject({ status: 'pending', attempts: 0, last_error: null });

    expect(await dispatcher({ mailer: mailer() }).runOnce()).toBe(1);
    expect(smtp.mails.slice(before).map((m) => m.to)).toEqual([['huanbao@example.gov.cn']]);
    expect(await delivery(messageId, 'email')).toMatchObject({ status: 'sent', attempts: 1 });
  });

  test('two workers dispatching at once send every delivery exactly once', async () => {
    await webhookTo('commerce', '/hooks/busy');
    for (let n = 1; n <= 9; n++) await acts.notify(escalation('commerce', n));
    // One worker holds at most a batch of 2 in flight, so 4 waiting requests prove both are sending at once.
    receiver.gate('/hooks/busy', 4);
    const [a, b] = [dispatcher({ batchSize: 2 }), dispatcher({ batchSize: 2 })];
    const [sentA, sentB] = await Promise.all([a.runOnce(), b.runOnce()]);
    expect(sentA + sentB).toBe(9);
    expect(sentA).toBeGreaterThan(0);
    expect(sentB).toBeGreaterThan(0);
    const hits = receiver.forPath('/hooks/busy');
    expect(hits).toHaveLength(9);
    expect(new Set(hits.map((h) => h.headers['x-coord-delivery'])).size).toBe(9);
  });

  test('a worker that dies between send and mark leaves a claim that expires: the delivery is sent again, not lost', async () => {
    await webhookTo('tourism', '/hooks/tourism');
    const { messageId } = await acts.notify(escalation('tourism', 1));
    // The request really goes out; then this worker never gets to record it, as if killed.
    const dying = dispatcher({ claimLeaseMs: 1000, fetchImpl: (url, init) => fetch(url, init).then(() => new Promise<Response>(() => undefined)) });
    void dying.runOnce();
    await until('the first request', () => receiver.forPath('/hooks/tourism').length === 1);
    const claim = await delivery(messageId, 'webhook');
    expect(claim).toMatchObject({ status: 'pending', attempts: 1 });

    const survivor = dispatcher({ claimLeaseMs: 1000 });
    let resent = 0;
    await until('the claim to expire and the delivery to go again', async () => (resent += await survivor.runOnce()) > 0);
    const hits = receiver.forPath('/hooks/tourism');
    expect(hits).toHaveLength(2);
    // Not while the dead worker's claim was still valid.
    expect(hits[1]!.at).toBeGreaterThanOrEqual((claim.next_attempt_at as Date).getTime());
    // Same delivery id both times, so a receiver can drop the repeat.
    expect(hits[0]!.headers['x-coord-delivery']).toBe(hits[1]!.headers['x-coord-delivery']);
    expect(await delivery(messageId, 'webhook')).toMatchObject({ status: 'sent', attempts: 2 });
    expect(Number((await db('notifications').where({ key: escalation('tourism', 1).key }).count({ n: '*' }).first())?.n)).toBe(1);
  });

  test('start() delivers in the background; stop() waits for the round in hand and then nothing more goes out', async () => {
    await webhookTo('housing', '/hooks/housing');
    receiver.delays.set('/hooks/housing', 200);
    const d = dispatcher({ pollIntervalMs: 30 });
    d.start();
    const first = await acts.notify(escalation('housing', 1));
    await until('the background delivery to start', () => receiver.forPath('/hooks/housing').length === 1);
    // The receiver is still answering: stop() must wait for the round, which then records the send.
    await d.stop();
    expect(await delivery(first.messageId, 'webhook')).toMatchObject({ status: 'sent' });

    const second = await acts.notify(escalation('housing', 2));
    await sleep(200);
    expect(receiver.forPath('/hooks/housing')).toHaveLength(1);
    expect(await delivery(second.messageId, 'webhook')).toMatchObject({ status: 'pending', attempts: 0 });
    receiver.delays.delete('/hooks/housing');
    expect(await d.runOnce()).toBe(1);
  });
});
