import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { Express } from 'express';
import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import { apiDeps } from './helpers/api-deps';
import { createUser } from '../api/auth/users';
import type { ApiDeps } from '../api/route';
import type { Db } from '../db/connection';
import * as d from '../workflows/definitions';
import { PASSWORD, USERS, type Who } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { eventually } from './helpers/wait';
import { testNamespace } from './setup/namespaces';
import { testRun } from './setup/run';

const PLAN = 'sd-internet-plus-2016-2018';
const ITEMS = `${API_BASE}/plans/${PLAN}/items`;
/** Short enough that the 503 test is quick, long enough for a live worker on a busy 2-core machine. */
const SHORT_WAIT_MS = 300;
const ASSIGN_BODY = { lead: 'eic', cooperating: ['sti'], startDate: '2016-03-28', finalDeadline: '2016-06-30' };

/**
 * Writes through the API never hang and are never applied twice: a bounded
 * wait for the workflow (503 + Retry-After), Idempotency-Key on every item
 * write, and assignment refused once an assignment record exists.
 */
describe('HTTP API: bounded waits, Idempotency-Key, assigning twice', () => {
  let db: Db;
  /** The worker; the 503 test stops it and starts another on the same task queue. */
  let t: TemporalHarness;
  /** The API's own connection, so stopping the worker's harness leaves the API connected. */
  let connection: Connection;
  let client: Client;
  let app: Express;
  let impatientApp: Express;
  const tokens: Partial<Record<Who, string>> = {};

  const call = (target: Express, who: Exclude<Who, 'anonymous'>, path: string) => request(target).post(path).set('authorization', `Bearer ${tokens[who]}`);
  const as = (who: Exclude<Who, 'anonymous'>, path: string) => call(app, who, path);
  const instructionsOf = (itemCode: string) => db('instructions as i').join('assignments as a', 'a.id', 'i.assignment_id').where('a.workflow_id', d.itemWorkflowId(PLAN, itemCode)).select('i.key');
  /** A copy of one item's assignment record under another item, as if that item had been assigned once. */
  const copyAssignment = async (fromWorkflowId: string, itemCode: string, workflowId: string) => {
    const item = (await db('items as i').join('plans as p', 'p.id', 'i.plan_id').where({ 'p.code': PLAN, 'i.code': itemCode }).first('i.id')) as { id: number };
    const columns = (await db('information_schema.columns').where({ table_name: 'assignments', table_schema: 'public' }).pluck('column_name')) as string[];
    const copied = columns.filter((c) => !['id', 'item_id', 'workflow_id'].includes(c));
    const list = copied.map((c) => `"${c}"`).join(', ');
    await db.raw(`insert into assignments (item_id, workflow_id, ${list}) select ?, ?, ${list} from assignments where workflow_id = ?`, [item.id, workflowId, fromWorkflowId]);
  };
  const assigned = (itemCode: string) => eventually(() => db('assignments').where({ workflow_id: d.itemWorkflowId(PLAN, itemCode) }).first('id'), (a) => a !== undefined, 15_000, `assignment row of ${itemCode}`);

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('api_writes'));
    t = await temporalHarness(db, 'api-writes', { workingDayMs: 60_000 });
    connection = await Connection.connect({ address: testRun().temporalAddress });
    client = new Client({ connection, namespace: testNamespace('api-writes') });
    // The API on the worker's compressed clock, as a demo runs: the 2016 plan's dates are its timeline.
    const deps: ApiDeps = await apiDeps(db, { client, taskQueue: t.taskQueue, workingDayMs: 60_000 });
    app = createApp({ log: silentLog, readiness: {}, api: deps });
    impatientApp = createApp({ log: silentLog, readiness: {}, api: { ...deps, updateWaitMs: SHORT_WAIT_MS } });
    for (const [who, u] of Object.entries(USERS)) {
      await createUser(db, { ...u, password: PASSWORD }, { actor: 'test' });
      const res = await request(app).post(`${API_BASE}/auth/login`).send({ username: u.username, password: PASSWORD });
      expect(res.status).toBe(200);
      tokens[who as Who] = res.body.token;
    }
  });
  afterAll(async () => {
    for (const code of ['A01-1', 'A01-2', 'A01-3', 'A01-5', 'A02-1']) await client?.workflow.getHandle(d.itemWorkflowId(PLAN, code)).terminate('test over').catch(() => undefined);
    await t?.close().catch(() => undefined);
    await connection?.close();
    await db?.destroy();
  });

  test('the same Idempotency-Key gives the first answer and writes once; another body under it is 409; a refusal is not kept', async () => {
    const assign = () => as('secretariat', `${ITEMS}/A01-1/assign`).set('idempotency-key', 'assign-a01-1').send(ASSIGN_BODY);
    const first = await assign();
    expect(first.status).toBe(201);
    expect(await assign()).toMatchObject({ status: 201, body: first.body });
    await assigned('A01-1');

    const instruct = (key: string, text: string) => as('leadership', `${ITEMS}/A01-1/instructions`).set('idempotency-key', key).send({ text });
    const issued = await instruct('instr-1', '加快推进');
    expect(issued.status).toBe(201);
    expect(issued.body.instructionKey).toMatch(/^instruction:/);
    const again = await instruct('instr-1', '加快推进');
    expect(again).toMatchObject({ status: 201, body: issued.body });
    expect(await instructionsOf('A01-1')).toHaveLength(1);
    const reused = await instruct('instr-1', '另一条批示');
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    // Another user's key of the same name is another key.
    const otherUser = await as('secretariat', `${ITEMS}/A01-1/extension-decision`).set('idempotency-key', 'instr-1').send({ extensionId: 'nope', approve: true });
    expect(otherUser.status).toBe(409);
    expect(otherUser.body.error.code).not.toBe('idempotency_key_reused');

    const ack = () => as('lead-dept', `${ITEMS}/A01-1/acknowledge`).set('idempotency-key', 'ack-1');
    expect(await ack()).toMatchObject({ status: 200, body: { status: 'acknowledged' } });
    expect(await ack()).toMatchObject({ status: 200, body: { status: 'acknowledged' } });
    // A refused write (the item is acknowledged already) applies nothing, so its key is not kept as an answer.
    const refused = await as('lead-dept', `${ITEMS}/A01-1/acknowledge`).set('idempotency-key', 'ack-2');
    expect(refused.status).toBe(409);
    expect(await db('idempotency_keys').where({ key: 'ack-2' })).toHaveLength(0);
    expect(await db('idempotency_keys').where({ key: 'instr-1' }).pluck('status')).toEqual([200]);

    const badKey = await as('leadership', `${ITEMS}/A01-1/instructions`).set('idempotency-key', 'no spaces allowed').send({ text: 'x' });
    expect(badKey.status).toBe(400);
  });

  test('a write the workflow cannot take in UPDATE_WAIT_MS is 503 with Retry-After; the retry with the same key applies it once', async () => {
    expect((await as('secretariat', `${ITEMS}/A01-2/assign`).send(ASSIGN_BODY)).status).toBe(201);
    await assigned('A01-2');
    // No worker polls the item's task queue now: the update is taken by the server but never processed.
    await t.close();

    const instruct = () => call(impatientApp, 'leadership', `${ITEMS}/A01-2/instructions`).set('idempotency-key', 'instr-busy').send({ text: '限期办结' });
    const began = Date.now();
    const busy = await instruct();
    const took = Date.now() - began;
    expect(busy.status).toBe(503);
    expect(busy.body.error.code).toBe('busy');
    expect(Number(busy.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(took).toBeLessThan(SHORT_WAIT_MS + 3_000);
    expect(await instructionsOf('A01-2')).toHaveLength(0);
    // The key stays taken while the write is in flight: another body under it is refused.
    const reused = await call(impatientApp, 'leadership', `${ITEMS}/A01-2/instructions`).set('idempotency-key', 'instr-busy').send({ text: '另一条' });
    expect(reused.status).toBe(409);

    t = await temporalHarness(db, 'api-writes', { workingDayMs: 60_000 });
    const done = await eventually(instruct, (res) => res.status !== 503, 60_000, 'the retried instruction');
    expect(done.status).toBe(201);
    expect(done.body.instructionKey).toMatch(/^instruction:/);
    const rows = await eventually(() => instructionsOf('A01-2'), (r) => r.length > 0, 10_000, 'the instruction row');
    expect(rows).toEqual([{ key: done.body.instructionKey }]);
    expect(await instruct()).toMatchObject({ status: 201, body: done.body });
    expect(await instructionsOf('A01-2')).toHaveLength(1);
    expect(await db('audit_events').where({ action: 'item.instruct', subject: d.itemWorkflowId(PLAN, 'A01-2') })).toHaveLength(1);
  });

  test('an assignment the workflow cannot take in UPDATE_WAIT_MS is 503; the retry with the same key gets that assignment, not 409', async () => {
    await t.close();
    const assign = (key: string) => call(impatientApp, 'secretariat', `${ITEMS}/A01-5/assign`).set('idempotency-key', key).send(ASSIGN_BODY);
    // The first attempt starts the item's workflow, which no worker processes yet.
    const busy = await assign('assign-busy');
    expect(busy.status).toBe(503);

    t = await temporalHarness(db, 'api-writes', { workingDayMs: 60_000 });
    const done = await eventually(() => assign('assign-busy'), (res) => res.status !== 503, 60_000, 'the retried assignment');
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ workflowId: d.itemWorkflowId(PLAN, 'A01-5'), lead: 'eic', cooperating: ['sti'], startDate: '2016-03-28' });
    expect(await assign('assign-busy')).toMatchObject({ status: 201, body: done.body });
    // Any other request for the item is still refused: an item is assigned once.
    const other = await assign('assign-other');
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('already_assigned');
    expect(await db('assignments').where({ workflow_id: d.itemWorkflowId(PLAN, 'A01-5') })).toHaveLength(1);
    expect(await db('audit_events').where({ action: 'item.assign', subject: d.itemWorkflowId(PLAN, 'A01-5') })).toHaveLength(1);
  });

  test('a reopening the workflow cannot take in UPDATE_WAIT_MS is 503; the retry with the same key gets that round, not 409', async () => {
    expect((await as('secretariat', `${ITEMS}/A02-1/assign`).send(ASSIGN_BODY)).status).toBe(201);
    await assigned('A02-1');
    expect((await as('secretariat', `${ITEMS}/A02-1/cancel`).send({ reason: '任务调整' })).status).toBe(200);
    await client.workflow.getHandle(d.itemWorkflowId(PLAN, 'A02-1')).result();
    await t.close();
    const reopen = (key: string) => call(impatientApp, 'secretariat', `${ITEMS}/A02-1/reopen`).set('idempotency-key', key).send({ reason: '需继续推进', startDate: '2016-05-03', finalDeadline: '2016-09-30' });
    // The first attempt starts the new round's run, which no worker processes yet.
    const busy = await reopen('reopen-busy');
    expect(busy.status).toBe(503);

    t = await temporalHarness(db, 'api-writes', { workingDayMs: 60_000 });
    const done = await eventually(() => reopen('reopen-busy'), (res) => res.status !== 503, 60_000, 'the retried reopening');
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ workflowId: d.itemWorkflowId(PLAN, 'A02-1'), round: 2, lead: 'eic', cooperating: ['sti'], startDate: '2016-05-03', finalDeadline: '2016-09-30' });
    expect(await reopen('reopen-busy')).toMatchObject({ status: 201, body: done.body });
    // Another request is refused: the item is open again.
    const other = await reopen('reopen-other');
    expect(other.status).toBe(409);
    expect(await db('assignments').where({ workflow_id: d.itemWorkflowId(PLAN, 'A02-1') }).first('round', 'status')).toMatchObject({ round: 2 });
    expect(await db('audit_events').where({ action: 'item.reopen', subject: d.itemWorkflowId(PLAN, 'A02-1') })).toHaveLength(1);
  });

  test('a write to an item whose record says open but whose workflow Temporal does not find is 503 (between runs), to a finished one 409, to an unassigned one 404', async () => {
    // A02-2's record copied from an open item, with no workflow under its id: what a request meets while the workflow continues as new.
    await copyAssignment(d.itemWorkflowId(PLAN, 'A01-1'), 'A02-2', d.itemWorkflowId(PLAN, 'A02-2'));
    const open = await as('leadership', `${ITEMS}/A02-2/instructions`).send({ text: '加快推进' });
    expect(open.status).toBe(503);
    expect(open.body.error.code).toBe('busy');
    expect(Number(open.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await db('assignments').where({ workflow_id: d.itemWorkflowId(PLAN, 'A02-2') }).update({ status: 'completed' });
    const finished = await as('leadership', `${ITEMS}/A02-2/instructions`).send({ text: '加快推进' });
    expect(finished.status).toBe(409);
    expect(finished.body.error.message).toMatch(/completed/);
    const never = await as('leadership', `${ITEMS}/A02-3/instructions`).send({ text: '加快推进' });
    expect(never.status).toBe(404);
  });

  test('an item with an assignment record is refused on assign (409), even when Temporal knows no workflow for it', async () => {
    expect((await as('secretariat', `${ITEMS}/A01-3/assign`).send(ASSIGN_BODY)).status).toBe(201);
    await assigned('A01-3');
    // What Temporal's retention leaves behind: A01-4's assignment record, and no workflow under its id.
    const workflowId = d.itemWorkflowId(PLAN, 'A01-4');
    await copyAssignment(d.itemWorkflowId(PLAN, 'A01-3'), 'A01-4', workflowId);
    const handle = client.workflow.getHandle(workflowId);
    await expect(handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    const again = await as('secretariat', `${ITEMS}/A01-4/assign`).send(ASSIGN_BODY);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_assigned');
    const bulk = await as('secretariat', `${API_BASE}/plans/${PLAN}/assignments`).send({ items: [{ itemCode: 'A01-4', ...ASSIGN_BODY }] });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results).toEqual([expect.objectContaining({ itemCode: 'A01-4', status: 409, error: expect.objectContaining({ code: 'already_assigned' }) })]);
    await expect(handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});
