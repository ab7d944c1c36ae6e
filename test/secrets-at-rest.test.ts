import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { createNotificationActivities, type NotificationActivities } from '../activities/notifications';
import { API_BASE, createApp } from '../api/app';
import { createUser } from '../api/auth/users';
import type { Db } from '../db/connection';
import { loadConfig } from '../platform/config';
import { createNotificationDispatcher, setDepartmentChannels, verifyWebhookSignature } from '../notifications';
import { createSecretBox, KEY_FILE, loadSecretsKey, prepareSecrets, sealStoredSecrets, SecretUnreadable, type SecretBox } from '../platform/secrets';
import { apiDeps } from './helpers/api-deps';
import { PASSWORD } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';
import { runScript } from './helpers/scripts';

const SECRET = 'finance-webhook-secret-never-at-rest';

interface Hit {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
}

/** A webhook receiver on 127.0.0.1 that records every request and answers 200. */
function startReceiver() {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ path: req.url ?? '/', headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      res.end('ok');
    });
  });
  return {
    hits,
    listen: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('secrets at rest: webhook secrets are stored encrypted (AES-256-GCM) and opened only to sign', () => {
  let db: Db;
  let app: Express;
  let token: string;
  let base: string;
  let acts: NotificationActivities;
  let n = 0;
  const key = crypto.randomBytes(32);
  const box = createSecretBox(key);
  const receiver = startReceiver();

  const stored = async (dept: string) => ((await db('department_channels as c').join('departments as d', 'd.id', 'c.department_id').where('d.code', dept).first('c.webhook_secret')) as { webhook_secret: string }).webhook_secret;
  const setChannels = (dept: string, body: object) => request(app).put(`${API_BASE}/departments/${dept}/channels`).set('authorization', `Bearer ${token}`).send(body);
  /** One escalation for the department, sent by a dispatcher with `secrets`: its delivery row afterwards. A failed one is not retried within the test. */
  const sendOne = async (dept: string, secrets: SecretBox = box) => {
    n += 1;
    const { messageId } = await acts.notify({ key: `escalation:${dept}:secrets:${n}`, departmentCode: dept, kind: 'escalation', itemKey: 'A01-2', businessDate: '2017-04-12', title: '【督办】重点任务A01-2进展逾期', body: '请尽快报送。' });
    const dispatcher = createNotificationDispatcher({ db, log: silentLog, mailer: undefined, mailFrom: 'coord@example.gov.cn', pollIntervalMs: 1000, maxAttempts: 5, backoffBaseMs: 600_000, allowPrivateTargets: true, secrets });
    await dispatcher.runOnce();
    return db('notification_deliveries').where({ message_id: messageId, channel: 'webhook' }).first();
  };

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('secrets_at_rest'));
    await createUser(db, { username: 'admin1', role: 'admin', password: PASSWORD }, { actor: 'test' });
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db, { allowPrivateWebhooks: true, secrets: box }) });
    token = (await request(app).post(`${API_BASE}/auth/login`).send({ username: 'admin1', password: PASSWORD })).body.token;
    base = await receiver.listen();
    acts = createNotificationActivities({ db, log: silentLog, mergeWindowMs: 0 });
  });
  afterAll(async () => {
    await receiver.close();
    await db?.destroy();
  });

  test('a secret set through the API is stored sealed, never as given; each save seals afresh', async () => {
    expect((await setChannels('finance', { webhookUrl: `${base}/hooks/finance`, webhookSecret: SECRET })).status).toBe(200);
    const first = await stored('finance');
    expect(first).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(first).not.toContain(SECRET);
    expect(box.open(first)).toBe(SECRET);
    expect((await setChannels('finance', { webhookSecret: SECRET })).status).toBe(200);
    expect(await stored('finance')).not.toBe(first);
    expect(box.open(await stored('finance'))).toBe(SECRET);
    // The audit says the secret changed, and holds neither form of it.
    const audit = JSON.stringify(await db('audit_events').where({ action: 'department.channels', subject: 'department:finance' }).select('payload'));
    expect(audit).toContain('"webhookSecretChanged":true');
    expect(audit).not.toContain(SECRET);
    expect(audit).not.toContain('v1:');
  });

  test('the dispatcher signs with the secret as given, opened from its sealed form', async () => {
    const before = receiver.hits.length;
    const delivery = await sendOne('finance');
    expect(delivery).toMatchObject({ status: 'sent', last_error: null });
    const hit = receiver.hits[before]!;
    expect(hit.path).toBe('/hooks/finance');
    const ts = String(hit.headers['x-coord-timestamp']);
    expect(verifyWebhookSignature(SECRET, ts, hit.raw, String(hit.headers['x-coord-signature']))).toBe(true);
    expect(verifyWebhookSignature(await stored('finance'), ts, hit.raw, String(hit.headers['x-coord-signature']))).toBe(false);
  });

  test('an altered ciphertext, or a dispatcher with another key, fails the delivery with a clear error that holds no secret; nothing is sent', async () => {
    const sealed = await stored('finance');
    const [, iv, tag, ciphertext] = sealed.split(':') as [string, string, string, string];
    const flipped = Buffer.from(ciphertext, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    await db('department_channels').update({ webhook_secret: `v1:${iv}:${tag}:${flipped.toString('base64')}` }).whereIn('department_id', db('departments').where({ code: 'finance' }).select('id'));
    const before = receiver.hits.length;

    const altered = await sendOne('finance');
    expect(altered).toMatchObject({ status: 'pending', sent_at: null });
    expect(altered.last_error).toBe('the webhook secret of department finance cannot be used: a stored secret failed its authentication check: it was altered, or sealed with another SECRETS_KEY');
    const otherKey = await sendOne('finance', createSecretBox(crypto.randomBytes(32)));
    expect(otherKey.last_error).toContain('sealed with another SECRETS_KEY');

    await db('department_channels').update({ webhook_secret: sealed }).whereIn('department_id', db('departments').where({ code: 'finance' }).select('id'));
    expect(receiver.hits.length).toBe(before);
    for (const error of [altered.last_error, otherKey.last_error]) {
      expect(error).not.toContain(SECRET);
      expect(error).not.toContain(sealed.split(':')[3]);
    }
    expect(() => box.open('v1:not:sealed')).toThrow(SecretUnreadable);
  });

  test('a secret stored in plaintext (before sealing) is sealed by the start-up step, once, even with two processes at it', async () => {
    const legacy = 'eic-webhook-secret-from-before-sealing';
    // As an older version stored it: in plaintext.
    await setDepartmentChannels(db, 'eic', { webhookUrl: `${base}/hooks/eic`, webhookSecret: legacy }, box);
    await db('department_channels').update({ webhook_secret: legacy }).whereIn('department_id', db('departments').where({ code: 'eic' }).select('id'));
    expect(await stored('eic')).toBe(legacy);
    // Sent as is until a start seals it.
    expect(await sendOne('eic')).toMatchObject({ status: 'sent' });

    const [a, b] = await Promise.all([sealStoredSecrets(db, box), sealStoredSecrets(db, box)]);
    expect([...a.sealed, ...b.sealed]).toEqual(['eic']);
    expect(await stored('eic')).toMatch(/^v1:/);
    expect(box.open(await stored('eic'))).toBe(legacy);
    expect(await sealStoredSecrets(db, box)).toEqual({ sealed: [], unreadable: [] });
    expect(await db('audit_events').where({ action: 'department.channels.seal' }).select('actor', 'payload')).toEqual([{ actor: 'system:start', payload: { departments: ['eic'] } }]);

    const before = receiver.hits.length;
    expect(await sendOne('eic')).toMatchObject({ status: 'sent' });
    const hit = receiver.hits[before]!;
    expect(hit.path).toBe('/hooks/eic');
    expect(verifyWebhookSignature(legacy, String(hit.headers['x-coord-timestamp']), hit.raw, String(hit.headers['x-coord-signature']))).toBe(true);
    // A process with another key says which departments it cannot open.
    expect(await sealStoredSecrets(db, createSecretBox(crypto.randomBytes(32)))).toEqual({ sealed: [], unreadable: ['eic', 'finance'] });
  });

  test('the start-up step takes SECRETS_KEY, or else makes <DATA_DIR>/secrets.key once, readable by its owner only', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coord-secrets-'));
    try {
      const fromFile = await prepareSecrets({ DATA_DIR: dataDir, SECRETS_KEY: undefined, DATABASE_URL: undefined }, db, silentLog);
      const file = path.join(dataDir, KEY_FILE);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const again = loadSecretsKey({ DATA_DIR: dataDir, SECRETS_KEY: undefined });
      expect(again.source).toBe(file);
      expect(createSecretBox(again.key).open(fromFile.seal('same key'))).toBe('same key');
      // The file holds what SECRETS_KEY would: another machine can be given it.
      const shared = loadSecretsKey({ DATA_DIR: '/nonexistent', SECRETS_KEY: fs.readFileSync(file, 'utf8').trim() });
      expect(shared).toEqual({ key: again.key, source: 'SECRETS_KEY' });

      const hex = await prepareSecrets({ DATA_DIR: dataDir, SECRETS_KEY: key.toString('hex'), DATABASE_URL: undefined }, db, silentLog);
      expect(hex.open(box.seal('hex key'))).toBe('hex key');
      fs.writeFileSync(file, 'c2hvcnQ=\n');
      expect(() => loadSecretsKey({ DATA_DIR: dataDir, SECRETS_KEY: undefined })).toThrow(`${file} does not hold a 32-byte key`);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a SECRETS_KEY of the wrong length is refused at start, naming SECRETS_KEY and not the value', () => {
    for (const wrong of [crypto.randomBytes(16).toString('base64'), crypto.randomBytes(31).toString('hex'), 'not a key at all', '']) {
      let message = '';
      try {
        loadConfig({ SECRETS_KEY: wrong });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^invalid environment: SECRETS_KEY: must be 32 bytes as 64 hex digits or base64/);
      if (wrong) expect(message).not.toContain(wrong);
    }
    expect(loadConfig({ SECRETS_KEY: crypto.randomBytes(32).toString('base64') }).SECRETS_KEY).toEqual(expect.any(String));
    expect(loadConfig({ SECRETS_KEY: crypto.randomBytes(32).toString('base64url') }).SECRETS_KEY).toEqual(expect.any(String));
    expect(loadConfig({ SECRETS_KEY: crypto.randomBytes(32).toString('hex') }).SECRETS_KEY).toEqual(expect.any(String));

    const saved = process.env.SECRETS_KEY;
    process.env.SECRETS_KEY = crypto.randomBytes(16).toString('hex');
    try {
      const worker = runScript('worker', [], 'postgres://127.0.0.1:1/unused');
      expect(worker.status).toBe(1);
      expect(worker.stdout + worker.stderr).toContain('SECRETS_KEY: must be 32 bytes');
      expect(worker.stdout + worker.stderr).not.toContain(process.env.SECRETS_KEY);
    } finally {
      if (saved === undefined) delete process.env.SECRETS_KEY;
      else process.env.SECRETS_KEY = saved;
    }
  });
});
