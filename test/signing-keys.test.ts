import crypto from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import { createKeyring, LEGACY_KID, purgeExpired, rotateSigningKey, startExpiryPurge, type Keyring } from '../api/auth/signing-keys';
import { issueToken, openKeyring, verifyToken } from '../api/auth/tokens';
import { createUser } from '../api/auth/users';
import { migrateLatest, type Db } from '../db/connection';
import { apiDeps } from './helpers/api-deps';
import { PASSWORD } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';
import { runScript } from './helpers/scripts';
import { eventually } from './helpers/wait';

const TTL_SECONDS = 3600;

/** The claims a token carries, unverified: what a client (or a forger) can read. */
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;

/** A token with the given claims, signed with `key`: how a token of the code before key ids looked, or a forgery. */
function tokenWith(claims: Record<string, unknown>, key: Buffer): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${crypto.createHmac('sha256', key).update(body).digest('base64url')}`;
}

const currentKid = async (db: Db) => ((await db('signing_keys').whereNull('retired_at').first('kid')) as { kid: string }).kid;

describe('token signing keys: rotation, several processes, expiry', () => {
  let db: Db;
  let url: string;
  let keyring: Keyring;
  let app: Express;
  let adminId: number;
  /** A token of the code before key ids: no kid, signed with the key app_secrets held. */
  let legacyToken: string;

  const login = async (username: string) => {
    const res = await request(app).post(`${API_BASE}/auth/login`).send({ username, password: PASSWORD });
    expect(res.status).toBe(200);
    return res.body.token as string;
  };
  const me = (token: string) => request(app).get(`${API_BASE}/auth/me`).set('authorization', `Bearer ${token}`);
  const rotate = (token?: string) => {
    const r = request(app).post(`${API_BASE}/auth/signing-keys/rotate`).set('x-request-id', 'req-rotate');
    return token ? r.set('authorization', `Bearer ${token}`) : r;
  };

  beforeAll(async () => {
    ({ db, url } = await createCatalogDatabase('signing_keys'));
    adminId = await createUser(db, { username: 'admin1', role: 'admin', password: PASSWORD }, { actor: 'test' });
    await createUser(db, { username: 'sec1', role: 'secretariat', password: PASSWORD }, { actor: 'test' });

    // A database as the code before key ids left it: one key in app_secrets, and a token it signed.
    // Undone back to before 010 (later migrations come off first, and come back with it).
    while (Number(await db.migrate.currentVersion()) >= 10) await db.migrate.down();
    const legacyKey = crypto.randomBytes(32);
    await db('app_secrets').insert({ name: 'token-signing-key', value: legacyKey.toString('base64url') });
    const sid = crypto.randomUUID();
    const expiresAt = new Date(Date.now() + 1800_000);
    await db('sessions').insert({ id: sid, user_id: adminId, issued_at: new Date(), expires_at: expiresAt });
    legacyToken = tokenWith({ sid, sub: adminId, exp: Math.floor(expiresAt.getTime() / 1000) }, legacyKey);
    expect(await migrateLatest(db)).toContain('010_signing_keys');

    keyring = await openKeyring(db, { maxTokenTtlSeconds: TTL_SECONDS });
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db, { keyring, tokenTtlSeconds: TTL_SECONDS }) });
  });
  afterAll(async () => {
    await db?.destroy();
  });

  test('the migration keeps the old key as `legacy`, out of app_secrets, and tokens naming no key verify against it', async () => {
    expect(await db('signing_keys').select('kid', 'retired_at')).toEqual([{ kid: LEGACY_KID, retired_at: null }]);
    expect(await db('app_secrets').where({ name: 'token-signing-key' })).toEqual([]);
    expect(claimsOf(legacyToken).kid).toBeUndefined();
    expect((await me(legacyToken)).body).toMatchObject({ username: 'admin1' });
  });

  test('a token issued before a rotation still works after it; one issued after carries the new key id', async () => {
    const before = await login('admin1');
    expect(claimsOf(before).kid).toBe(LEGACY_KID);
    const res = await rotate(before);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ kid: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/), retired: [LEGACY_KID], sessionsPurged: 0, keysPurged: 0 });
    expect(await currentKid(db)).toBe(res.body.kid);

    expect((await me(before)).status).toBe(200);
    expect((await me(legacyToken)).status).toBe(200);
    const after = await login('admin1');
    expect(claimsOf(after).kid).toBe(res.body.kid);
    expect((await me(after)).status).toBe(200);
  });

  test('rotating is for administrators only, and audited', async () => {
    const kid = await currentKid(db);
    expect((await rotate()).status).toBe(401);
    const refused = await rotate(await login('sec1'));
    expect(refused.status).toBe(403);
    expect(await currentKid(db)).toBe(kid);

    const res = await rotate(await login('admin1'));
    expect(res.status).toBe(200);
    expect(res.body.retired).toEqual([kid]);
    const audit = await db('audit_events').where({ action: 'auth.signing-key.rotate', subject: `signing-key:${res.body.kid}` }).first('actor', 'payload', 'request_id');
    expect(audit).toEqual({ actor: 'admin1', request_id: 'req-rotate', payload: { retired: [kid], sessionsPurged: 0, keysPurged: 0 } });
    expect(await db('audit_events').where({ action: 'auth.signing-key.rotate', actor: 'sec1' })).toEqual([]);
  });

  test('another process sees a rotation: a token naming a key it has not read makes it read the keys again, and its cache expires', async () => {
    const other = createKeyring(db, { maxTokenTtlSeconds: TTL_SECONDS, cacheMs: 600_000 });
    const oldKid = (await other.signing()).kid;
    const rotation = await rotateSigningKey(db, { actor: 'test' }, TTL_SECONDS);
    await keyring.reload();

    // Until it reads the keys again it signs with the key it read; that key still verifies everywhere.
    const signedByOther = await issueToken(db, other, adminId, 600);
    expect(claimsOf(signedByOther.token).kid).toBe(oldKid);
    expect(await verifyToken(db, keyring, signedByOther.token)).toMatchObject({ userId: adminId, username: 'admin1' });

    const { token } = await issueToken(db, keyring, adminId, 600);
    expect(claimsOf(token).kid).toBe(rotation.kid);
    expect(await verifyToken(db, other, token)).toMatchObject({ userId: adminId, username: 'admin1' });
    expect((await other.signing()).kid).toBe(rotation.kid);

    const third = createKeyring(db, { maxTokenTtlSeconds: TTL_SECONDS, cacheMs: 200 });
    const before = (await third.signing()).kid;
    const next = await rotateSigningKey(db, { actor: 'test' }, TTL_SECONDS);
    expect(before).toBe(rotation.kid);
    await eventually(async () => (await third.signing()).kid, (kid) => kid === next.kid, 10_000, 'the keys read again after the cache period');
    await keyring.reload();
  });

  test('a forged key id, or a token signed with a key that is not ours, is refused', async () => {
    const token = await login('admin1');
    const claims = claimsOf(token);
    const mac = token.split('.')[1]!;
    const reKid = (kid: unknown) => `${Buffer.from(JSON.stringify({ ...claims, kid })).toString('base64url')}.${mac}`;
    const retired = ((await db('signing_keys').whereNotNull('retired_at').first('kid')) as { kid: string }).kid;
    for (const forged of [reKid(retired), reKid('no-such-key'), reKid('../../etc'), reKid(42), reKid(null), tokenWith(claims, crypto.randomBytes(32))]) {
      expect((await me(forged)).status).toBe(401);
    }
    expect((await me(token)).status).toBe(200);
  });

  test('a token signed with a key retired longer ago than a token lives is refused, though its session has not expired', async () => {
    const token = await login('admin1');
    const { kid } = claimsOf(token) as { kid: string };
    await rotateSigningKey(db, { actor: 'test' }, TTL_SECONDS);
    await keyring.reload();
    expect((await me(token)).status).toBe(200);

    await db('signing_keys').where({ kid }).update({ retired_at: db.raw(`now() - interval '2 hours'`) });
    await keyring.reload();
    expect((await me(token)).status).toBe(401);
    // And no fresh keyring (another process) takes it either.
    expect(await verifyToken(db, await openKeyring(db, { maxTokenTtlSeconds: TTL_SECONDS }), token)).toBeUndefined();
  });

  test('expired sessions, revoked or not, and keys retired longer than a token lives are purged; live sessions and keys stay', async () => {
    const session = (n: number, expiresInMs: number, revoked = false) =>
      db('sessions').insert({ id: `00000000-0000-4000-8000-00000000010${n}`, user_id: adminId, issued_at: new Date(Date.now() - 7200_000), expires_at: new Date(Date.now() + expiresInMs), revoked_at: revoked ? new Date() : null });
    await session(1, -60_000);
    await session(2, -60_000, true);
    await session(3, 600_000, true);
    await session(4, 600_000);
    await db('signing_keys').insert({ kid: 'long-retired', key: crypto.randomBytes(32).toString('base64url'), created_at: db.raw(`now() - interval '3 days'`), retired_at: db.raw(`now() - interval '2 days'`) });
    const ids = async () => (await db('sessions').whereRaw('id::text like ?', ['00000000-0000-4000-8000-0000000001%']).orderBy('id').pluck('id')).map((id: string) => id.slice(-1));

    const rotation = await rotateSigningKey(db, { actor: 'test' }, TTL_SECONDS);
    expect(rotation.sessionsPurged).toBeGreaterThanOrEqual(2);
    expect(rotation.keysPurged).toBeGreaterThanOrEqual(1);
    expect(await ids()).toEqual(['3', '4']);
    expect(await db('signing_keys').where({ kid: 'long-retired' })).toEqual([]);
    expect(await db('signing_keys').where('retired_at', '>', db.raw(`now() - interval '1 hour'`)).count({ n: '*' })).toEqual([{ n: expect.stringMatching(/^[1-9]/) }]);
    expect(await purgeExpired(db, TTL_SECONDS)).toEqual({ sessions: 0, keys: 0 });

    // The API process purges once at start, then on its interval.
    await session(5, -1000);
    const purge = startExpiryPurge(db, { maxTokenTtlSeconds: TTL_SECONDS, log: silentLog, everyMs: 100 });
    try {
      await eventually(ids, (left) => !left.includes('5'), 5_000, 'the purge at start');
      await session(6, -1000);
      await eventually(ids, (left) => !left.includes('6'), 5_000, 'the purge on its interval');
    } finally {
      await purge.stop();
    }
    expect(await ids()).toEqual(['3', '4']);
  });

  test('npm run auth:rotate-key rotates (audited as cli:<login>), and tokens already issued keep working', async () => {
    const token = await login('admin1');
    const kid = await currentKid(db);
    const run = runScript('auth-rotate-key', [], url);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('token signing key rotated');
    const now = await currentKid(db);
    expect(now).not.toBe(kid);
    expect(await db('signing_keys').where({ kid }).first('retired_at')).toEqual({ retired_at: expect.any(Date) });
    expect(await db('audit_events').where({ action: 'auth.signing-key.rotate', subject: `signing-key:${now}` }).first('actor')).toEqual({ actor: expect.stringMatching(/^cli:/) });
    expect((await me(token)).status).toBe(200);
    // This process has not re-read the keys: the first token naming the new key makes it.
    const { token: fresh } = await issueToken(db, createKeyring(db), adminId, 600);
    expect(claimsOf(fresh).kid).toBe(now);
    expect((await me(fresh)).status).toBe(200);

    expect(runScript('auth-rotate-key', ['now'], url).status).toBe(64);
    expect(await currentKid(db)).toBe(now);
  });
});
