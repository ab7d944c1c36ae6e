import ExcelJS from 'exceljs';
import type { Express } from 'express';
import request from 'supertest';
import { createActivities } from '../activities';
import { API_BASE, createApp } from '../api/app';
import { apiDeps } from './helpers/api-deps';
import { assignItem } from '../api/services/assignments';
import type { Db } from '../db/connection';
import * as d from '../workflows/definitions';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { eventually } from './helpers/wait';
import { binaryBody, signInAll, type Who } from './helpers/api-users';

const PLAN = 'sd-internet-plus-2016-2018';
const ITEM = `${API_BASE}/plans/${PLAN}/items`;


/** A01-1's one accepted period, reported on time: the same on every reader, on both clocks. */
const ON_TIME_BOTH_CLOCKS = {
  board: { acceptedPeriods: 1, onTime: 1, onTimeRate: 1, onTimeOriginal: 1, onTimeRateOriginal: 1 },
  scorecard: { acceptedPeriods: 1, onTimeOriginal: 1, onTimeRateOriginal: 1, onTimeExtended: 1, onTimeRateExtended: 1 },
};

interface InboxBody {
  pendingAcknowledgements: { item: string; role: string }[];
  reportsDue: { item: string; periodSeq: number; role: string; dueOn: string }[];
  notifications: { id: number; kind: string; readAt: string | null }[];
}

describe('HTTP API: inbox, board, scorecard, timeline, digests, ledger, metrics', () => {
  let db: Db;
  let t: TemporalHarness;
  let app: Express;
  const tokens: Partial<Record<Who, string>> = {};

  const as = (who: Who, method: 'get' | 'post', path: string) => {
    const r = request(app)[method](path);
    return who === 'anonymous' ? r : r.set('authorization', `Bearer ${tokens[who]}`);
  };
  const assign = (itemCode: string) =>
    assignItem({ client: t.client, db, taskQueue: t.taskQueue, actor: 'sec1', workingDayMs: 2_000 }, { planCode: PLAN, itemCode, lead: 'eic', cooperating: ['sti'], startDate: '2016-03-28', finalDeadline: '2016-06-30' });

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('api_board'));
    // Two-second working days: an item left unacknowledged is chased (催办) within seconds.
    t = await temporalHarness(db, 'api-board', { workingDayMs: 2_000 });
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db, { client: t.client, taskQueue: t.taskQueue }) });
    Object.assign(tokens, await signInAll(app, db));
    await assign('A01-1');
    await assign('A01-2');
    await eventually(() => db('assignments').count({ n: '*' }).first(), (r) => Number((r as { n: string }).n) === 2, 10_000, 'assignment rows');
  });
  afterAll(async () => {
    for (const code of ['A01-1', 'A01-2']) await t?.client.workflow.getHandle(d.itemWorkflowId(PLAN, code)).terminate('test over').catch(() => undefined);
    await t?.close();
    await db?.destroy();
  });

  test('inbox: the lead and the co-operating department see their pending acknowledgements, other departments none; other roles are refused', async () => {
    const lead = await as('lead-dept', 'get', `${API_BASE}/inbox`);
    expect(lead.status).toBe(200);
    expect((lead.body as InboxBody).pendingAcknowledgements.map((a) => a.item)).toEqual(['A01-1', 'A01-2']);
    // The co-operating department 签收 too: the same items wait for it, marked as its co-operation.
    const coop = await as('coop-dept', 'get', `${API_BASE}/inbox`);
    expect((coop.body as InboxBody).pendingAcknowledgements.map((a) => [a.item, a.role])).toEqual([
      ['A01-1', 'cooperating'],
      ['A01-2', 'cooperating'],
    ]);
    const other = await as('other-dept', 'get', `${API_BASE}/inbox`);
    expect(other.body).toMatchObject({ department: 'agri', pendingAcknowledgements: [], reportsDue: [], notifications: [] });
    for (const who of ['secretariat', 'leadership', 'admin'] as const) expect((await as(who, 'get', `${API_BASE}/inbox`)).status).toBe(403);
    expect((await as('anonymous', 'get', `${API_BASE}/inbox`)).status).toBe(401);
  });

  test('acknowledge and report through the API: reports due for lead and co-operating, then the accepted period on the board', async () => {
    expect((await as('lead-dept', 'post', `${ITEM}/A01-1/acknowledge`).set('x-request-id', 'board-ack')).status).toBe(200);
    await eventually(() => db('periods').where({ seq: 1 }).first(), (p) => p !== undefined, 10_000, 'period 1 row');

    const due = (await as('lead-dept', 'get', `${API_BASE}/inbox`)).body as InboxBody;
    expect(due.pendingAcknowledgements.map((a) => a.item)).toEqual(['A01-2']);
    expect(due.reportsDue).toEqual([expect.objectContaining({ item: 'A01-1', periodSeq: 1, role: 'lead', dueOn: expect.stringMatching(/^2016-04-\d\d$/) })]);
    const coopDue = (await as('coop-dept', 'get', `${API_BASE}/inbox`)).body as InboxBody;
    expect(coopDue.reportsDue).toEqual([expect.objectContaining({ item: 'A01-1', periodSeq: 1, role: 'cooperating' })]);
    expect(((await as('other-dept', 'get', `${API_BASE}/inbox`)).body as InboxBody).reportsDue).toEqual([]);

    expect((await as('coop-dept', 'post', `${ITEM}/A01-1/reports`).send({ periodSeq: 1, progress: '提供研发平台清单', percentDone: 30 })).status).toBe(201);
    expect((await as('lead-dept', 'post', `${ITEM}/A01-1/reports`).send({ periodSeq: 1, progress: '完成平台建设方案', percentDone: 40 })).status).toBe(201);
    expect((await as('secretariat', 'post', `${ITEM}/A01-1/review`).send({ decision: 'accept' })).status).toBe(200);
    await eventually(() => db('periods').where({ seq: 1, status: 'accepted' }).first(), (p) => p !== undefined, 10_000, 'period 1 accepted');

    const summary = await as('leadership', 'get', `${API_BASE}/board/summary`);
    expect(summary.status).toBe(200);
    const byAction = summary.body.byAction as { code: string; items: number; byStatus: Record<string, number>; acceptedPeriods: number }[];
    expect(byAction.reduce((n, a) => n + a.items, 0)).toBe(56);
    const a01 = byAction.find((a) => a.code === 'A01');
    expect(a01).toMatchObject({ acceptedPeriods: 1 });
    expect(a01?.byStatus.unassigned).toBe((a01?.items ?? 0) - 2);
    const eic = (summary.body.byDepartment as { code: string }[]).find((x) => x.code === 'eic') as Record<string, unknown>;
    // Reported within seconds of a 16-second (eight working days) deadline: on time on both clocks.
    expect(eic).toMatchObject({ items: 2, ...ON_TIME_BOTH_CLOCKS.board });
    expect((eic.red as number) + (eic.yellow as number) + (eic.green as number)).toBe(2);
    expect((summary.body.byDepartment as { code: string }[]).map((x) => x.code)).toEqual(['eic']);

    // The scorecard agrees with the board: the workflow's verdict on the compressed clock, not the report's
    // real date (2026) against the 2016 due date, which called it late on both clocks.
    const card = await as('secretariat', 'get', `${API_BASE}/scorecard`);
    const rows = card.body.departments as { department: string }[];
    expect(rows.find((r) => r.department === 'eic')).toMatchObject({ ...ON_TIME_BOTH_CLOCKS.scorecard, returnedReports: 0, extensions: 0 });
    expect(rows.find((r) => r.department === 'agri')).toMatchObject({ acceptedPeriods: 0, onTimeRateOriginal: null });
    const own = await as('lead-dept', 'get', `${API_BASE}/scorecard`);
    expect((own.body.departments as { department: string }[]).map((r) => r.department)).toEqual(['eic']);
    const other = await as('other-dept', 'get', `${API_BASE}/scorecard`);
    expect(other.body.departments).toEqual([expect.objectContaining({ department: 'agri', acceptedPeriods: 0 })]);
    expect((await as('admin', 'get', `${API_BASE}/scorecard`)).status).toBe(403);
  });

  test('notifications: mark one read (audited), unread filter; another department gets 404, other roles 403', async () => {
    const inbox = (await as('lead-dept', 'get', `${API_BASE}/inbox`)).body as InboxBody;
    expect(inbox.notifications.length).toBeGreaterThan(0);
    const first = inbox.notifications.find((n) => n.kind === 'assignment') as InboxBody['notifications'][number];
    expect(first.readAt).toBeNull();

    expect((await as('other-dept', 'post', `${API_BASE}/inbox/notifications/${first.id}/read`)).status).toBe(404);
    expect((await as('coop-dept', 'post', `${API_BASE}/inbox/notifications/${first.id}/read`)).status).toBe(404);
    expect((await as('secretariat', 'post', `${API_BASE}/inbox/notifications/${first.id}/read`)).status).toBe(403);
    expect((await as('lead-dept', 'post', `${API_BASE}/inbox/notifications/999999/read`)).status).toBe(404);
    expect((await as('lead-dept', 'post', `${API_BASE}/inbox/notifications/abc/read`)).status).toBe(422);

    const read = await as('lead-dept', 'post', `${API_BASE}/inbox/notifications/${first.id}/read`).set('x-request-id', 'req-read-1');
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: first.id, readAt: expect.any(String) });
    const again = await as('lead-dept', 'post', `${API_BASE}/inbox/notifications/${first.id}/read`);
    expect(again.body.readAt).toBe(read.body.readAt);
    const audit = await db('audit_events').where({ action: 'notification.read' });
    expect(audit).toEqual([expect.objectContaining({ actor: 'eic1', request_id: 'req-read-1', subject: `notification:${first.id}` })]);

    const unread = (await as('lead-dept', 'get', `${API_BASE}/inbox?unread=true`)).body as InboxBody;
    expect(unread.notifications.map((n) => n.id)).not.toContain(first.id);
    expect(unread.notifications.every((n) => n.readAt === null)).toBe(true);
    const all = (await as('lead-dept', 'get', `${API_BASE}/inbox`)).body as InboxBody;
    expect(all.notifications.find((n) => n.id === first.id)?.readAt).toBe(read.body.readAt);
  });

  test('escalations: the unacknowledged item is chased, shown on the board, in the scorecard and in its timeline', async () => {
    await eventually(() => db('escalations').first(), (e) => e !== undefined, 30_000, 'an escalation');
    const board = await as('secretariat', 'get', `${API_BASE}/board/escalations`);
    expect(board.status).toBe(200);
    expect(board.body.escalations).toEqual(
      expect.arrayContaining([expect.objectContaining({ item: 'A01-2', lead: 'eic', subject: 'acknowledgement', rung: 'cuiban', level: 1, since: expect.any(String) })]),
    );
    for (const who of ['lead-dept', 'other-dept', 'admin'] as const) expect((await as(who, 'get', `${API_BASE}/board/escalations`)).status).toBe(403);

    const summary = await as('secretariat', 'get', `${API_BASE}/board/summary`);
    const eic = (summary.body.byDepartment as { code: string; openEscalations: number; red: number }[]).find((x) => x.code === 'eic');
    expect(eic?.openEscalations).toBeGreaterThanOrEqual(1);
    expect(eic?.red).toBeGreaterThanOrEqual(1);
    const card = await as('leadership', 'get', `${API_BASE}/scorecard`);
    expect((card.body.departments as { department: string; escalations: number }[]).find((r) => r.department === 'eic')?.escalations).toBeGreaterThanOrEqual(1);

    const timeline = await as('lead-dept', 'get', `${ITEM}/A01-2/timeline`);
    expect(timeline.status).toBe(200);
    const texts = (timeline.body.events as { text: string }[]).map((e) => e.text);
    expect(texts[0]).toMatch(/^交办,牵头单位省经济和信息化委,配合单位省科技厅$/);
    // The rung names the party chased, in its name (issue 21, point 8).
    expect(texts).toContain('催办:省经济和信息化委逾期未签收');
    expect(texts.join('\n')).not.toMatch(/[A-Za-z]|第0期/);
  });

  test('timeline: the human events of an item in time order; a department not party to it gets 404', async () => {
    const res = await as('coop-dept', 'get', `${ITEM}/A01-1/timeline`);
    expect(res.status).toBe(200);
    const events = res.body.events as { at: string; actor: string; kind: string; text: string }[];
    const at = events.map((e) => Date.parse(e.at));
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(events.map((e) => e.text)).toEqual(expect.arrayContaining(['签收', '报送第1期进展', '省科技厅报送第1期配合材料', '第1期进展审核通过']));
    expect(events.find((e) => e.text === '签收')).toMatchObject({ actor: 'eic1', kind: 'acknowledge' });
    expect(events.findIndex((e) => e.text === '签收')).toBeLessThan(events.findIndex((e) => e.text === '报送第1期进展'));
    expect((await as('other-dept', 'get', `${ITEM}/A01-1/timeline`)).status).toBe(404);
    expect((await as('leadership', 'get', `${ITEM}/A01-1/timeline`)).status).toBe(200);
    expect((await as('secretariat', 'get', `${ITEM}/Z99-9/timeline`)).status).toBe(404);
  });

  test('digests: the stored weekly digests, newest first, for the secretariat and leadership only', async () => {
    expect((await as('secretariat', 'get', `${API_BASE}/digests`)).body.digests).toEqual([]);
    const built = await createActivities({ db, log: silentLog }).buildWeeklyDigest();
    await db('digests').insert({ key: 'digest:2016-04-04', week_of: '2016-04-04', body: JSON.stringify({ old: true }), generated_at: new Date('2016-04-04T01:00:00Z') });
    const res = await as('leadership', 'get', `${API_BASE}/digests`);
    expect(res.body.digests.map((x: { weekOf: string }) => x.weekOf)).toEqual([built.weekOf, '2016-04-04']);
    expect(res.body.digests[0].body.totals.items).toBe(2);
    expect(built.byDepartment.find((x) => x.code === 'eic')).toMatchObject(ON_TIME_BOTH_CLOCKS.board);
    for (const who of ['lead-dept', 'admin'] as const) expect((await as(who, 'get', `${API_BASE}/digests`)).status).toBe(403);
  });

  test('ledger.xlsx: a title row, the official columns, one row per plan item, parsed back with exceljs', async () => {
    const res = await as('secretariat', 'get', `${API_BASE}/ledger.xlsx`)
      .buffer(true)
      .parse(binaryBody);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="ledger-\d{4}-\d{2}-\d{2}\.xlsx"; filename\*=UTF-8''/);
    const wb = new ExcelJS.Workbook();
    const body = res.body as Buffer;
    // exceljs declares its own Buffer type; an exact ArrayBuffer of the bytes satisfies it.
    await wb.xlsx.load(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer);
    const ws = wb.getWorksheet('台账');
    // The title row, the header row, then the 56 items.
    expect(ws?.rowCount).toBe(58);
    expect(ws?.getCell('A1').text).toMatch(/^山东省“互联网\+”行动计划\(2016-2018年\)推进情况台账\n填报单位:山东省“互联网\+”行动计划领导小组办公室\(设在省发展改革委\)\u3000\u3000截至日期:\d{4}年\d{1,2}月\d{1,2}日$/);
    const header = (ws?.getRow(2).values as unknown[]).slice(1);
    expect(header).toEqual(['序号', '编号', '事项', '牵头单位', '配合单位', '完成时限', '状态', '红黄绿灯', '序时进度', '工作进展', '存在问题', '下步打算', '督办次数', '最高层级', '评定等次']);
    const col = (name: string) => header.indexOf(name) + 1;
    const row = (code: string) => ws?.getRows(3, 56)?.find((r) => r.getCell(col('编号')).value === code);
    const a011 = row('A01-1');
    expect(a011?.getCell(col('序号')).value).toBe(1);
    expect(a011?.getCell(col('牵头单位')).value).toBe('省经济和信息化委');
    expect(a011?.getCell(col('配合单位')).value).toBe('省科技厅');
    expect(a011?.getCell(col('完成时限')).value).toBe('2016年6月30日');
    // 40% done by 2016-03-31, where the default plan's proposed 序时进度 (100% by 2018-12-31) asks for 8%.
    expect(a011?.getCell(col('序时进度')).value).toBe('计划8%,实际40%');
    expect(a011?.getCell(col('工作进展')).value).toBe('完成平台建设方案');
    expect(row('A01-2')?.getCell(col('最高层级')).value).toMatch(/催办|督办|上报领导小组/);
    expect(row('A01-3')?.getCell(col('状态')).value).toBe('未交办');
    expect(row('A01-3')?.getCell(col('序时进度')).value).toBe('');
    for (const who of ['lead-dept', 'admin'] as const) expect((await as(who, 'get', `${API_BASE}/ledger.xlsx`)).status).toBe(403);
  });

  test('/metrics: request latency by route pattern, workflow operations, notifications sent per channel', async () => {
    const message = (await db('notification_messages').first('id')) as { id: string };
    await db('notification_deliveries').insert({ message_id: message.id, channel: 'webhook', status: 'sent', attempts: 1, sent_at: new Date() });
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/coord_http_request_duration_seconds_bucket\{[^}]*method="GET",route="\/api\/v1\/inbox",status="200"/);
    expect(res.text).toMatch(/coord_http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/plans\/:plan\/items\/:item\/timeline",status="404"\}/);
    // Counted where the item routes call the workflow: the one acknowledgement made through the API above.
    expect(res.text).toMatch(/coord_workflow_operations_total\{operation="acknowledge"\} 1/);
    expect(res.text).toMatch(/coord_workflow_operations_total\{operation="submitReport"\} [1-9]/);
    expect(res.text).toContain('coord_notifications_sent{channel="webhook"} 1');
    expect(res.text).toContain('coord_notifications_sent{channel="email"} 0');
  });
});
