import { Client, Connection } from '@temporalio/client';
import type { Express } from 'express';
import request from 'supertest';
import { createActivities } from '../activities';
import type { ItemEvent } from '../activities/items';
import { API_BASE, createApp } from '../api/app';
import { apiDeps } from './helpers/api-deps';
import { createUser } from '../api/auth/users';
import type { Db } from '../db/connection';
import { countBy, onTimeRate, originalVerdict } from '../domain/on-time';
import { PASSWORD, USERS } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';
import { testRun } from './setup/run';

const PLAN = 'sd-internet-plus-2016-2018';

describe('on time, the rules (domain/on-time.ts)', () => {
  const unmoved = { originalDueOn: '2016-04-08', dueOn: '2016-04-08', extendedDueOn: null };
  const extended = { originalDueOn: '2016-04-08', dueOn: '2016-04-22', extendedDueOn: '2016-04-22' };
  const returnedEarlier = { originalDueOn: '2016-04-08', dueOn: '2016-04-06', extendedDueOn: null };

  test("the workflow's original-clock verdict is kept as given", () => {
    expect(originalVerdict({ onTime: true, onTimeOriginal: false }, extended)).toBe(false);
    expect(originalVerdict({ onTime: false, onTimeOriginal: true }, returnedEarlier)).toBe(true);
  });

  test('without it (older workflow code) it is derived only where the due dates settle it', () => {
    expect(originalVerdict({ onTime: true }, unmoved)).toBe(true);
    expect(originalVerdict({ onTime: false }, unmoved)).toBe(false);
    expect(originalVerdict({ onTime: false }, extended)).toBe(false);
    expect(originalVerdict({ onTime: true }, extended)).toBeNull();
    expect(originalVerdict({ onTime: false }, returnedEarlier)).toBeNull();
    expect(originalVerdict({}, unmoved)).toBeNull();
  });

  test('every accepted period counts; only a true verdict is on time; rates to three decimals, none without periods', () => {
    const counts = countBy(
      [
        { key: 'a', original: true, extended: true },
        { key: 'a', original: null, extended: true },
        { key: 'a', original: false, extended: null },
        { key: 'b', original: false, extended: false },
      ],
      (p) => p.key,
    );
    expect(Object.fromEntries(counts)).toEqual({ a: { accepted: 3, onTimeOriginal: 1, onTimeExtended: 2 }, b: { accepted: 1, onTimeOriginal: 0, onTimeExtended: 0 } });
    expect([onTimeRate(2, 3), onTimeRate(1, 3), onTimeRate(0, 1), onTimeRate(0, 0)]).toEqual([0.667, 0.333, 0, null]);
  });
});

/**
 * The review event against the real database, then every reader: each shows
 * the recorded verdicts, whatever the period's dates and the report's real
 * submission time would suggest (the old scorecard recomputed them and called
 * a 2026 report for a 2016 period late on both clocks).
 */
describe('on time, recorded and read', () => {
  let db: Db;
  let app: Express;
  let client: Client;
  let token: string;
  const activities = () => createActivities({ db, log: silentLog });

  /** An in-progress assignment with one submitted period, as recordAssignment and syncItem leave them. */
  async function submittedPeriod(itemCode: string, lead: string, due: { dueOn: string; extendedDueOn?: string }): Promise<string> {
    const workflowId = `item:${PLAN}:${itemCode}`;
    const item = (await db('items as i').join('plans as p', 'p.id', 'i.plan_id').where({ 'p.code': PLAN, 'i.code': itemCode }).first('i.id')) as { id: number };
    const dept = (await db('departments').where({ code: lead }).first('id')) as { id: number };
    const [assignment] = (await db('assignments')
      .insert({
        item_id: item.id,
        workflow_id: workflowId,
        lead_department_id: dept.id,
        cadence: 'quarterly',
        due_offset_working_days: 5,
        start_date: '2016-03-28',
        final_deadline: '2016-06-30',
        policy: JSON.stringify({}),
        status: 'in_progress',
        assigned_by: 'sec1',
        assigned_at: new Date(),
      })
      .returning('id')) as { id: number }[];
    await db('periods').insert({
      assignment_id: assignment!.id,
      seq: 1,
      starts_on: '2016-03-28',
      ends_on: '2016-03-31',
      original_due_on: '2016-04-08',
      due_on: due.dueOn,
      extended_due_on: due.extendedDueOn ?? null,
      due_at: new Date(),
      status: 'submitted',
    });
    return workflowId;
  }

  /** The secretariat accepts period 1; then syncItem marks the row accepted. */
  async function accept(itemKey: string, lead: string, verdicts: { onTime?: boolean; onTimeOriginal?: boolean }): Promise<void> {
    const event: ItemEvent = { kind: 'review', itemKey, title: itemKey, actor: 'sec1', anchor: { date: '2016-03-28', at: Date.now() }, businessDate: '2016-04-07', periodSeq: 1, version: 1, decision: 'accept', lead, ...verdicts };
    await activities().recordItemEvent(event);
    await firstPeriod(itemKey).update({ status: 'accepted' });
  }
  const firstPeriod = (itemKey: string) => db('periods').where({ seq: 1 }).whereIn('assignment_id', db('assignments').where({ workflow_id: itemKey }).select('id'));
  const verdictsOf = (itemKey: string) => firstPeriod(itemKey).first('on_time_original as original', 'on_time as extended');

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('on_time'));
    // The scorecard and board routes never call Temporal; a lazy connection is never opened.
    client = new Client({ connection: Connection.lazy({ address: testRun().temporalAddress }) });
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db, { client }) });
    await createUser(db, { ...USERS.secretariat, password: PASSWORD }, { actor: 'test' });
    token = (await request(app).post(`${API_BASE}/auth/login`).send({ username: USERS.secretariat.username, password: PASSWORD })).body.token as string;
  });
  afterAll(async () => {
    await client?.connection.close().catch(() => undefined);
    await db?.destroy();
  });

  test('the review event writes both verdicts; without the original one it falls back on the due dates', async () => {
    const cases: [string, string, { dueOn: string; extendedDueOn?: string }, { onTime?: boolean; onTimeOriginal?: boolean }, { original: boolean | null; extended: boolean | null }][] = [
      ['A01-1', 'eic', { dueOn: '2016-04-08' }, { onTime: true, onTimeOriginal: true }, { original: true, extended: true }],
      ['A01-2', 'eic', { dueOn: '2016-04-22', extendedDueOn: '2016-04-22' }, { onTime: true, onTimeOriginal: false }, { original: false, extended: true }],
      ['A01-3', 'eic', { dueOn: '2016-04-22', extendedDueOn: '2016-04-22' }, { onTime: true }, { original: null, extended: true }],
      ['A01-4', 'eic', { dueOn: '2016-04-08' }, { onTime: true }, { original: true, extended: true }],
      ['A02-1', 'agri', { dueOn: '2016-04-20' }, { onTime: false }, { original: false, extended: false }],
    ];
    for (const [item, lead, due, given, stored] of cases) {
      const key = await submittedPeriod(item, lead, due);
      await accept(key, lead, given);
      expect({ item, ...(await verdictsOf(key)) }).toEqual({ item, ...stored });
    }
    // A retried activity writes the same verdicts again.
    await accept(`item:${PLAN}:A01-2`, 'eic', { onTime: true, onTimeOriginal: false });
    expect(await verdictsOf(`item:${PLAN}:A01-2`)).toEqual({ original: false, extended: true });
  });

  // eic: 4 accepted, 2 on time on the original clock (A01-1, A01-4), 4 on the extended one; agri: 1 accepted, late on both.
  const eic = { accepted: 4, original: 2, originalRate: 0.5, extended: 4, extendedRate: 1 };

  test('the scorecard, the board summary and the digest all count the recorded verdicts', async () => {
    const card = await request(app).get(`${API_BASE}/scorecard`).set('authorization', `Bearer ${token}`);
    expect(card.status).toBe(200);
    const rows = card.body.departments as { department: string }[];
    expect(rows.find((r) => r.department === 'eic')).toMatchObject({ acceptedPeriods: eic.accepted, onTimeOriginal: eic.original, onTimeRateOriginal: eic.originalRate, onTimeExtended: eic.extended, onTimeRateExtended: eic.extendedRate });
    expect(rows.find((r) => r.department === 'agri')).toMatchObject({ acceptedPeriods: 1, onTimeOriginal: 0, onTimeRateOriginal: 0, onTimeExtended: 0, onTimeRateExtended: 0 });

    const board = { acceptedPeriods: eic.accepted, onTime: eic.extended, onTimeRate: eic.extendedRate, onTimeOriginal: eic.original, onTimeRateOriginal: eic.originalRate };
    const summary = await request(app).get(`${API_BASE}/board/summary`).set('authorization', `Bearer ${token}`);
    expect(summary.status).toBe(200);
    expect((summary.body.byDepartment as { code: string }[]).find((d) => d.code === 'eic')).toMatchObject(board);
    expect((summary.body.byAction as { code: string }[]).find((a) => a.code === 'A01')).toMatchObject(board);

    const digest = await activities().buildWeeklyDigest();
    expect(digest.byDepartment.find((d) => d.code === 'eic')).toMatchObject(board);
    expect(digest.byDepartment.find((d) => d.code === 'agri')).toMatchObject({ acceptedPeriods: 1, onTime: 0, onTimeRate: 0, onTimeOriginal: 0, onTimeRateOriginal: 0 });
  });

  test('the migration fills the original verdict of periods accepted before it, where the dates settle it', async () => {
    const cases: [string, { dueOn: string; extendedDueOn?: string }, boolean, boolean | null][] = [
      ['A03-1', { dueOn: '2016-04-08' }, true, true],
      ['A03-2', { dueOn: '2016-04-22', extendedDueOn: '2016-04-22' }, false, false],
      ['A03-3', { dueOn: '2016-04-22', extendedDueOn: '2016-04-22' }, true, null],
    ];
    await db.migrate.down({ name: '006_periods_on_time_original' });
    const keys: string[] = [];
    for (const [item, due, onTime] of cases) {
      const key = await submittedPeriod(item, 'energy', due);
      await firstPeriod(key).update({ status: 'accepted', on_time: onTime });
      keys.push(key);
    }
    await db.migrate.up({ name: '006_periods_on_time_original' });
    const stored = await Promise.all(keys.map(verdictsOf));
    expect(stored).toEqual(cases.map(([, , onTime, original]) => ({ original, extended: onTime })));
  });
});
