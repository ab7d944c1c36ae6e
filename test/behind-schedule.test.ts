import type { Express } from 'express';
import request from 'supertest';
import YAML from 'yaml';
import { createActivities } from '../activities';
import { API_BASE, createApp } from '../api/app';
import { ledgerWorkbook } from '../api/routes/ledger';
import { assignItem } from '../api/services/assignments';
import { importPlan } from '../db/catalog/import';
import { parsePlanText } from '../db/catalog/plan-file';
import type { Db } from '../db/connection';
import * as d from '../workflows/definitions';
import { apiDeps } from './helpers/api-deps';
import { signInAll, type Who } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { defaultPlanData, silentLog } from './helpers/plans';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { eventually } from './helpers/wait';

const PLAN = 'sd-internet-plus-2016-2018';
const ITEMS = `${API_BASE}/plans/${PLAN}/items`;

/**
 * The default plan as coord-plan/v2, with milestones and an indicator on
 * A01-1 (half done by 2016-06-30); A01-2 keeps the default plan's proposed
 * milestone only: the fixture of a plan whose own text sets a schedule.
 */
function planV2(tolerance: number): string {
  const data = defaultPlanData() as Record<string, unknown> & ReturnType<typeof defaultPlanData>;
  data.format = 'coord-plan/v2';
  data.policy = { ...(data.policy as Record<string, unknown>), behindScheduleTolerance: tolerance };
  const task = data.actions[0]?.tasks[0] as Record<string, unknown>;
  task.milestones = [
    { date: '2016-06-30', percent: 50, description: '建成开放式研发设计公共服务平台' },
    { date: '2016-12-31', percent: 100, description: '平台在重点行业推广应用' },
  ];
  task.indicators = [{ name: '开放式研发设计平台', unit: '个', baseline: 2, target: 10, targetDate: '2016-12-31' }];
  return YAML.stringify(data);
}

describe('序时进度: a report that lags the schedule makes the item 滞后 and yellow', () => {
  let db: Db;
  let t: TemporalHarness;
  let app: Express;
  const tokens: Partial<Record<Who, string>> = {};
  const as = (who: Who, method: 'get' | 'post', path: string) => request(app)[method](path).set('authorization', `Bearer ${tokens[who]}`);
  const reimport = (tolerance: number) => importPlan(db, parsePlanText(planV2(tolerance), 'plan-v2.yaml'), { actor: 'test' });

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('behind_schedule'));
    await reimport(10);
    // A working day of a minute: nothing falls due while the test runs, so the only yellow is 滞后.
    t = await temporalHarness(db, 'schedule', { workingDayMs: 60_000 });
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db, { client: t.client, taskQueue: t.taskQueue, workingDayMs: 60_000 }) });
    Object.assign(tokens, await signInAll(app, db));
    for (const itemCode of ['A01-1', 'A01-2']) {
      await assignItem(
        { client: t.client, db, taskQueue: t.taskQueue, actor: 'sec1', workingDayMs: 60_000 },
        { planCode: PLAN, itemCode, lead: 'eic', cooperating: ['sti'], startDate: '2016-03-28', finalDeadline: '2016-12-31' },
      );
      expect((await as('lead-dept', 'post', `${ITEMS}/${itemCode}/acknowledge`)).status).toBe(200);
    }
    await eventually(() => db('periods').count({ n: '*' }).first(), (r) => Number((r as { n: string }).n) === 2, 20_000, 'period rows');
  });
  afterAll(async () => {
    for (const code of ['A01-1', 'A01-2']) await t?.client.workflow.getHandle(d.itemWorkflowId(PLAN, code)).terminate('test over').catch(() => undefined);
    await t?.close();
    await db?.destroy();
  });

  const report = (itemCode: string, body: Record<string, unknown>) => as('lead-dept', 'post', `${ITEMS}/${itemCode}/reports`).send({ periodSeq: 1, progress: '按计划推进', ...body });

  test('the item shows its milestones and indicators; an unknown indicator is refused naming it, and nothing is written', async () => {
    const item = await as('secretariat', 'get', `${ITEMS}/A01-1`);
    expect(item.body.milestones).toEqual([
      { date: '2016-06-30', percent: 50, description: '建成开放式研发设计公共服务平台', proposed: false },
      { date: '2016-12-31', percent: 100, description: '平台在重点行业推广应用', proposed: false },
    ]);
    expect(item.body.indicators).toEqual([{ name: '开放式研发设计平台', unit: '个', baseline: 2, target: 10, targetDate: '2016-12-31', latest: null }]);
    expect(item.body.schedule).toBeNull();

    const bad = await report('A01-1', { percentDone: 10, indicators: [{ name: '平台数', value: 3 }] });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ field: 'indicators[0].name' })]);
    const twice = await report('A01-1', { percentDone: 10, indicators: [{ name: '开放式研发设计平台', value: 3 }, { name: '开放式研发设计平台', value: 4 }] });
    expect(twice.status).toBe(422);
    expect(twice.body.error.details).toEqual([expect.objectContaining({ field: 'indicators[1].name' })]);
    const notNumber = await report('A01-1', { percentDone: 10, indicators: [{ name: '开放式研发设计平台', value: '3' }] });
    expect(notNumber.status).toBe(422);
    expect(notNumber.body.error.details).toEqual([expect.objectContaining({ field: 'indicators[0].value' })]);
    const none = await report('A01-2', { percentDone: 10, indicators: [{ name: '开放式研发设计平台', value: 3 }] });
    // The default plan sets no indicators: there is nothing to report a value for.
    expect(none.status).toBe(422);
    expect(none.body.error.message).toContain('this item has no indicators');
    expect(await db('reports').count({ n: '*' }).first()).toEqual({ n: '0' });
  });

  test('10% done when 24% was planned for 31 March: 滞后, yellow on the list, the board and the scorecard', async () => {
    expect((await report('A01-1', { percentDone: 10, indicators: [{ name: '开放式研发设计平台', value: 3 }] })).status).toBe(201);
    // A01-2 has only the default plan's proposed milestone (100% by 2018-12-31): 8% planned by 31 March, 10% is ahead.
    expect((await report('A01-2', { percentDone: 10 })).status).toBe(201);

    // 2016-01-01 (0%) to 2016-06-30 (50%): 90 of 181 days by 2016-03-31, 24%; 10% lags by 14 points, more than 10.
    const behind = { planned: 24, reported: 10, asOf: '2016-03-31', behind: true };
    const list = await eventually(
      () => as('secretariat', 'get', `${ITEMS}?behindSchedule=true`),
      (r) => r.body.total === 1,
      10_000,
      '滞后 item listed',
    );
    expect(list.body.items).toEqual([expect.objectContaining({ code: 'A01-1', colour: 'yellow', schedule: behind })]);
    const other = (await as('secretariat', 'get', `${ITEMS}?action=A01`)).body.items.find((i: { code: string }) => i.code === 'A01-2');
    expect(other).toMatchObject({ colour: 'green', schedule: { planned: 8, reported: 10, asOf: '2016-03-31', behind: false } });
    expect((await as('secretariat', 'get', `${ITEMS}/A01-2`)).body.milestones).toEqual([{ date: '2018-12-31', percent: 100, description: '到2018年全面完成(建议)', proposed: true }]);
    expect((await as('secretariat', 'get', `${ITEMS}?colour=yellow`)).body.items.map((i: { code: string }) => i.code)).toEqual(['A01-1']);

    const board = await as('leadership', 'get', `${API_BASE}/board/summary`);
    expect(board.body.byDepartment.find((r: { code: string }) => r.code === 'eic')).toMatchObject({ yellow: 1, green: 1, behindSchedule: 1 });
    expect(board.body.byAction.find((r: { code: string }) => r.code === 'A01')).toMatchObject({ behindSchedule: 1 });
    const card = await as('secretariat', 'get', `${API_BASE}/scorecard`);
    expect(card.body.departments.find((r: { department: string }) => r.department === 'eic')).toMatchObject({ behindSchedule: 1 });
    expect(card.body.departments.find((r: { department: string }) => r.department === 'agri')).toMatchObject({ behindSchedule: 0 });

    const item = await as('lead-dept', 'get', `${ITEMS}/A01-1`);
    expect(item.body.schedule).toEqual(behind);
    expect(item.body.indicators[0].latest).toMatchObject({ value: 3, periodSeq: 1 });
    expect(item.body.reports[0]).toMatchObject({ percentDone: 10, plannedPercent: 24, indicators: [{ name: '开放式研发设计平台', value: 3 }] });

    // The ledger's 序时进度 column and the digest's list say it too.
    const wb = await ledgerWorkbook(db, PLAN, 60_000);
    const ws = wb.getWorksheet('台账');
    const header = (ws?.getRow(2).values as unknown[]).slice(1);
    const row = ws?.getRows(3, ws.rowCount - 2)?.find((r) => r.getCell(header.indexOf('编号') + 1).value === 'A01-1');
    expect([row?.getCell(header.indexOf('红黄绿灯') + 1).value, row?.getCell(header.indexOf('序时进度') + 1).value]).toEqual(['黄', '计划24%,实际10%,滞后']);
    const digest = await createActivities({ db, log: silentLog, workingDayMs: 60_000 }).buildWeeklyDigest();
    expect(digest.behindSchedule).toEqual([{ itemKey: d.itemWorkflowId(PLAN, 'A01-1'), title: '推广开放式研发设计', lead: 'eic', planned: 24, reported: 10, asOf: '2016-03-31' }]);
    const notice = await db('notifications').where({ kind: 'digest', key: digest.key }).first('body');
    expect(notice?.body).toContain('序时进度滞后1项:\n1. 推广开放式研发设计(省经济和信息化委):截至2016年3月31日,计划24%,实际10%,滞后');
  });

  test('a plan import with a wider tolerance re-judges the item: no longer 滞后, no longer yellow', async () => {
    const result = await reimport(20);
    expect(result.changes).toBeGreaterThan(0);
    expect((await as('secretariat', 'get', `${ITEMS}?behindSchedule=true`)).body.total).toBe(0);
    const item = (await as('secretariat', 'get', `${ITEMS}?action=A01`)).body.items.find((i: { code: string }) => i.code === 'A01-1');
    expect(item).toMatchObject({ colour: 'green', schedule: { planned: 24, reported: 10, behind: false } });
    // The same file again changes nothing.
    expect((await reimport(20)).changes).toBe(0);
    await reimport(10);
    expect((await as('secretariat', 'get', `${ITEMS}?behindSchedule=true`)).body.total).toBe(1);
  });
});

describe('plan format coord-plan/v2', () => {
  const withTask = (format: string, task: Record<string, unknown>) => {
    const data = defaultPlanData() as Record<string, unknown> & ReturnType<typeof defaultPlanData>;
    data.format = format;
    // A v1 file as v1 files were: the default plan without its proposed milestones.
    if (format === 'coord-plan/v1') for (const item of [...data.actions.flatMap((a) => a.tasks), ...data.safeguards.flatMap((m) => m.items)]) delete (item.proposal as { milestones?: unknown }).milestones;
    Object.assign(data.actions[0]?.tasks[0] as Record<string, unknown>, task);
    return YAML.stringify(data);
  };
  const problems = (text: string) => {
    try {
      parsePlanText(text, 'plan.yaml');
      return [];
    } catch (err) {
      return (err as { issues: { path: string; message: string }[] }).issues;
    }
  };

  test('a v1 file loads as it is; milestones in it are refused, naming where they are', () => {
    expect(problems(withTask('coord-plan/v1', {}))).toEqual([]);
    expect(problems(withTask('coord-plan/v1', { milestones: [{ date: '2016-06-30', percent: 50, description: '过半' }] }))).toEqual([
      { path: 'actions[0].tasks[0].milestones', message: 'milestones need format coord-plan/v2' },
    ]);
  });

  test('milestones out of order, falling back, outside the plan period or over 100% are refused by field', () => {
    const found = problems(
      withTask('coord-plan/v2', {
        milestones: [
          { date: '2016-06-30', percent: 50, description: 'a' },
          { date: '2016-03-31', percent: 40, description: 'b' },
          { date: '2019-06-30', percent: 101, description: 'c' },
        ],
        indicators: [
          { name: '平台', unit: '个', target: 10, targetDate: '2018-12-31' },
          { name: '平台', unit: '个', target: 12, targetDate: '2018-12-31' },
        ],
      }),
    ).map((p) => p.path);
    expect(found).toEqual(
      expect.arrayContaining([
        'actions[0].tasks[0].milestones[1].date',
        'actions[0].tasks[0].milestones[1].percent',
        'actions[0].tasks[0].milestones[2].percent',
        'actions[0].tasks[0].indicators[1].name',
      ]),
    );
  });

  test('the tolerance is a whole number of points from 0 to 100', () => {
    const data = defaultPlanData() as Record<string, unknown>;
    data.policy = { ...(data.policy as Record<string, unknown>), behindScheduleTolerance: 150 };
    expect(problems(YAML.stringify(data)).map((p) => p.path)).toEqual(['policy.behindScheduleTolerance']);
  });
});
