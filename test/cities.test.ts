import type { Express } from 'express';
import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import type { Db } from '../db/connection';
import * as d from '../workflows/definitions';
import { apiDeps } from './helpers/api-deps';
import { PASSWORD, signInAll, type Who } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { eventually } from './helpers/wait';

const PLAN = 'sd-internet-plus-2016-2018';
const ITEMS = `${API_BASE}/plans/${PLAN}/items`;
/** A working day of a minute: nothing falls due while the test runs. */
const WORKING_DAY = 60_000;
/** 2016-2018: 莱芜 was merged into 济南 only in January 2019. */
const CITIES = ['济南市', '青岛市', '淄博市', '枣庄市', '东营市', '烟台市', '潍坊市', '济宁市', '泰安市', '威海市', '日照市', '莱芜市', '临沂市', '德州市', '聊城市', '滨州市', '菏泽市'];

/** The liaisons this file adds through the admin API: two cities' and the lead department's. */
const LIAISONS = { jinan: 'jinan1', qingdao: 'qingdao1', commerce: 'commerce1' } as const;
type Liaison = keyof typeof LIAISONS;

/**
 * Cities (设区市) as parties, through the API on the real Temporal dev server:
 * the directory has the 17 cities of 2016-2018, the administrator gives a city
 * its liaison, the secretariat names cities as co-operating departments, and
 * a city's liaison sees, 签收s and files input for its own items only, with
 * the same department-level scoping as a provincial department's.
 */
describe('cities as parties to items', () => {
  let db: Db;
  let t: TemporalHarness;
  let app: Express;
  const tokens: Partial<Record<Who | Liaison, string>> = {};
  const as = (who: Who | Liaison, method: 'get' | 'post', path: string) => request(app)[method](path).set('authorization', `Bearer ${tokens[who]}`);
  const itemCodes = (who: Liaison, query = '') => as(who, 'get', `${ITEMS}${query}`).then((r) => (r.body.items as { code: string }[]).map((i) => i.code));

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('cities'));
    t = await temporalHarness(db, 'cities', { workingDayMs: WORKING_DAY });
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db, { client: t.client, taskQueue: t.taskQueue, workingDayMs: WORKING_DAY }) });
    Object.assign(tokens, await signInAll(app, db));
  });
  afterAll(async () => {
    for (const code of ['A07-1', 'A07-2']) await t?.client.workflow.getHandle(d.itemWorkflowId(PLAN, code)).terminate('test over').catch(() => undefined);
    await t?.close();
    await db?.destroy();
  });

  test('the directory has the 17 cities as 设区市 entries; the administrator gives each city its own liaison', async () => {
    const directory = await as('secretariat', 'get', `${API_BASE}/departments`);
    expect(directory.status).toBe(200);
    const cities = (directory.body.departments as { code: string; name: string; shortName: string; kind: string }[]).filter((x) => x.kind === 'city');
    expect(cities.map((c) => c.shortName).sort()).toEqual([...CITIES].sort());
    expect(cities.find((c) => c.code === 'laiwu')).toMatchObject({ name: '莱芜市人民政府', shortName: '莱芜市' });
    expect(cities.find((c) => c.code === 'qingdao')).toMatchObject({ name: '青岛市人民政府', shortName: '青岛市' });

    for (const [department, username] of Object.entries(LIAISONS)) {
      const added = await as('admin', 'post', `${API_BASE}/users`).send({ username, password: PASSWORD, role: 'department', department });
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({ username, role: 'department', department });
      const login = await request(app).post(`${API_BASE}/auth/login`).send({ username, password: PASSWORD });
      expect(login.status).toBe(200);
      tokens[department as Liaison] = login.body.token;
    }
    expect((await as('jinan', 'get', `${API_BASE}/auth/me`)).body).toEqual({ username: 'jinan1', role: 'department', department: 'jinan' });
    // A city liaison is a department user like any other: only the administrator adds one.
    expect((await as('jinan', 'post', `${API_BASE}/users`).send({ username: 'jinan2', password: PASSWORD, role: 'department', department: 'jinan' })).status).toBe(403);
  });

  test('the secretariat names cities as co-operating; each city sees its own item and no other (404)', async () => {
    const assign = (item: string, cooperating: string[]) =>
      as('secretariat', 'post', `${ITEMS}/${item}/assign`).send({ lead: 'commerce', cooperating, startDate: '2016-03-28', finalDeadline: '2016-12-31' });
    // 推进电子商务进农村和社区 with 济南市, 加快建设重点行业电子商务平台 with 青岛市.
    const jinanItem = await assign('A07-2', ['supply', 'jinan']);
    expect(jinanItem.status).toBe(201);
    expect(jinanItem.body.cooperating).toEqual(['supply', 'jinan']);
    expect((await assign('A07-1', ['qingdao'])).status).toBe(201);

    expect(await itemCodes('jinan')).toEqual(['A07-2']);
    expect(await itemCodes('qingdao')).toEqual(['A07-1']);
    // Asking for another city's items gives nothing, as it does a department.
    expect(await itemCodes('jinan', '?department=qingdao')).toEqual([]);
    expect(await itemCodes('commerce')).toEqual(['A07-1', 'A07-2']);

    const detail = await as('jinan', 'get', `${ITEMS}/A07-2`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ code: 'A07-2', lead: 'commerce', cooperating: expect.arrayContaining(['supply', 'jinan']), status: 'assigned' });
    expect((await as('qingdao', 'get', `${ITEMS}/A07-2`)).status).toBe(404);
    expect((await as('jinan', 'get', `${ITEMS}/A07-1`)).status).toBe(404);
    // Nor an item no one has been given yet.
    expect((await as('jinan', 'get', `${ITEMS}/A07-3`)).status).toBe(404);
    expect((await as('qingdao', 'get', `${ITEMS}/A07-2/timeline`)).status).toBe(404);
    const timeline = await as('jinan', 'get', `${ITEMS}/A07-2/timeline`);
    expect(timeline.status).toBe(200);
    // The city by its Chinese name, as every department is.
    expect(timeline.body.events.map((e: { text: string }) => e.text)).toContain('交办,牵头单位省商务厅,配合单位省供销社、济南市');
  });

  test("the city's liaison 签收s and files its input, which reaches the lead's report; another city's liaison can do neither", async () => {
    const key = d.itemWorkflowId(PLAN, 'A07-2');
    expect((await as('commerce', 'post', `${ITEMS}/A07-2/acknowledge`)).status).toBe(200);
    expect((await as('qingdao', 'post', `${ITEMS}/A07-2/acknowledge`)).status).toBe(404);
    expect((await as('jinan', 'post', `${ITEMS}/A07-2/acknowledge`)).status).toBe(200);
    const again = await as('jinan', 'post', `${ITEMS}/A07-2/acknowledge`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('already acknowledged');

    await eventually(() => db('periods as pe').join('assignments as a', 'a.id', 'pe.assignment_id').where('a.workflow_id', key).first('pe.seq'), (p) => p !== undefined, 20_000, 'period 1 of A07-2');
    const inbox = await eventually(
      () => as('jinan', 'get', `${API_BASE}/inbox`),
      (r) => (r.body.notifications as { kind: string }[]).some((n) => n.kind === 'assignment'),
      10_000,
      "济南市's assignment notice",
    );
    expect(inbox.body.department).toBe('jinan');
    expect(inbox.body.reportsDue).toEqual([expect.objectContaining({ item: 'A07-2', periodSeq: 1, role: 'cooperating' })]);
    expect((inbox.body.notifications as { itemKey: string }[]).every((n) => n.itemKey === key)).toBe(true);
    // 青岛市's inbox has its own item's notices only, and nothing due of 济南市's item.
    const other = await eventually(
      () => as('qingdao', 'get', `${API_BASE}/inbox`),
      (r) => (r.body.notifications as { kind: string }[]).some((n) => n.kind === 'assignment'),
      10_000,
      "青岛市's assignment notice",
    );
    expect((other.body.notifications as { itemKey: string }[]).every((n) => n.itemKey === d.itemWorkflowId(PLAN, 'A07-1'))).toBe(true);
    expect(other.body.reportsDue).toEqual([]);

    const body = { periodSeq: 1, progress: '济南市已启动电子商务进农村综合示范建设', percentDone: 30 };
    expect((await as('qingdao', 'post', `${ITEMS}/A07-2/reports`).send(body)).status).toBe(404);
    const input = await as('jinan', 'post', `${ITEMS}/A07-2/reports`).send(body);
    expect(input.status).toBe(201);
    expect(input.body).toMatchObject({ department: 'jinan', kind: 'input', periodSeq: 1, version: 1 });
    const report = await as('commerce', 'post', `${ITEMS}/A07-2/reports`).send({ periodSeq: 1, progress: '汇总各单位进展', percentDone: 30 });
    expect(report.status).toBe(201);
    expect(report.body.inputs).toEqual([{ department: 'jinan', receiptId: input.body.receiptId, version: 1, receivedAt: input.body.receivedAt }]);
    expect(report.body.missingInputs).toEqual(['supply']);

    const detail = await as('secretariat', 'get', `${ITEMS}/A07-2`);
    expect(detail.body.cooperatorAcks).toEqual([
      { department: 'jinan', acknowledgedAt: expect.any(String), expected: true },
      { department: 'supply', acknowledgedAt: null, expected: true },
    ]);
    // Audited under the city liaison's own name.
    const audited = (await db('audit_events').where({ subject: key, actor: 'jinan1' }).orderBy('id').pluck('action')) as string[];
    expect(audited).toEqual(['item.acknowledge', 'item.report']);
  });
});
