import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNotificationActivities } from '../activities/notifications';
import { importPlan } from '../db/catalog/import';
import { readPlanFile } from '../db/catalog/plan-file';
import { migrateLatest, type Db } from '../db/connection';
import { createNotificationDispatcher, isRefusedAddress, MAX_REPLY_BYTES, postWebhook, setDepartmentChannels, vetWebhookTarget, WebhookTargetRefused, type LookupAll } from '../notifications';
import { testSecrets } from './helpers/api-deps';
import { createTestDatabase } from './helpers/db';
import { defaultPlanFile, silentLog } from './helpers/plans';

/** A receiver on 127.0.0.1 that counts requests and answers each path as told (default 200 "ok"). */
function startReceiver() {
  const hits: { path: string; host: string | undefined }[] = [];
  const answers = new Map<string, { status: number; bytes: number }>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '/';
      hits.push({ path, host: req.headers.host });
      const answer = answers.get(path);
      if (!answer) return res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      res.writeHead(answer.status, { 'content-type': 'text/plain' });
      // A megabyte of a secret-looking line, repeated, with control characters in it.
      const line = Buffer.from('internal-secret=hunter2\u0007\r\n'.repeat(64));
      let left = answer.bytes;
      const pump = () => {
        while (left > 0) {
          const chunk = line.subarray(0, Math.min(left, line.length));
          left -= chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
  });
  return {
    hits,
    answers,
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Stands in for the network after vetting: if a refused target ever got this far, it is recorded here and nothing is sent. */
function noNetwork() {
  const calls: string[] = [];
  const fetchImpl = ((url: string | URL) => {
    calls.push(String(url));
    return Promise.reject(new Error('the test transport sends nothing'));
  }) as typeof fetch;
  return { calls, fetchImpl };
}

const fixed =
  (...addresses: string[]): LookupAll =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

const request = { secret: 'a-secret-of-twenty-chars', deliveryId: 1, payload: { hello: 'world' }, timeoutMs: 5000 };

describe('webhook targets', () => {
  const receiver = startReceiver();
  let port: number;

  beforeAll(async () => {
    port = await receiver.listen();
  });
  afterAll(() => receiver.close());

  test.each([
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['10.0.0.1', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['100.127.255.254', true],
    ['0.0.0.0', true],
    ['::', true],
    ['::1', true],
    ['[::1]', true],
    ['fc00::1', true],
    ['fd12:3456::1', true],
    ['fe80::1', true],
    ['fe80::1%eth0', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:169.254.169.254', true],
    ['::ffff:10.0.0.1', true],
    ['not-an-address', true],
    ['8.8.8.8', false],
    ['172.32.0.1', false],
    ['100.128.0.1', false],
    ['93.184.216.34', false],
    ['2001:db8::1', false],
    ['2606:4700::1111', false],
    ['::ffff:8.8.8.8', false],
  ])('%s refused: %s', (address, refused) => {
    expect(isRefusedAddress(address)).toBe(refused);
  });

  test.each(['http://127.0.0.1/x', 'http://[::1]/x', 'http://169.254.169.254/latest/meta-data/', 'https://10.0.0.1/x', 'http://[::ffff:127.0.0.1]/x', 'http://100.64.0.1/x', 'http://localhost/x'])(
    '%s is refused before any connection',
    async (url) => {
      const net = noNetwork();
      const err = await postWebhook({ ...request, url, fetchImpl: net.fetchImpl }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WebhookTargetRefused);
      expect((err as Error).message).toContain('WEBHOOK_ALLOW_PRIVATE');
      expect(net.calls).toEqual([]);
    },
  );

  test('a host is refused if ANY of its addresses is refused', async () => {
    const net = noNetwork();
    const err = await postWebhook({ ...request, url: 'https://gateway.example/x', lookup: fixed('93.184.216.34', '10.0.0.1'), fetchImpl: net.fetchImpl }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookTargetRefused);
    expect((err as Error).message).toContain('10.0.0.1');
    expect(net.calls).toEqual([]);
    await expect(vetWebhookTarget('https://gateway.example/x', { allowPrivate: false, lookup: fixed('93.184.216.34', '2606:4700::1111') })).resolves.toEqual({
      address: '93.184.216.34',
      family: 4,
    });
    await expect(vetWebhookTarget('https://gateway.example/x', { allowPrivate: true, lookup: fixed('10.0.0.1') })).resolves.toEqual({ address: '10.0.0.1', family: 4 });
  });

  test('the real loopback receiver gets nothing when private targets are not allowed', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      await expect(postWebhook({ ...request, url: `http://${host}:${port}/refused` })).rejects.toBeInstanceOf(WebhookTargetRefused);
    }
    expect(receiver.hits.filter((h) => h.path === '/refused')).toEqual([]);
    // Allowed, the same URL goes through.
    await expect(postWebhook({ ...request, url: `http://127.0.0.1:${port}/refused`, allowPrivate: true })).resolves.toMatchObject({ status: 200 });
    expect(receiver.hits.filter((h) => h.path === '/refused')).toHaveLength(1);
  });

  test('the request goes to the vetted address, whatever the name resolves to later (no DNS rebinding)', async () => {
    // rebind.invalid never resolves in DNS: the request can only reach the receiver through the vetted address.
    const url = `http://rebind.invalid:${port}/pinned`;
    await expect(postWebhook({ ...request, url, allowPrivate: true, lookup: fixed('127.0.0.1') })).resolves.toMatchObject({ status: 200 });
    expect(receiver.hits.filter((h) => h.path === '/pinned')).toEqual([{ path: '/pinned', host: `rebind.invalid:${port}` }]);
  });

  test('a 1 MB reply is read only up to 64 KB, and an error quotes only a short, clean excerpt of it', async () => {
    receiver.answers.set('/big-ok', { status: 200, bytes: 1024 * 1024 });
    const ok = await postWebhook({ ...request, url: `http://127.0.0.1:${port}/big-ok`, allowPrivate: true });
    expect(ok.status).toBe(200);
    expect(ok.bytesRead).toBe(MAX_REPLY_BYTES);

    receiver.answers.set('/big-fail', { status: 500, bytes: 1024 * 1024 });
    const err = (await postWebhook({ ...request, url: `http://127.0.0.1:${port}/big-fail`, allowPrivate: true }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^webhook answered HTTP 500: internal-secret/);
    expect(err.message.length).toBeLessThan(160);
    expect([...err.message].filter((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)).toEqual([]);
  });
});

describe('webhook targets at send time', () => {
  let db: Db;
  const receiver = startReceiver();
  let port: number;

  beforeAll(async () => {
    ({ db } = await createTestDatabase('webhook_targets'));
    await migrateLatest(db);
    await importPlan(db, readPlanFile(defaultPlanFile), { actor: 'test' });
    port = await receiver.listen();
  });
  afterAll(async () => {
    await receiver.close();
    await db.destroy();
  });

  test('a refused target fails the delivery for good on its first attempt, recorded on it, and nothing is sent', async () => {
    // Saved directly (as an older configuration might be), bypassing the API's check.
    await setDepartmentChannels(db, 'finance', { webhookUrl: `http://localhost:${port}/hooks/finance`, webhookSecret: 'finance-webhook-secret-0123456789' }, testSecrets);
    const acts = createNotificationActivities({ db, log: silentLog, mergeWindowMs: 0 });
    const { messageId } = await acts.notify({
      key: 'escalation:A01-2:p1:rung1',
      departmentCode: 'finance',
      kind: 'escalation',
      itemKey: 'A01-2',
      businessDate: '2017-04-12',
      title: '【督办】重点任务A01-2第一季度进展逾期3个工作日',
      body: '请尽快报送。',
    });
    const options = { db, log: silentLog, mailer: undefined, mailFrom: 'coord@example.gov.cn', pollIntervalMs: 1000, maxAttempts: 5, backoffBaseMs: 10, secrets: testSecrets };
    const refusing = createNotificationDispatcher({ ...options, allowPrivateTargets: false });
    expect(await refusing.runOnce()).toBe(0);
    const failed = await db('notification_deliveries').where({ message_id: messageId, channel: 'webhook' }).first();
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, sent_at: null });
    expect(failed.last_error).toContain('WEBHOOK_ALLOW_PRIVATE');
    await new Promise((r) => setTimeout(r, 50));
    expect(await refusing.runOnce()).toBe(0);
    expect(await createNotificationDispatcher({ ...options, allowPrivateTargets: true }).runOnce()).toBe(0);
    expect(receiver.hits).toEqual([]);
  });
});
