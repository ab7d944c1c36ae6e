import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import { apiDeps } from './helpers/api-deps';
import { createUser } from '../api/auth/users';
import { apiRoutes } from '../api/routes';
import { assignItem } from '../api/services/assignments';
import type { RouteSpec } from '../api/route';
import type { Db } from '../db/connection';
import * as d from '../workflows/definitions';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { eventually } from './helpers/wait';
import { projectRoot } from '../platform/config';
import { testRun } from './setup/run';
import { PASSWORD, USERS, WHO, type Who } from './helpers/api-users';

const PLAN = 'sd-internet-plus-2016-2018';

// A co-operating department 签收 too (the supervision loop); only the lead asks for time, for 办结 and answers a 批示.
const LEAD_ONLY = new Set(['extension-requests', 'completion-request', 'feedback', 'cascade']);

/** What the authorization rules say a caller gets, before any input is looked at. */
function expectedDenial(spec: RouteSpec, who: Who): number | undefined {
  if (spec.access === 'public') return undefined;
  if (who === 'anonymous') return 401;
  if (spec.access !== 'signed-in' && !spec.access.includes(USERS[who].role)) return 403;
  const itemScoped = spec.path.includes('/items/:item');
  if (itemScoped && who === 'other-dept') return 404;
  const action = spec.path.split('/').pop() as string;
  if (itemScoped && who === 'coop-dept' && LEAD_ONLY.has(action)) return 403;
  return undefined;
}

function concretePath(spec: RouteSpec, item = 'A01-1'): string {
  return `${API_BASE}${spec.path}`.replace(':plan', PLAN).replace(':item', item).replace(':year', '2016').replace(':code', 'finance').replace(':id', '1').replace(':city', 'jinan').replace(':instruction', '00000000-0000-4000-8000-000000000000');
}

describe('HTTP API', () => {
  let db: Db;
  let t: TemporalHarness;
  let app: Express;
  const tokens: Partial<Record<Who, string>> = {};

  const login = (username: string, password = PASSWORD) => request(app).post(`${API_BASE}/auth/login`).send({ username, password });
  const as = (who: Who, method: RouteSpec['method'], path: string) => {
    const r = request(app)[method](path);
    return who === 'anonymous' ? r : r.set('authorization', `Bearer ${tokens[who]}`);
  };
  const writes = async () => {
    const counts: Record<string, number> = {};
    for (const table of ['audit_events', 'assignments', 'reports', 'users', 'sessions', 'calendar_days', 'extension_requests', 'instructions', 'idempotency_keys', 'notifications']) {
      counts[table] = Number(((await db(table).count({ n: '*' }).first()) as { n: string }).n);
    }
    return counts;
  };

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('api'));
    t = await temporalHarness(db, 'api', { workingDayMs: 60_000 });
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db, { client: t.client, taskQueue: t.taskQueue }) });
    for (const [who, u] of Object.entries(USERS)) {
      await createUser(db, { ...u, password: PASSWORD }, { actor: 'test' });
      const res = await login(u.username);
      expect(res.status).toBe(200);
      tokens[who as Who] = res.body.token;
    }
    await assignItem({ client: t.client, db, taskQueue: t.taskQueue, actor: 'sec1', workingDayMs: 60_000 }, { planCode: PLAN, itemCode: 'A01-1', lead: 'eic', cooperating: ['sti'], startDate: '2016-03-28', finalDeadline: '2016-06-30' });
    await eventually(() => db('assignments').where({ workflow_id: d.itemWorkflowId(PLAN, 'A01-1') }).first(), (a) => a !== undefined, 10_000, 'assignment row');
  });
  afterAll(async () => {
    await t.client.workflow.getHandle(d.itemWorkflowId(PLAN, 'A01-1')).terminate('test over').catch(() => undefined);
    await t?.close();
    await db?.destroy();
  });

  test('sign-in: a token for good credentials, 401 for bad ones, 429 after five failures, and logout revokes the token', async () => {
    expect((await login('sec1', 'wrong password')).status).toBe(401);
    const me = await as('secretariat', 'get', `${API_BASE}/auth/me`);
    expect(me.body).toEqual({ username: 'sec1', role: 'secretariat', department: null });

    for (let i = 0; i < 5; i++) expect((await login('leader1', `wrong ${i}`)).status).toBe(401);
    const limited = await login('leader1');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('too_many_attempts');

    const session = await login('admin1');
    const token = session.body.token as string;
    expect((await request(app).post(`${API_BASE}/auth/logout`).set('authorization', `Bearer ${token}`)).status).toBe(200);
    expect((await request(app).get(`${API_BASE}/auth/me`).set('authorization', `Bearer ${token}`)).status).toBe(401);
    expect((await request(app).get(`${API_BASE}/auth/me`).set('authorization', `Bearer ${token.slice(0, -2)}xx`)).status).toBe(401);
    const audit = await db('audit_events').whereIn('action', ['auth.login', 'auth.logout']).where({ actor: 'admin1' }).pluck('action');
    expect(audit).toEqual(expect.arrayContaining(['auth.login', 'auth.logout']));
  });

  test('writes go through the workflow, answer with what it accepted, and are audited with the user and request id', async () => {
    const ack = await as('lead-dept', 'post', `${API_BASE}/plans/${PLAN}/items/A01-1/acknowledge`).set('x-request-id', 'req-ack-1');
    expect(ack.status).toBe(200);
    expect(ack.body).toEqual({ status: 'acknowledged' });
    await eventually(() => t.client.workflow.getHandle(d.itemWorkflowId(PLAN, 'A01-1')).query(d.stateQuery), (s) => s.period?.seq === 1, 10_000, 'period 1');
    const body = { periodSeq: 1, progress: '完成平台建设方案', percentDone: 20 };
    const first = await as('coop-dept', 'post', `${API_BASE}/plans/${PLAN}/items/A01-1/reports`).set('idempotency-key', 'sti-report-1').send(body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ kind: 'input', department: 'sti', version: 1 });
    const again = await as('coop-dept', 'post', `${API_BASE}/plans/${PLAN}/items/A01-1/reports`).set('idempotency-key', 'sti-report-1').send(body);
    expect(again.body).toEqual(first.body);
    expect(await db('reports').where({ kind: 'input' })).toHaveLength(1);
    const reused = await as('coop-dept', 'post', `${API_BASE}/plans/${PLAN}/items/A01-1/reports`).set('idempotency-key', 'sti-report-1').send({ ...body, percentDone: 30 });
    expect(reused.status).toBe(409);
    const audit = await db('audit_events').where({ action: 'item.acknowledge' }).first();
    expect(audit).toMatchObject({ actor: 'eic1', request_id: 'req-ack-1' });
    const conflict = await as('lead-dept', 'post', `${API_BASE}/plans/${PLAN}/items/A01-1/acknowledge`);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.message).toMatch(/only an assigned item is acknowledged/);
  });

  test('bulk assignment: several items at once, answered in the order given; an item given twice is assigned once, an unknown one refused alone', async () => {
    // Assigned today (this API runs on the real clock): due by the end of next year.
    const finalDeadline = `${new Date().getUTCFullYear() + 1}-12-31`;
    const items = ['A02-1', 'A02-2', 'A02-3', 'A02-2', 'Z99-9', 'A03-1'].map((itemCode) => ({ itemCode, lead: 'finance', finalDeadline }));
    const res = await as('secretariat', 'post', `${API_BASE}/plans/${PLAN}/assignments`).send({ items });
    expect(res.status).toBe(200);
    const results = res.body.results as { index: number; itemCode: string; status: number; workflowId?: string }[];
    expect(results.map((r) => [r.index, r.itemCode])).toEqual(items.map((it, i) => [i, it.itemCode]));
    for (const i of [0, 2, 5]) expect(results[i]).toMatchObject({ status: 201, workflowId: d.itemWorkflowId(PLAN, items[i]!.itemCode) });
    // The same item twice in one request: one assignment wins, the other is told it is assigned already.
    expect([results[1]!.status, results[3]!.status].sort()).toEqual([201, 409]);
    expect(results[4]!.status).toBe(404);
    await eventually(
      async () => Number(((await db('assignments').whereIn('workflow_id', ['A02-1', 'A02-2', 'A02-3', 'A03-1'].map((c) => d.itemWorkflowId(PLAN, c))).count({ n: '*' }).first()) as { n: string }).n),
      (n) => n === 4,
      10_000,
      'four assignment rows',
    );
    expect(await db('audit_events').where({ action: 'item.assign', subject: d.itemWorkflowId(PLAN, 'A02-2') }).count({ n: '*' }).first()).toEqual({ n: '1' });
    for (const c of ['A02-1', 'A02-2', 'A02-3', 'A03-1']) await t.client.workflow.getHandle(d.itemWorkflowId(PLAN, c)).terminate('test over');
  });

  test('the authorization matrix: every role on every route, own and other department', async () => {
    const routes = apiRoutes.filter((r) => !['/auth/login', '/auth/logout'].includes(r.path));
    let cases = 0;
    const wrong: string[] = [];
    for (const spec of routes) {
      for (const who of WHO) {
        // An empty body: a caller who may use the route gets a validation answer, never a write.
        const res = await as(who, spec.method, concretePath(spec)).send(spec.method === 'get' ? undefined : {});
        const denial = expectedDenial(spec, who);
        cases += 1;
        const ok = denial !== undefined ? res.status === denial : res.status !== 401 && res.status !== 403 && !(res.status === 404 && res.body?.error?.code === 'not_found' && spec.path.includes('/items/:item'));
        if (!ok) wrong.push(`${spec.method.toUpperCase()} ${spec.path} as ${who}: got ${res.status} ${JSON.stringify(res.body?.error ?? {})}, expected ${denial ?? 'allowed'}`);
        expect(res.status).toBeLessThan(500);
      }
    }
    expect(wrong).toEqual([]);
    expect(cases).toBe(routes.length * WHO.length);
    silentLog.info({ cases }, 'authorization matrix');
  });

  test('a department reads only its own items', async () => {
    const own = await as('lead-dept', 'get', `${API_BASE}/plans/${PLAN}/items`);
    expect(own.body.items.map((i: { code: string }) => i.code)).toEqual(['A01-1']);
    const coop = await as('coop-dept', 'get', `${API_BASE}/plans/${PLAN}/items`);
    expect(coop.body.items.map((i: { code: string }) => i.code)).toEqual(['A01-1']);
    const other = await as('other-dept', 'get', `${API_BASE}/plans/${PLAN}/items`);
    expect(other.body.items).toEqual([]);
    const all = await as('leadership', 'get', `${API_BASE}/plans/${PLAN}/items?pageSize=100`);
    expect(all.body.total).toBe(56);
    expect(all.body.items).toHaveLength(56);
    const paged = await as('leadership', 'get', `${API_BASE}/plans/${PLAN}/items?pageSize=10&page=6`);
    expect(paged.body).toMatchObject({ total: 56, page: 6, pageSize: 10 });
    expect(paged.body.items).toHaveLength(6);
    // A01-1 is assigned and open: it has a colour, and the colour filter finds it and nothing unassigned.
    const a011 = all.body.items.find((i: { code: string }) => i.code === 'A01-1');
    expect(['red', 'yellow', 'green']).toContain(a011.colour);
    const coloured = await as('leadership', 'get', `${API_BASE}/plans/${PLAN}/items?colour=${a011.colour}`);
    expect(coloured.body.items.map((i: { code: string }) => i.code)).toEqual(['A01-1']);
    expect((await as('leadership', 'get', `${API_BASE}/plans/${PLAN}/items?colour=purple`)).status).toBe(422);
    const byAction = await as('leadership', 'get', `${API_BASE}/plans/${PLAN}/items?action=A02&pageSize=100`);
    expect(byAction.body.items.map((i: { code: string }) => i.code)).toEqual(['A02-1', 'A02-2', 'A02-3']);
    expect((await as('other-dept', 'get', `${API_BASE}/plans/${PLAN}/items/A01-1`)).status).toBe(404);
  });

  test('the administrator sets a department\'s channels; the directory shows which are on, never the secret', async () => {
    const set = await as('admin', 'put', `${API_BASE}/departments/finance/channels`).send({ webhookUrl: 'https://hooks.example/finance', webhookSecret: 'a-secret-of-twenty-chars', email: 'finance@example.gov.cn' });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ code: 'finance', webhook: true, email: true });
    const off = await as('admin', 'put', `${API_BASE}/departments/finance/channels`).send({ email: null });
    expect(off.body).toEqual({ code: 'finance', webhook: true, email: false });
    const list = await as('other-dept', 'get', `${API_BASE}/departments`);
    expect(list.body.departments.find((x: { code: string }) => x.code === 'finance')).toMatchObject({ webhook: true, email: false });
    expect(JSON.stringify(list.body)).not.toContain('a-secret-of-twenty-chars');
    expect(await db('audit_events').where({ action: 'department.channels', actor: 'admin1' })).toHaveLength(2);
  });

  test('calendar: add working days for anyone signed in; a year not loaded is a 4xx that says so', async () => {
    const ok = await as('other-dept', 'get', `${API_BASE}/calendar/add-working-days?from=2016-09-30&days=5`);
    expect(ok.body).toEqual({ date: '2016-10-12' });
    const missing = await as('other-dept', 'get', `${API_BASE}/calendar/add-working-days?from=2027-01-04&days=1`);
    expect(missing.status).toBe(422);
    expect(missing.body.error.message).toBe('calendar for 2027 not loaded');
  });

  test('bad input on every write route: a clear 4xx naming the field, and nothing written', async () => {
    const big = 'x'.repeat(300 * 1024);
    const sql = "eic'; drop table items; --";
    const item = `${API_BASE}/plans/${PLAN}/items/A01-1`;
    const cases: [Who, 'post' | 'put', string, unknown, number, string?][] = [
      ['secretariat', 'post', `${API_BASE}/plans/${PLAN}/items/A01-2/assign`, {}, 422, 'lead'],
      ['secretariat', 'post', `${API_BASE}/plans/${PLAN}/items/A01-2/assign`, { lead: 42 }, 422, 'lead'],
      ['secretariat', 'post', `${API_BASE}/plans/${PLAN}/items/A01-2/assign`, { lead: sql }, 422, 'lead'],
      ['secretariat', 'post', `${API_BASE}/plans/${PLAN}/items/A01-2/assign`, { lead: 'eic', startDate: '2016-02-30' }, 422, 'startDate'],
      ['secretariat', 'post', `${API_BASE}/plans/${PLAN}/items/A01-2/assign`, { lead: 'eic', cooperating: 'sti' }, 422, 'cooperating'],
      ['secretariat', 'post', `${API_BASE}/plans/${PLAN}/items/Z99-9/assign`, { lead: 'eic' }, 404],
      ['secretariat', 'post', `${API_BASE}/plans/${PLAN}/items/A01-1/assign`, { lead: 'eic', startDate: '2016-03-28', finalDeadline: '2016-06-30' }, 409],
      ['secretariat', 'post', `${API_BASE}/plans/${PLAN}/items/A01-2/assign`, { lead: 'eic', extra: 1 }, 422],
      ['secretariat', 'post', `${API_BASE}/plans/${encodeURIComponent(sql)}/items/A01-2/assign`, { lead: 'eic' }, 422, 'params.plan'],
      ['secretariat', 'post', `${API_BASE}/plans/${PLAN}/assignments`, { items: [] }, 422, 'items'],
      ['secretariat', 'post', `${API_BASE}/plans/${PLAN}/assignments`, { items: 'all' }, 422, 'items'],
      ['lead-dept', 'post', `${item}/reports`, {}, 422, 'periodSeq'],
      ['lead-dept', 'post', `${item}/reports`, { periodSeq: '1', progress: 'x', percentDone: 10 }, 422, 'periodSeq'],
      ['lead-dept', 'post', `${item}/reports`, { periodSeq: 1, progress: 'x', percentDone: 150 }, 422, 'percentDone'],
      ['lead-dept', 'post', `${item}/reports`, { periodSeq: 1, progress: big, percentDone: 10 }, 413],
      ['lead-dept', 'post', `${item}/reports`, { periodSeq: 1, progress: 'x', percentDone: 10, attachments: ['javascript:alert(1)'] }, 422, 'attachments[0]'],
      ['lead-dept', 'post', `${item}/reports`, { periodSeq: 99, progress: 'x', percentDone: 10 }, 409],
      ['lead-dept', 'post', `${API_BASE}/plans/${PLAN}/items/A01-3/reports`, { periodSeq: 1, progress: 'x', percentDone: 10 }, 404],
      ['secretariat', 'post', `${item}/review`, { decision: 'maybe' }, 422, 'decision'],
      ['secretariat', 'post', `${item}/review`, { decision: 'return' }, 422, 'newDueOn'],
      ['secretariat', 'post', `${item}/review`, { decision: 'return', newDueOn: "2016-05-01' or 1=1" }, 422, 'newDueOn'],
      ['lead-dept', 'post', `${item}/extension-requests`, { requestedDueOn: '2016-13-01', reason: '数据' }, 422, 'requestedDueOn'],
      ['lead-dept', 'post', `${item}/extension-requests`, { requestedDueOn: '2099-06-30', reason: '数据' }, 422],
      ['lead-dept', 'post', `${item}/extension-requests`, { requestedDueOn: '2016-05-03' }, 422, 'reason'],
      ['secretariat', 'post', `${item}/extension-decision`, { extensionId: 'nope', approve: 'yes' }, 422, 'approve'],
      ['secretariat', 'post', `${item}/extension-decision`, { extensionId: 'nope', approve: true }, 409],
      ['secretariat', 'post', `${item}/reassign`, { newLead: sql, reason: 'x' }, 422, 'newLead'],
      ['secretariat', 'post', `${item}/reassign`, { newLead: 'nosuchdept', reason: 'x' }, 422, 'newLead'],
      ['secretariat', 'post', `${item}/reassign`, { newLead: 'agri' }, 422, 'reason'],
      ['leadership', 'post', `${item}/instructions`, { text: '' }, 422, 'text'],
      ['leadership', 'post', `${item}/instructions`, { text: 'y'.repeat(2001) }, 422, 'text'],
      ['lead-dept', 'post', `${item}/completion-request`, { summary: 5 }, 422, 'summary'],
      ['secretariat', 'post', `${item}/completion-decision`, { approve: true }, 422, 'grade'],
      ['secretariat', 'post', `${item}/completion-decision`, { approve: true, grade: 'A+' }, 422, 'grade'],
      ['secretariat', 'post', `${item}/completion-decision`, { approve: false }, 409],
      ['secretariat', 'post', `${item}/cancel`, {}, 422, 'reason'],
      ['admin', 'put', `${API_BASE}/calendar/2027`, { days: [{ date: '2027-02-30', working: false, name: '元旦' }] }, 422, 'days[0].date'],
      ['admin', 'put', `${API_BASE}/calendar/1800`, { days: [] }, 422, 'params.year'],
      ['admin', 'put', `${API_BASE}/calendar/2027`, { days: [{ date: '2028-01-01', working: false, name: 'x' }] }, 422, 'days[0].date'],
      ['admin', 'post', `${API_BASE}/users`, { username: 'x', password: 'short', role: 'king' }, 422, 'role'],
      ['admin', 'post', `${API_BASE}/users`, { username: 'newuser', password: 'long enough pw', role: 'department', department: sql }, 422, 'department'],
      ['admin', 'post', `${API_BASE}/users`, { username: 'sec1', password: 'long enough pw', role: 'secretariat' }, 422, 'username'],
      ['secretariat', 'post', `${API_BASE}/auth/password`, { currentPassword: PASSWORD }, 422, 'newPassword'],
      ['secretariat', 'post', `${API_BASE}/auth/password`, { currentPassword: PASSWORD, newPassword: 'short' }, 422, 'newPassword'],
      ['anonymous', 'post', `${API_BASE}/auth/password`, { currentPassword: PASSWORD, newPassword: 'long enough pw' }, 401],
      ['admin', 'post', `${API_BASE}/users/1/password`, { newPassword: 'short' }, 422, 'newPassword'],
      ['admin', 'post', `${API_BASE}/users/${encodeURIComponent(sql)}/disable`, {}, 422, 'params.id'],
      ['admin', 'post', `${API_BASE}/users/999999/enable`, {}, 404],
      ['secretariat', 'post', `${API_BASE}/users/1/sessions/end`, {}, 403],
      ['anonymous', 'post', `${API_BASE}/auth/login`, { username: 'sec1' }, 422, 'password'],
      ['anonymous', 'post', `${API_BASE}/auth/login`, { username: sql, password: sql }, 401],
      ['anonymous', 'post', `${API_BASE}/auth/logout`, {}, 401],
      ['admin', 'put', `${API_BASE}/departments/finance/channels`, { webhookUrl: 'ftp://hooks.example/x', webhookSecret: 's'.repeat(20) }, 422, 'webhookUrl'],
      ['admin', 'put', `${API_BASE}/departments/finance/channels`, { webhookUrl: 'https://hooks.example/x' }, 422, 'webhookSecret'],
      ['admin', 'put', `${API_BASE}/departments/finance/channels`, { webhookUrl: 'http://127.0.0.1:8080/hook', webhookSecret: 's'.repeat(20) }, 422, 'webhookUrl'],
      ['admin', 'put', `${API_BASE}/departments/finance/channels`, { webhookUrl: 'http://[::1]/hook', webhookSecret: 's'.repeat(20) }, 422, 'webhookUrl'],
      ['admin', 'put', `${API_BASE}/departments/finance/channels`, { webhookUrl: 'http://169.254.169.254/latest/meta-data/', webhookSecret: 's'.repeat(20) }, 422, 'webhookUrl'],
      ['admin', 'put', `${API_BASE}/departments/finance/channels`, { webhookUrl: 'https://10.0.0.1/hook', webhookSecret: 's'.repeat(20) }, 422, 'webhookUrl'],
      ['admin', 'put', `${API_BASE}/departments/finance/channels`, { webhookUrl: 'http://localhost:9/hook', webhookSecret: 's'.repeat(20) }, 422, 'webhookUrl'],
      ['admin', 'put', `${API_BASE}/departments/finance/channels`, { webhookUrl: 'http://[::ffff:192.168.1.1]/hook', webhookSecret: 's'.repeat(20) }, 422, 'webhookUrl'],
      ['admin', 'put', `${API_BASE}/departments/finance/channels`, { webhookUrl: 'http://100.64.0.1/hook', webhookSecret: 's'.repeat(20) }, 422, 'webhookUrl'],
      ['admin', 'put', `${API_BASE}/departments/finance/channels`, { email: 'not an address' }, 422, 'email'],
      ['admin', 'put', `${API_BASE}/departments/nosuch/channels`, { email: 'a@b.example' }, 404],
      ['lead-dept', 'post', `${API_BASE}/plans/${PLAN}/items/Z99-9/acknowledge`, {}, 404],
      ['lead-dept', 'post', `${API_BASE}/plans/${PLAN}/items/${encodeURIComponent(sql)}/acknowledge`, {}, 422, 'params.item'],
      ['secretariat', 'post', `${item}/cancel`, { reason: big }, 413],
      ['secretariat', 'post', `${API_BASE}/plans/${PLAN}/assignments`, { items: [{ itemCode: 'A01-2', lead: 'eic', finalDeadline: 'soon' }] }, 422, 'items[0].finalDeadline'],
      ['coop-dept', 'post', `${API_BASE}/inbox/notifications/${encodeURIComponent(sql)}/read`, {}, 422, 'params.id'],
      ['coop-dept', 'post', `${API_BASE}/inbox/notifications/999999/read`, {}, 404],
    ];
    const before = await writes();
    for (const [who, method, path, body, status, field] of cases) {
      const res = await as(who, method, path).send(body as object);
      expect({ path, body: typeof body === 'object' && JSON.stringify(body).length > 200 ? '(big)' : body, status: res.status }).toEqual({ path, body: typeof body === 'object' && JSON.stringify(body).length > 200 ? '(big)' : body, status });
      expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      if (field) expect((res.body.error.details as { field: string }[] | undefined)?.map((x) => x.field) ?? [res.body.error.message]).toEqual(expect.arrayContaining([expect.stringContaining(field)]));
    }
    const after = await writes();
    // Failed sign-ins leave no session; nothing else is written either.
    expect(after).toEqual(before);
    silentLog.info({ cases: cases.length }, 'bad-input cases');
  });

  test('malformed JSON is a 400, and the OpenAPI document lists every route', async () => {
    const bad = await as('secretariat', 'post', `${API_BASE}/plans/${PLAN}/items/A01-2/assign`).set('content-type', 'application/json').send('{"lead":');
    expect(bad.status).toBe(400);
    const doc = await request(app).get(`${API_BASE}/openapi.json`);
    expect(doc.body.openapi).toBe('3.1.0');
    const listed = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    const declared = apiRoutes.map((r) => `${r.method} ${API_BASE}${r.path.replace(/:([A-Za-z]+)/g, '{$1}')}`);
    expect(listed.sort()).toEqual(declared.sort());
    // Validated against the OpenAPI 3.1 schema by an independent validator (its CLI: the package is ESM-only).
    const file = path.join(testRun().runDir, 'openapi.json');
    fs.writeFileSync(file, JSON.stringify(doc.body));
    const cli = path.join(projectRoot, 'node_modules', '@seriousme', 'openapi-schema-validator', 'bin', 'validate-api-cli.js');
    const check = spawnSync(process.execPath, [cli, file], { encoding: 'utf8' });
    expect(JSON.parse(check.stdout)).toEqual({ valid: true });
    const docs = await request(app).get('/api/docs');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger-ui');
  });
});
