import request from 'supertest';
import { z } from 'zod';
import { API_BASE, createApp } from '../api/app';
import { HttpError } from '../api/errors';
import { openApiDocument, operationIdOf, route, type ApiDeps, type RouteSpec } from '../api/route';
import { apiRoutes } from '../api/routes';
import { instant } from '../api/schemas';
import { silentLog } from './helpers/plans';

/**
 * The response check (api/response-contract.ts), which every test runs under
 * (test/setup/check-responses.ts): an answer the document does not describe is
 * a 500 `response_contract`. Real route declarations are served here by
 * handlers that answer a sample, right or deliberately wrong, so no database or
 * Temporal is needed: the access is opened, the response schema is the route's own.
 */

// No route here reaches the database or Temporal, and no request signs in.
const deps = { log: silentLog, checkResponses: true } as unknown as ApiDeps;

function real(operationId: string): RouteSpec {
  const spec = apiRoutes.find((r) => operationIdOf(r) === operationId);
  if (!spec) throw new Error(`no route ${operationId}`);
  return spec;
}

/** A real route's declaration (its path, status and response schema), open to anyone, answering `answer`. */
function answering(operationId: string, answer: unknown): RouteSpec {
  const spec = real(operationId);
  return { ...spec, access: 'public', params: undefined, query: undefined, body: undefined, authorize: undefined, handler: async () => answer };
}

function appOf(routes: RouteSpec[], checkResponses = true) {
  return createApp({ log: silentLog, readiness: {}, api: { ...deps, checkResponses }, routes });
}

const me = { username: 'sec1', role: 'secretariat', department: null };
const department = { code: 'eic', name: '省经济和信息化委', shortName: '省经信委', kind: 'department', webhook: false, email: true };
const receipt = { receiptId: 'r-1', periodSeq: 1, department: 'eic', kind: 'consolidated', version: 1, receivedAt: 1_460_000_000_000, inputs: [] };
const notification = { id: 7, kind: 'reminder', itemKey: 'item:p:A01-1', title: '提醒', body: '请报送', createdAt: new Date(), readAt: null };

describe('every answer is checked against the OpenAPI document', () => {
  test.each([
    ['whoAmI', 'get', '/auth/me', me],
    ['listDepartments', 'get', '/departments', { departments: [department] }],
    ['fileReport', 'post', '/plans/p/items/i/reports', receipt],
    ['getInbox', 'get', '/inbox', { department: 'eic', pendingAcknowledgements: [], reportsDue: [], notifications: [notification] }],
  ])('%s: a right answer passes', async (operationId, method, path, answer) => {
    const res = await request(appOf([answering(operationId, answer)]))[method as 'get' | 'post'](`${API_BASE}${path}`);
    expect(res.status).toBe(real(operationId).status ?? 200);
  });

  test.each([
    ['whoAmI', 'get', '/auth/me', { ...me, role: 'king' }, '/role'],
    ['whoAmI', 'get', '/auth/me', { username: 'sec1', role: 'secretariat' }, '/'],
    ['listDepartments', 'get', '/departments', { departments: [{ ...department, webhookSecret: 'leaked' }] }, '/departments/0'],
    ['fileReport', 'post', '/plans/p/items/i/reports', { ...receipt, periodSeq: '1' }, '/periodSeq'],
    ['getInbox', 'get', '/inbox', { department: 'eic', pendingAcknowledgements: [], reportsDue: [], notifications: [{ ...notification, createdAt: '2016-04-08' }] }, '/notifications/0/createdAt'],
  ])('%s: a wrong answer is a 500 response_contract', async (operationId, method, path, answer, at) => {
    const res = await request(appOf([answering(operationId, answer)]))[method as 'get' | 'post'](`${API_BASE}${path}`);
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ code: 'response_contract', details: expect.arrayContaining([expect.objectContaining({ path: at })]) });
  });

  test('a JSON answer where the document declares the Excel ledger is caught', async () => {
    const res = await request(appOf([answering('downloadLedger', { rows: [] })])).get(`${API_BASE}/ledger.xlsx`);
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('response_contract');
  });

  test('errors are checked too: a well-formed one keeps its status, a malformed one is caught', async () => {
    const refusing = route({
      method: 'get',
      path: '/refusing',
      operationId: 'refusing',
      tag: 'auth',
      summary: 'Refuse',
      access: 'public',
      response: z.object({ ok: z.boolean() }),
      handler: async () => {
        throw new HttpError(409, 'conflict', 'not now', [{ field: 'x', message: 'busy' }]);
      },
    });
    const rude = route({
      method: 'get',
      path: '/rude',
      operationId: 'rude',
      tag: 'auth',
      summary: 'Answer an error of its own making',
      access: 'public',
      response: z.object({ ok: z.boolean() }),
      handler: async ({ res }) => {
        res.status(418).json({ oops: true });
        return undefined;
      },
    });
    const app = appOf([refusing, rude]);
    const refused = await request(app).get(`${API_BASE}/refusing`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'conflict', details: [{ field: 'x', message: 'busy' }] });
    const caught = await request(app).get(`${API_BASE}/rude`);
    expect(caught.status).toBe(500);
    expect(caught.body.error.code).toBe('response_contract');
  });

  test('Dates are checked as the ISO strings they become on the wire', async () => {
    const stamped = route({
      method: 'get',
      path: '/stamped',
      operationId: 'stamped',
      tag: 'auth',
      summary: 'Answer an instant',
      access: 'public',
      response: z.object({ at: instant }),
      handler: async () => ({ at: new Date('2016-04-08T02:00:00Z') }),
    });
    const res = await request(appOf([stamped])).get(`${API_BASE}/stamped`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ at: '2016-04-08T02:00:00.000Z' });
  });

  test('with the check off (production default) the answer goes out as the handler made it', async () => {
    const res = await request(appOf([answering('whoAmI', { ...me, role: 'king' })], false)).get(`${API_BASE}/auth/me`);
    expect(res.status).toBe(200);
    expect(res.body.role).toBe('king');
  });

  test('every operation has a unique operationId, a described success and documented errors', () => {
    const doc = openApiDocument(apiRoutes, API_BASE) as { paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: object; $ref?: string }> }>> };
    const operations = Object.values(doc.paths).flatMap((ops) => Object.values(ops));
    expect(operations).toHaveLength(apiRoutes.length);
    expect(new Set(operations.map((o) => o.operationId)).size).toBe(operations.length);
    for (const op of operations) {
      const success = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
      expect({ op: op.operationId, successes: success.length, content: success.every(([, r]) => r.content !== undefined) }).toEqual({ op: op.operationId, successes: 1, content: true });
      expect({ op: op.operationId, default: op.responses.default?.content !== undefined }).toEqual({ op: op.operationId, default: true });
    }
  });
});
