import type { Express } from 'express';
import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import { apiDeps } from './helpers/api-deps';
import type { Db } from '../db/connection';
import { PASSWORD, signInAll, type Who } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';

const NEW_PASSWORD = 'a brand new passphrase';

describe('accounts: own password, disabling, password resets and ending sessions', () => {
  let db: Db;
  let app: Express;
  let tokens: Partial<Record<Who, string>>;

  const login = (username: string, password = PASSWORD) => request(app).post(`${API_BASE}/auth/login`).send({ username, password });
  const token = async (username: string, password = PASSWORD) => {
    const res = await login(username, password);
    expect(res.status).toBe(200);
    return res.body.token as string;
  };
  const bearer = (t: string | undefined) => ({ authorization: `Bearer ${t}` });
  const me = (t: string | undefined) => request(app).get(`${API_BASE}/auth/me`).set(bearer(t));
  const post = (t: string | undefined, path: string, body?: object) => request(app).post(`${API_BASE}${path}`).set(bearer(t)).set('x-request-id', `req${path.replace(/[^A-Za-z0-9]+/g, '-')}`).send(body);
  const idOf = async (username: string) => ((await db('users').where({ username }).first('id')) as { id: number }).id;

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('accounts'));
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db) });
    tokens = await signInAll(app, db);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  test('a user changes their own password: the old one stops working, their other sessions end, this one is kept', async () => {
    const other = await token('leader1');
    const res = await post(tokens.leadership, '/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, sessionsEnded: 1 });
    expect((await me(tokens.leadership)).status).toBe(200);
    expect((await me(other)).status).toBe(401);
    expect((await login('leader1')).status).toBe(401);
    expect((await login('leader1', NEW_PASSWORD)).status).toBe(200);
    expect(await db('audit_events').where({ action: 'user.password.change' }).first('actor', 'subject', 'request_id')).toEqual({ actor: 'leader1', subject: 'user:leader1', request_id: 'req-auth-password' });
  });

  test('a wrong current password, or a new one too short, is a 422 naming the field, and nothing changes', async () => {
    const wrong = await post(tokens.secretariat, '/auth/password', { currentPassword: 'not my password', newPassword: NEW_PASSWORD });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.details).toEqual([{ field: 'currentPassword', message: expect.any(String) }]);
    const short = await post(tokens.secretariat, '/auth/password', { currentPassword: PASSWORD, newPassword: 'short' });
    expect(short.status).toBe(422);
    expect(short.body.error.details.map((d: { field: string }) => d.field)).toEqual(['newPassword']);
    expect((await post(undefined, '/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD })).status).toBe(401);
    expect((await login('sec1')).status).toBe(200);
    expect((await me(tokens.secretariat)).status).toBe(200);
  });

  test('wrong current passwords count as failed sign-ins: after five, a 429 with Retry-After', async () => {
    let res = await post(tokens.secretariat, '/auth/password', { currentPassword: 'guess 0', newPassword: NEW_PASSWORD });
    for (let i = 1; i < 6 && res.status === 422; i++) res = await post(tokens.secretariat, '/auth/password', { currentPassword: `guess ${i}`, newPassword: NEW_PASSWORD });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect((await me(tokens.secretariat)).status).toBe(200);
  });

  test('an administrator disables a user (no sign-in, sessions end) and enables them again', async () => {
    const id = await idOf('sti1');
    const disabled = await post(tokens.admin, `/users/${id}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id, username: 'sti1', disabled: true });
    expect((await me(tokens['coop-dept'])).status).toBe(401);
    expect((await login('sti1')).status).toBe(401);
    // Disabling twice changes nothing and is not audited again.
    expect((await post(tokens.admin, `/users/${id}/disable`)).status).toBe(200);
    const enabled = await post(tokens.admin, `/users/${id}/enable`);
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ id, disabled: false });
    tokens['coop-dept'] = await token('sti1');
    expect((await me(tokens['coop-dept'])).status).toBe(200);
    const audit = await db('audit_events').whereIn('action', ['user.disable', 'user.enable']).orderBy('id').select('actor', 'action', 'subject', 'request_id');
    expect(audit).toEqual([
      { actor: 'admin1', action: 'user.disable', subject: 'user:sti1', request_id: `req-users-${id}-disable` },
      { actor: 'admin1', action: 'user.enable', subject: 'user:sti1', request_id: `req-users-${id}-enable` },
    ]);
  });

  test('an administrator cannot disable themself; a missing user is a 404; a bad id is a 422', async () => {
    const self = await post(tokens.admin, `/users/${await idOf('admin1')}/disable`);
    expect(self.status).toBe(409);
    expect(self.body.error.message).toMatch(/yourself/);
    expect((await me(tokens.admin)).status).toBe(200);
    expect((await post(tokens.admin, '/users/999999/disable')).status).toBe(404);
    expect((await post(tokens.admin, '/users/999999/password', { newPassword: NEW_PASSWORD })).status).toBe(404);
    const bad = await post(tokens.admin, "/users/1'or'1/enable");
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].field).toBe('params.id');
  });

  test('an administrator resets a password: the old one fails, the new one works, and the sessions end', async () => {
    const id = await idOf('agri1');
    const res = await post(tokens.admin, `/users/${id}/password`, { newPassword: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, sessionsEnded: 1 });
    expect((await me(tokens['other-dept'])).status).toBe(401);
    expect((await login('agri1')).status).toBe(401);
    tokens['other-dept'] = await token('agri1', NEW_PASSWORD);
    expect((await post(tokens.admin, `/users/${id}/password`, { newPassword: 'short' })).status).toBe(422);
    expect(await db('audit_events').where({ action: 'user.password.reset' }).select('actor', 'subject')).toEqual([{ actor: 'admin1', subject: 'user:agri1' }]);
  });

  test("an administrator ends all of a user's sessions; their own, all but the current one", async () => {
    const id = await idOf('eic1');
    const second = await token('eic1');
    const res = await post(tokens.admin, `/users/${id}/sessions/end`);
    expect(res.body).toEqual({ sessionsEnded: 2 });
    expect((await me(tokens['lead-dept'])).status).toBe(401);
    expect((await me(second)).status).toBe(401);
    expect((await login('eic1')).status).toBe(200);
    const otherAdmin = await token('admin1');
    const own = await post(tokens.admin, `/users/${await idOf('admin1')}/sessions/end`);
    expect(own.body.sessionsEnded).toBeGreaterThanOrEqual(1);
    expect((await me(otherAdmin)).status).toBe(401);
    expect((await me(tokens.admin)).status).toBe(200);
    expect(await db('audit_events').where({ action: 'user.sessions.end' }).orderBy('id').pluck('subject')).toEqual(['user:eic1', 'user:admin1']);
  });

  test('only an administrator may do these; anyone signed in changes only their own password', async () => {
    const id = await idOf('admin1');
    for (const who of ['secretariat', 'leadership', 'other-dept'] as const) {
      for (const [path, body] of [
        [`/users/${id}/disable`, undefined],
        [`/users/${id}/enable`, undefined],
        [`/users/${id}/password`, { newPassword: NEW_PASSWORD }],
        [`/users/${id}/sessions/end`, undefined],
      ] as const) {
        const res = await post(tokens[who], path, body);
        expect({ who, path, status: res.status }).toEqual({ who, path, status: 403 });
        expect((await post(undefined, path, body)).status).toBe(401);
      }
    }
    expect((await me(tokens.admin)).status).toBe(200);
    expect((await login('admin1')).status).toBe(200);
  });
});
