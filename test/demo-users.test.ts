import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import { createDemoUsers, shouldCreateDemoUsers } from '../api/auth/users';
import type { Db } from '../db/connection';
import { loadConfig } from '../platform/config';
import { apiDeps } from './helpers/api-deps';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';

describe('demo users on the first start', () => {
  test('made under the embedded defaults, not on a DATABASE_URL deployment, unless DEMO_USERS says otherwise', () => {
    const deployment = 'postgres://coord:secret@db.internal:5432/coord';
    expect(shouldCreateDemoUsers(loadConfig({}))).toBe(true);
    expect(shouldCreateDemoUsers(loadConfig({ DATABASE_URL: deployment }))).toBe(false);
    expect(shouldCreateDemoUsers(loadConfig({ DATABASE_URL: deployment, DEMO_USERS: 'true' }))).toBe(true);
    expect(shouldCreateDemoUsers(loadConfig({ DEMO_USERS: 'false' }))).toBe(false);
    expect(shouldCreateDemoUsers(loadConfig({ DATABASE_URL: deployment, DEMO_USERS: 'false' }))).toBe(false);
    // A Temporal cluster alone does not make it a deployment's database.
    expect(shouldCreateDemoUsers(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }))).toBe(true);
  });

  test('DEMO_USERS is true or false; anything else fails at start with its name', () => {
    expect(loadConfig({ DEMO_USERS: 'true' }).DEMO_USERS).toBe(true);
    expect(loadConfig({}).DEMO_USERS).toBeUndefined();
    expect(() => loadConfig({ DEMO_USERS: 'yes' })).toThrow(/DEMO_USERS/);
  });
});

describe('the demo users of the default plan', () => {
  let db: Db;
  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('demo_users'));
  });
  afterAll(async () => {
    await db?.destroy();
  });

  test('one liaison for each department of the proposals and for each of the 17 cities, bound to it; made once', async () => {
    const made = await createDemoUsers(db, 'sd-internet-plus-2016-2018');
    expect(made.slice(0, 3).map((u) => [u.username, u.role])).toEqual([
      ['admin', 'admin'],
      ['secretariat', 'secretariat'],
      ['leader', 'leadership'],
    ]);
    const proposed = ((await db('item_owner_proposals as p').join('departments as d', 'd.id', 'p.department_id').distinct('d.code')) as { code: string }[]).map((r) => r.code);
    const cities = (await db('departments').where({ kind: 'city' }).pluck('code')) as string[];
    expect(cities).toHaveLength(17);
    // No proposal names a city: without them, a city would have no liaison.
    expect(proposed.filter((c) => cities.includes(c))).toEqual([]);
    const liaisons = made.slice(3);
    expect(liaisons.map((u) => u.department).sort()).toEqual([...proposed, ...cities].sort());
    expect(liaisons.every((u) => u.role === 'department' && u.username === `liaison-${u.department}`)).toBe(true);
    expect(await db('users as u').join('departments as d', 'd.id', 'u.department_id').where('d.kind', 'city').orderBy('u.username').select('u.username', 'u.role', 'd.code')).toEqual(
      [...cities].sort().map((code) => ({ username: `liaison-${code}`, role: 'department', code })),
    );

    // 莱芜's liaison signs in with the password printed once, as a department user bound to 莱芜市.
    const laiwu = made.find((u) => u.username === 'liaison-laiwu');
    const app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db) });
    const login = await request(app).post(`${API_BASE}/auth/login`).send({ username: 'liaison-laiwu', password: laiwu?.password });
    expect(login.status).toBe(200);
    const me = await request(app).get(`${API_BASE}/auth/me`).set('authorization', `Bearer ${login.body.token}`);
    expect(me.body).toEqual({ username: 'liaison-laiwu', role: 'department', department: 'laiwu' });

    // Only on the first start: with users present, none are made.
    expect(await createDemoUsers(db, 'sd-internet-plus-2016-2018')).toEqual([]);
  });
});
