import type { Express } from 'express';
import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import { assignItem } from '../api/services/assignments';
import { readCalendar } from '../db/calendar/store';
import type { Db } from '../db/connection';
import * as d from '../workflows/definitions';
import { apiDeps } from './helpers/api-deps';
import { PASSWORD, signInAll, type Who } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { recordHistory } from './helpers/histories';
import { silentLog } from './helpers/plans';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { eventually } from './helpers/wait';

const PLAN = 'sd-internet-plus-2016-2018';
const ITEMS = `${API_BASE}/plans/${PLAN}/items`;
/** A working day of a minute: nothing falls due while the test runs. */
const WORKING_DAY = 60_000;
const ITEM = 'A01-3';
const ITEM_KEY = d.itemWorkflowId(PLAN, ITEM);
/** The 17 cities of 2016-2018. */
const ALL_CITIES = ['jinan', 'qingdao', 'zibo', 'zaozhuang', 'dongying', 'yantai', 'weifang', 'jining', 'taian', 'weihai', 'rizhao', 'laiwu', 'linyi', 'dezhou', 'liaocheng', 'binzhou', 'heze'];
/** An item whose completion (办结) ends its share. */
const OTHER = 'A01-4';
const OTHER_KEY = d.itemWorkflowId(PLAN, OTHER);
const LIAISONS = { jinan: 'jinan1', qingdao: 'qingdao1', zibo: 'zibo1' } as const;
type Liaison = keyof typeof LIAISONS;

/**
 * 分解下达 through the API, on the real Temporal dev server and PostgreSQL:
 * the lead department cascades an item to cities; each city's share is a
 * child workflow with its own 签收 and periods; a city's consolidated report
 * rolls up into the lead's, and into the item's weighted 序时进度; a repeated
 * cascade starts nothing twice; cancelling the item ends every share.
 */
describe('cascade to cities (分解下达)', () => {
  let db: Db;
  let t: TemporalHarness;
  let app: Express;
  const tokens: Partial<Record<Who | Liaison, string>> = {};
  const as = (who: Who | Liaison, method: 'get' | 'post', path: string) => request(app)[method](path).set('authorization', `Bearer ${tokens[who]}`);
  const shareRows = () =>
    db('assignments as a')
      .join('departments as dp', 'dp.id', 'a.lead_department_id')
      .whereNotNull('a.parent_assignment_id')
      .orderBy('dp.code')
      .select('dp.code as city', 'a.workflow_id', 'a.status', 'a.share_weight');

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('cascade'));
    t = await temporalHarness(db, 'cascade', { workingDayMs: WORKING_DAY });
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db, { client: t.client, taskQueue: t.taskQueue, workingDayMs: WORKING_DAY }) });
    Object.assign(tokens, await signInAll(app, db));
    for (const [department, username] of Object.entries(LIAISONS)) {
      expect((await as('admin', 'post', `${API_BASE}/users`).send({ username, password: PASSWORD, role: 'department', department })).status).toBe(201);
      tokens[department as Liaison] = (await request(app).post(`${API_BASE}/auth/login`).send({ username, password: PASSWORD })).body.token;
    }
  });
  afterAll(async () => {
    for (const id of [ITEM_KEY, ...ALL_CITIES.map((c) => d.shareWorkflowId(ITEM_KEY, c)), OTHER_KEY, d.shareWorkflowId(OTHER_KEY, 'heze')]) await t?.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    await t?.close();
    await db?.destroy();
  });

  test('the lead cascades to three cities: each share starts, and each city sees and 签收s its own', async () => {
    await assignItem({ client: t.client, db, taskQueue: t.taskQueue, actor: 'sec1', workingDayMs: WORKING_DAY }, { planCode: PLAN, itemCode: ITEM, lead: 'eic', cooperating: [], startDate: '2016-04-01', finalDeadline: '2016-12-31' });
    expect((await as('lead-dept', 'post', `${ITEMS}/${ITEM}/acknowledge`)).status).toBe(200);

    // Not a city, or a city twice: 422 naming the entry. Another department: no such item. A city acts on its share, which is not cascaded further.
    const notCity = await as('lead-dept', 'post', `${ITEMS}/${ITEM}/cascade`).send({ cities: [{ code: 'jinan' }, { code: 'finance' }] });
    expect(notCity.status).toBe(422);
    expect(notCity.body.error.details).toEqual([expect.objectContaining({ field: 'cities[1].code' })]);
    expect((await as('lead-dept', 'post', `${ITEMS}/${ITEM}/cascade`).send({ cities: [{ code: 'jinan' }, { code: 'jinan' }] })).status).toBe(422);
    expect((await as('other-dept', 'post', `${ITEMS}/${ITEM}/cascade`).send({ cities: [{ code: 'jinan' }] })).status).toBe(404);
    expect((await as('jinan', 'post', `${ITEMS}/${ITEM}/cascade`).send({ cities: [{ code: 'jinan' }] })).status).toBe(404);

    const cascaded = await as('lead-dept', 'post', `${ITEMS}/${ITEM}/cascade`).send({ cities: [{ code: 'jinan', weight: 2 }, { code: 'qingdao' }, { code: 'zibo' }] });
    expect([cascaded.status, cascaded.body]).toEqual([200, { started: ['jinan', 'qingdao', 'zibo'], existing: [] }]);
    const rows = await eventually(shareRows, (r) => r.length === 3, 20_000, 'three shares');
    expect(rows).toEqual([
      { city: 'jinan', workflow_id: `${ITEM_KEY}:jinan`, status: 'assigned', share_weight: 2 },
      { city: 'qingdao', workflow_id: `${ITEM_KEY}:qingdao`, status: 'assigned', share_weight: 1 },
      { city: 'zibo', workflow_id: `${ITEM_KEY}:zibo`, status: 'assigned', share_weight: 1 },
    ]);
    expect(await db('audit_events').where({ action: 'item.cascade', subject: ITEM_KEY }).count({ n: '*' }).first()).toEqual({ n: '1' });

    // A city sees the item as its share: its own workflow, the city its lead.
    const seen = await as('jinan', 'get', `${ITEMS}/${ITEM}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ itemKey: `${ITEM_KEY}:jinan`, lead: 'jinan', status: 'assigned' });
    // The provincial item is unchanged for its own lead.
    expect((await as('lead-dept', 'get', `${ITEMS}/${ITEM}`)).body).toMatchObject({ itemKey: ITEM_KEY, lead: 'eic', status: 'acknowledged' });

    for (const city of ['jinan', 'qingdao'] as const) {
      const ack = await as(city, 'post', `${ITEMS}/${ITEM}/acknowledge`);
      expect([ack.status, ack.body]).toEqual([200, { status: 'acknowledged' }]);
    }
    await eventually(shareRows, (r) => r.filter((x) => x.status === 'acknowledged').length === 2, 10_000, 'two shares acknowledged');
    // A share's report is due cascadeLeadWorkingDays (3) before the item's: 5 - 3 working days after its period ends.
    const offsets = await db('assignments').whereIn('workflow_id', [ITEM_KEY, `${ITEM_KEY}:jinan`]).orderBy('id').pluck('due_offset_working_days');
    expect(offsets).toEqual([5, 2]);
    const parent = await t.client.workflow.getHandle(ITEM_KEY).query(d.stateQuery);
    expect(parent.shares?.map((s) => [s.city, s.weight])).toEqual([
      ['jinan', 2],
      ['qingdao', 1],
      ['zibo', 1],
    ]);
  });

  test("cities' reports roll up into the lead's consolidated report and the item's weighted 序时进度", async () => {
    for (const [city, percent] of [
      ['jinan', 60],
      ['qingdao', 30],
    ] as const) {
      await eventually(() => t.client.workflow.getHandle(d.shareWorkflowId(ITEM_KEY, city)).query(d.stateQuery), (s) => s.period?.seq === 1, 10_000, `${city}'s period 1`);
      const filed = await as(city, 'post', `${ITEMS}/${ITEM}/reports`).send({ periodSeq: 1, progress: `${city}推进情况`, percentDone: percent });
      expect([filed.status, filed.body.department, filed.body.kind]).toEqual([201, city, 'consolidated']);
    }
    await eventually(
      () => t.client.workflow.getHandle(ITEM_KEY).query(d.stateQuery),
      (s) => (s.shares ?? []).filter((x) => x.latest).length === 2,
      10_000,
      "the cities' reports at the item",
    );
    await eventually(() => t.client.workflow.getHandle(ITEM_KEY).query(d.stateQuery), (s) => s.period?.seq === 1, 10_000, 'period 1');
    const report = await as('lead-dept', 'post', `${ITEMS}/${ITEM}/reports`).send({ periodSeq: 1, progress: '汇总各市推进情况', percentDone: 40 });
    expect(report.status).toBe(201);
    expect(report.body.cities).toEqual([
      expect.objectContaining({ city: 'jinan', periodSeq: 1, percentDone: 60 }),
      expect.objectContaining({ city: 'qingdao', periodSeq: 1, percentDone: 30 }),
    ]);
    const detail = await as('secretariat', 'get', `${ITEMS}/${ITEM}`);
    const consolidated = (detail.body.reports as { kind: string; cities: { city: string; percentDone: number }[] | null }[]).find((r) => r.kind === 'consolidated');
    expect(consolidated?.cities?.map((c) => [c.city, c.percentDone])).toEqual([
      ['jinan', 60],
      ['qingdao', 30],
    ]);
    // 序时进度: (2×60 + 30 + 0) / 4 = 37.5, rounded; 淄博 has not reported and counts 0.
    const parentRow = await db('assignments').where({ workflow_id: ITEM_KEY }).first('schedule_reported_percent');
    expect(parentRow.schedule_reported_percent).toBe(38);
    // Each reads its own standing: the city its share's, the secretariat the item's.
    expect((await as('jinan', 'get', `${ITEMS}/${ITEM}`)).body.schedule).toMatchObject({ reported: 60 });
    expect((await as('secretariat', 'get', `${ITEMS}/${ITEM}`)).body.schedule).toMatchObject({ reported: 38 });

    // The secretariat reviews a city's report on its share.
    const accepted = await as('secretariat', 'post', `${ITEMS}/${ITEM}/cities/jinan/review`).send({ decision: 'accept' });
    expect([accepted.status, accepted.body.status]).toEqual([200, 'accepted']);
    expect((await as('secretariat', 'post', `${ITEMS}/${ITEM}/cities/heze/review`).send({ decision: 'accept' })).status).toBe(404);

    // A city asks its share's extension; the secretariat decides it on the share.
    const share = await t.client.workflow.getHandle(d.shareWorkflowId(ITEM_KEY, 'qingdao')).query(d.stateQuery);
    const requestedDueOn = (await readCalendar(db)).addWorkingDays(share.period?.dueOn as string, 10);
    const asked = await as('qingdao', 'post', `${ITEMS}/${ITEM}/extension-requests`).send({ requestedDueOn, reason: '数据汇总需要时间' });
    expect(asked.status).toBe(201);
    const decided = await as('secretariat', 'post', `${ITEMS}/${ITEM}/cities/qingdao/extension-decision`).send({ extensionId: asked.body.extensionId, approve: true });
    expect([decided.status, decided.body.extendedDueOn]).toEqual([200, requestedDueOn]);
    expect((await as('secretariat', 'post', `${ITEMS}/${ITEM}/cities/heze/extension-decision`).send({ extensionId: asked.body.extensionId, approve: true })).status).toBe(404);

    // The city list shows each city's share with its percent.
    const cities = await as('secretariat', 'get', `${API_BASE}/cities`);
    expect(cities.status).toBe(200);
    const byCode = new Map((cities.body.cities as { code: string; shares: { item: string; status: string; percentDone: number | null }[] }[]).map((c) => [c.code, c.shares]));
    expect(byCode.size).toBe(17);
    expect(byCode.get('jinan')).toEqual([expect.objectContaining({ item: ITEM, status: 'in_progress', percentDone: 60 })]);
    expect(byCode.get('zibo')).toEqual([expect.objectContaining({ item: ITEM, status: 'assigned', percentDone: null })]);
    expect(byCode.get('heze')).toEqual([]);

    // The board counts each share for its city, and the item once for its action and its lead.
    const board = await as('secretariat', 'get', `${API_BASE}/board/summary?plan=${PLAN}`);
    expect(board.status).toBe(200);
    const rows = new Map((board.body.byDepartment as { code: string; items: number }[]).map((r) => [r.code, r.items]));
    expect([rows.get('jinan'), rows.get('qingdao'), rows.get('zibo'), rows.get('eic')]).toEqual([1, 1, 1, 1]);
    expect((board.body.byAction as { code: string; items: number }[]).find((r) => r.code === 'A01')?.items).toBe(5);
    // The scorecard has a row for each city.
    const scorecard = await as('secretariat', 'get', `${API_BASE}/scorecard`);
    expect((scorecard.body.departments as { department: string }[]).map((r) => r.department)).toEqual(expect.arrayContaining(['jinan', 'qingdao', 'zibo']));
  });

  test('a repeated cascade starts none twice; all 17 cities start once each', async () => {
    const again = await as('lead-dept', 'post', `${ITEMS}/${ITEM}/cascade`).send({ cities: [{ code: 'jinan' }, { code: 'qingdao' }] });
    expect([again.status, again.body]).toEqual([200, { started: [], existing: ['jinan', 'qingdao'] }]);
    const all = await as('secretariat', 'post', `${ITEMS}/${ITEM}/cascade`).send({ cities: ALL_CITIES.map((code) => ({ code })) });
    expect(all.status).toBe(200);
    expect(all.body.existing).toEqual(['jinan', 'qingdao', 'zibo']);
    expect(all.body.started).toEqual(ALL_CITIES.filter((c) => !['jinan', 'qingdao', 'zibo'].includes(c)));
    const once = await as('secretariat', 'post', `${ITEMS}/${ITEM}/cascade`).send({ cities: ALL_CITIES.map((code) => ({ code })) });
    expect(once.body).toEqual({ started: [], existing: ALL_CITIES });
    const rows = await eventually(shareRows, (r) => r.length === 17, 30_000, '17 shares');
    expect(new Set(rows.map((r) => r.workflow_id)).size).toBe(17);
  });

  test('cancelling the item ends every share (已撤销 in the mirror)', async () => {
    const cancelled = await as('secretariat', 'post', `${ITEMS}/${ITEM}/cancel`).send({ reason: '任务调整' });
    expect([cancelled.status, cancelled.body]).toEqual([200, { status: 'cancelled' }]);
    const rows = await eventually(shareRows, (r) => r.length === 17 && r.every((x) => x.status === 'cancelled'), 30_000, 'every share cancelled');
    expect(rows).toHaveLength(17);
    const reason = await db('assignments').where({ workflow_id: d.shareWorkflowId(ITEM_KEY, 'jinan') }).first('cancel_reason');
    expect(reason.cancel_reason).toContain('任务调整');
    // A repeat on a cancelled item is refused.
    expect((await as('secretariat', 'post', `${ITEMS}/${ITEM}/cascade`).send({ cities: [{ code: 'jinan' }] })).status).toBe(409);
    await recordHistory(t.client.workflow.getHandle(ITEM_KEY), 'item-cascade-to-cities');
    await recordHistory(t.client.workflow.getHandle(d.shareWorkflowId(ITEM_KEY, 'jinan')), 'item-city-share-reported-cancelled');
  });

  test('approving the completion (办结) of an item ends its shares', async () => {
    await assignItem({ client: t.client, db, taskQueue: t.taskQueue, actor: 'sec1', workingDayMs: WORKING_DAY }, { planCode: PLAN, itemCode: OTHER, lead: 'eic', cooperating: [], startDate: '2016-04-01', finalDeadline: '2016-12-31' });
    expect((await as('lead-dept', 'post', `${ITEMS}/${OTHER}/acknowledge`)).status).toBe(200);
    expect((await as('secretariat', 'post', `${ITEMS}/${OTHER}/cascade`).send({ cities: [{ code: 'heze' }] })).body).toEqual({ started: ['heze'], existing: [] });
    const share = () => db('assignments').where({ workflow_id: d.shareWorkflowId(OTHER_KEY, 'heze') }).first('status', 'cancel_reason');
    await eventually(share, (r) => r?.status === 'assigned', 10_000, 'the share');
    expect((await as('lead-dept', 'post', `${ITEMS}/${OTHER}/completion-request`).send({ summary: '已全面完成' })).status).toBe(200);
    expect((await as('secretariat', 'post', `${ITEMS}/${OTHER}/completion-decision`).send({ approve: true, grade: 'good' })).body).toEqual({ status: 'completed' });
    const ended = await eventually(share, (r) => r?.status === 'cancelled', 10_000, 'the share ended');
    expect(ended.cancel_reason).toBe('所属省级事项已办结');
  });
});
