import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { Express } from 'express';
import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import { DUMMY_HASH, SCRYPT_PARAMS, verifyPassword } from '../api/auth/passwords';
import { LOGIN_LIMITS } from '../api/auth/rate-limit';
import { apiDeps } from './helpers/api-deps';
import { createUser } from '../api/auth/users';
import { createDb, type Db } from '../db/connection';
import { loadConfig } from '../platform/config';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';

const PASSWORD = 'correct horse battery';
const scrypt = promisify(crypto.scrypt) as (password: string, salt: Buffer, keylen: number, options: crypto.ScryptOptions) => Promise<Buffer>;

/** A hash as the first releases stored it: N=2^14. */
async function oldHash(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, 32, { N: 2 ** 14, r: 8, p: 1 });
  return ['scrypt', 2 ** 14, 8, 1, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

describe('sign-in hardening', () => {
  let db: Db;
  let other: Db;
  /** Two API processes on one database, each with its own pool; both trust one proxy hop. */
  let appA: Express;
  let appB: Express;

  const login = (app: Express, address: string, username: string, password = PASSWORD) =>
    request(app).post(`${API_BASE}/auth/login`).set('x-forwarded-for', address).send({ username, password });
  const timed = async (app: Express, address: string, username: string, password: string) => {
    const t0 = process.hrtime.bigint();
    const res = await login(app, address, username, password);
    return { status: res.status, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  };
  const attempts = (address: string) => db('login_attempts').where({ address });

  beforeAll(async () => {
    let url: string;
    ({ db, url } = await createCatalogDatabase('authhard'));
    other = createDb(url, { poolMax: 3 });
    const deps = await apiDeps(db);
    appA = createApp({ log: silentLog, readiness: {}, api: deps, trustProxy: 1 });
    appB = createApp({ log: silentLog, readiness: {}, api: { ...deps, db: other }, trustProxy: 1 });
    for (const username of ['timed', 'legacy', 'shared', 'office', 'later']) await createUser(db, { username, password: PASSWORD, role: 'leadership' }, { actor: 'test' });
  });
  afterAll(async () => {
    await other?.destroy();
    await db?.destroy();
  });

  test('new hashes use N=2^17 and record it', async () => {
    const row = (await db('users').where({ username: 'timed' }).first('password_hash')) as { password_hash: string };
    expect(row.password_hash).toMatch(new RegExp(`^scrypt\\$${SCRYPT_PARAMS.N}\\$8\\$1\\$`));
    expect(SCRYPT_PARAMS.N).toBe(2 ** 17);
    expect(await verifyPassword(PASSWORD, row.password_hash)).toBe(true);
    expect(await verifyPassword('wrong', row.password_hash)).toBe(false);
    expect(await verifyPassword(PASSWORD, 'scrypt$3$8$1$abc$def')).toBe(false);
  });

  test('an unknown username costs the scrypt work of a wrong password', async () => {
    // One scrypt at today's parameters, measured on this machine: what a dummy-hash check costs.
    const dummy: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = process.hrtime.bigint();
      await verifyPassword('anything', DUMMY_HASH);
      dummy.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 4; i++) {
      const w = await timed(appA, '192.0.2.10', 'timed', `wrong ${i}`);
      const u = await timed(appA, '192.0.2.11', `nobody-${i}`, `wrong ${i}`);
      expect([w.status, u.status]).toEqual([401, 401]);
      wrong.push(w.ms);
      unknown.push(u.ms);
    }
    // Both kinds do the scrypt: every answer takes a good part of one dummy-hash check (a quarter leaves room for a busy
    // machine's jitter), never the few ms of a lookup alone.
    const floor = Math.min(...dummy) * 0.25;
    for (const ms of [...wrong, ...unknown]) expect(ms).toBeGreaterThan(floor);
    const ratio = median(unknown) / median(wrong);
    // Loose on purpose (a shared machine): the floor above is the real check.
    expect(ratio).toBeGreaterThan(0.4);
    expect(ratio).toBeLessThan(2.5);
    // A disabled user is no different.
    await db('users').where({ username: 'timed' }).update({ disabled_at: new Date() });
    const disabled = await timed(appA, '192.0.2.12', 'timed', PASSWORD);
    expect(disabled.status).toBe(401);
    expect(disabled.ms).toBeGreaterThan(floor);
    process.stdout.write(`sign-in timing (ms): dummy scrypt ${dummy.map(Math.round)}, wrong password median ${Math.round(median(wrong))}, unknown user median ${Math.round(median(unknown))}\n`);
  });

  test('an old N=2^14 hash still signs in and is rewritten to N=2^17', async () => {
    const legacy = await oldHash(PASSWORD);
    await db('users').where({ username: 'legacy' }).update({ password_hash: legacy });
    expect((await login(appA, '192.0.2.20', 'legacy', 'wrong password')).status).toBe(401);
    expect((await db('users').where({ username: 'legacy' }).first('password_hash')).password_hash).toBe(legacy);
    const res = await login(appA, '192.0.2.20', 'legacy');
    expect(res.status).toBe(200);
    const { password_hash: upgraded } = (await db('users').where({ username: 'legacy' }).first('password_hash')) as { password_hash: string };
    expect(upgraded).not.toBe(legacy);
    expect(upgraded).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword(PASSWORD, upgraded)).toBe(true);
    expect((await login(appB, '192.0.2.20', 'legacy')).status).toBe(200);
    expect((await db('users').where({ username: 'legacy' }).first('password_hash')).password_hash).toBe(upgraded);
  });

  test('failures count across two API processes: five for one user and address, then 429 with Retry-After on both', async () => {
    const addr = '203.0.113.5';
    for (let i = 0; i < LOGIN_LIMITS.perUser; i++) expect((await login(i % 2 ? appB : appA, addr, 'shared', `wrong ${i}`)).status).toBe(401);
    for (const app of [appA, appB]) {
      const limited = await login(app, addr, 'shared');
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('too_many_attempts');
      const wait = Number(limited.headers['retry-after']);
      expect(wait).toBeGreaterThan(14 * 60);
      expect(wait).toBeLessThanOrEqual(15 * 60);
    }
    // Refused attempts are not failures: still five rows.
    expect(await attempts(addr)).toHaveLength(LOGIN_LIMITS.perUser);
    // The same user from another address (another client behind the trusted proxy) is not locked out.
    expect((await login(appB, '203.0.113.6', 'shared')).status).toBe(200);
  });

  test('parallel guesses cannot slip past the limit while the first ones are hashing', async () => {
    const addr = '203.0.113.9';
    const statuses = await Promise.all(Array.from({ length: 9 }, (_, i) => login(i % 2 ? appB : appA, addr, 'shared', `burst ${i}`).then((r) => r.status)));
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(LOGIN_LIMITS.perUser);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    // Each attempt is recorded before its check: the refused ones left no row, the failed ones one each.
    expect(await attempts(addr)).toHaveLength(statuses.filter((s) => s === 401).length);
  });

  test('one address is refused after twenty failures over any usernames; other addresses are not', async () => {
    const addr = '198.51.100.7';
    for (let i = 0; i < LOGIN_LIMITS.perAddress; i++) expect((await login(i % 2 ? appB : appA, addr, `guess-${i % 4}-${i}`, 'wrong')).status).toBe(401);
    const limited = await login(appA, addr, 'office');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login(appB, '198.51.100.8', 'office')).status).toBe(200);
  });

  test('entries expire: past the window the user signs in again, and old rows are purged', async () => {
    const addr = '203.0.113.77';
    for (let i = 0; i < LOGIN_LIMITS.perUser; i++) expect((await login(appA, addr, 'later', `wrong ${i}`)).status).toBe(401);
    expect((await login(appA, addr, 'later')).status).toBe(429);
    // Sixteen minutes pass (for these rows).
    await db('login_attempts').where({ address: addr }).update({ attempted_at: db.raw(`attempted_at - interval '16 minutes'`) });
    const res = await login(appB, addr, 'later');
    expect(res.status).toBe(200);
    // A failure anywhere purges rows past the window.
    await db('login_attempts').where({ address: '203.0.113.5' }).update({ attempted_at: db.raw(`attempted_at - interval '16 minutes'`) });
    expect((await login(appA, '203.0.113.78', 'later', 'wrong')).status).toBe(401);
    expect(await db('login_attempts').where('attempted_at', '<', db.raw(`now() - interval '15 minutes'`))).toEqual([]);
    expect(await attempts('203.0.113.5')).toEqual([]);
  });

  test('TRUST_PROXY: without it X-Forwarded-For is ignored; the variable parses to express trust proxy values', async () => {
    const plain = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db) });
    expect((await login(plain, '192.0.2.250', 'nobody-plain', 'wrong')).status).toBe(401);
    expect(await attempts('192.0.2.250')).toEqual([]);
    expect(await db('login_attempts').where({ username: 'nobody-plain' }).pluck('address')).toEqual([expect.stringMatching(/127\.0\.0\.1|::1/)]);
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toBe('loopback, 10.0.0.0/8');
  });
});
