import type { Express } from 'express';
import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import { assignItem } from '../api/services/assignments';
import type { Db } from '../db/connection';
import * as d from '../workflows/definitions';
import { apiDeps } from './helpers/api-deps';
import { signInAll, type Who } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { recordHistory } from './helpers/histories';
import { silentLog } from './helpers/plans';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { eventually } from './helpers/wait';

const PLAN = 'sd-internet-plus-2016-2018';
const ITEMS = `${API_BASE}/plans/${PLAN}/items`;
/**
 * One working day lasts two seconds: the ladders of an instruction and of the co-operating inputs run in
 * seconds, and the first test's 签收 and 批示 still fall on the day of assignment when the machine is busy
 * (with one second, three API writes on a loaded 2-core machine sometimes crossed into the next day).
 */
const WORKING_DAY = 2_000;

/**
 * The supervision loop through the API, on the real Temporal dev server and
 * PostgreSQL: a leader's instruction (批示) asks for 落实反馈, which is
 * reminded and chased up the ladder until the lead files it; co-operating
 * departments 签收, owe their input two working days before the lead's
 * report, are reminded and chased once, and the consolidated report shows
 * which inputs arrived and when.
 */
describe('the supervision loop: 批示 feedback and co-operating deadlines', () => {
  let db: Db;
  let t: TemporalHarness;
  let app: Express;
  const tokens: Partial<Record<Who, string>> = {};
  const as = (who: Who, method: 'get' | 'post', path: string) => request(app)[method](path).set('authorization', `Bearer ${tokens[who]}`);
  const assign = (itemCode: string, extra: Record<string, unknown>) =>
    assignItem({ client: t.client, db, taskQueue: t.taskQueue, actor: 'sec1', workingDayMs: WORKING_DAY }, { planCode: PLAN, itemCode, lead: 'eic', cooperating: ['sti'], finalDeadline: '2016-12-31', ...extra });
  const notices = (itemCode: string, department: string, kind: string) =>
    db('notifications as n')
      .join('departments as dp', 'dp.id', 'n.department_id')
      .where({ 'n.item_key': d.itemWorkflowId(PLAN, itemCode), 'dp.code': department, 'n.kind': kind })
      .orderBy('n.id')
      .select('n.key', 'n.title', 'n.body');

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('supervision_loop'));
    t = await temporalHarness(db, 'loop', { workingDayMs: WORKING_DAY });
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db, { client: t.client, taskQueue: t.taskQueue, workingDayMs: WORKING_DAY }) });
    Object.assign(tokens, await signInAll(app, db));
  });
  afterAll(async () => {
    for (const code of ['A01-3', 'A01-4', 'A01-5']) await t?.client.workflow.getHandle(d.itemWorkflowId(PLAN, code)).terminate('test over').catch(() => undefined);
    await t?.close();
    await db?.destroy();
  });

  test('批示: 落实反馈 due in one working day, reminded, chased (催办), then filed late; the leader sees it beside the instruction', async () => {
    // A quarter's report is due far ahead (2016-07-08): the only ladder that runs here is the instruction's.
    await assign('A01-3', { startDate: '2016-04-01' });
    expect((await as('lead-dept', 'post', `${ITEMS}/A01-3/acknowledge`)).status).toBe(200);

    const issued = await as('leadership', 'post', `${ITEMS}/A01-3/instructions`).send({ text: '请加快推进,一周内报告进展', respondWithinWorkingDays: 1 });
    expect(issued.status).toBe(201);
    // Issued on 2016-04-01 (Fri); one working day later, past 清明 (04-04): Tuesday 04-05.
    expect(issued.body.feedbackDueOn).toBe('2016-04-05');
    const id = (issued.body.instructionKey as string).split(':').pop() as string;
    expect((await notices('A01-3', 'eic', 'instruction'))[0]?.body).toContain('请牵头单位于2016年4月5日前反馈落实情况');

    // Unknown instructions, other departments and bad text are refused, naming why.
    expect((await as('coop-dept', 'post', `${ITEMS}/A01-3/instructions/${id}/feedback`).send({ text: '配合单位不能反馈' })).status).toBe(403);
    expect((await as('lead-dept', 'post', `${ITEMS}/A01-3/instructions/not-a-uuid/feedback`).send({ text: 'x' })).status).toBe(422);
    const unknown = await as('lead-dept', 'post', `${ITEMS}/A01-3/instructions/00000000-0000-4000-8000-000000000000/feedback`).send({ text: '已落实' });
    expect(unknown.status).toBe(409);
    expect(unknown.body.error.message).toContain('awaits no 落实反馈');
    expect((await as('lead-dept', 'post', `${ITEMS}/A01-3/instructions/${id}/feedback`).send({ text: '' })).status).toBe(422);

    // The 落实反馈 is late: 催办 on 04-06, and the item is red (its escalation level is up).
    const chase = await eventually(
      () => db('escalations').where({ subject: 'instruction', rung: 'cuiban' }).first('period_seq', 'business_date', 'resolved_at'),
      (e) => e !== undefined,
      40_000,
      "the instruction's 催办",
    );
    expect(chase).toMatchObject({ period_seq: 1, business_date: '2016-04-06', resolved_at: null });
    // The 催办's notice is written just after its escalation row.
    const chased = await eventually(
      async () => (await notices('A01-3', 'eic', 'escalation')).map((n) => n.body).join('\n'),
      (bodies) => bodies.length > 0,
      10_000,
      "the 催办's notice",
    );
    expect(chased).toContain('第1条领导批示的落实情况应于2016年4月5日前反馈,至今未反馈');
    expect(await notices('A01-3', 'eic', 'reminder')).toEqual(expect.arrayContaining([expect.objectContaining({ body: expect.stringContaining('领导批示的落实反馈') })]));
    await eventually(() => db('assignments').where({ workflow_id: d.itemWorkflowId(PLAN, 'A01-3') }).first('escalation_level'), (a) => a?.escalation_level >= 1, 10_000, 'item escalated');

    const filed = await as('lead-dept', 'post', `${ITEMS}/A01-3/instructions/${id}/feedback`).send({ text: '已召开专题会议部署,平台建设方案已印发' });
    expect([filed.status, filed.body]).toEqual([201, expect.anything()]);
    expect(filed.body).toEqual({ instructionKey: issued.body.instructionKey, late: true });
    // Filed once: a second feedback on the same instruction is refused.
    expect((await as('lead-dept', 'post', `${ITEMS}/A01-3/instructions/${id}/feedback`).send({ text: '再次反馈' })).status).toBe(409);

    // The chase is answered: no longer open on the board, and the item falls back to level 0.
    expect(await db('escalations').where({ subject: 'instruction' }).whereNull('resolved_at').count({ n: '*' }).first()).toEqual({ n: '0' });
    await eventually(() => db('assignments').where({ workflow_id: d.itemWorkflowId(PLAN, 'A01-3') }).first('escalation_level'), (a) => a?.escalation_level === 0, 10_000, 'level back to 0');
    const told = await notices('A01-3', 'drc', 'feedback');
    expect(told).toHaveLength(1);
    expect(told[0]?.body).toContain('(逾期,原定2016年4月5日前反馈)');
    expect(told[0]?.body).toContain('已召开专题会议部署');

    const detail = await as('leadership', 'get', `${ITEMS}/A01-3`);
    expect(detail.body.instructions).toEqual([
      expect.objectContaining({ id, seq: 1, text: '请加快推进,一周内报告进展', issuedBy: 'leader1', feedbackDueOn: '2016-04-05', feedback: expect.objectContaining({ text: '已召开专题会议部署,平台建设方案已印发', by: 'eic1', late: true }) }),
    ]);
    const timeline = await as('leadership', 'get', `${ITEMS}/A01-3/timeline`);
    expect(timeline.status).toBe(200);
    // The 批示's chase names its subject and the party chased, the feedback is in words, the dates in Chinese.
    expect((timeline.body.events as { text: string }[]).map((e) => e.text)).toEqual(
      expect.arrayContaining([
        '领导批示:请加快推进,一周内报告进展(2016年4月5日前反馈落实情况)',
        '催办:省经济和信息化委第1条批示落实反馈逾期',
        '第1条批示落实反馈(逾期):已召开专题会议部署,平台建设方案已印发',
        '解除催办:省经济和信息化委第1条批示落实反馈逾期',
      ]),
    );

    // A second instruction answered in time: not late, no chase.
    const second = await as('leadership', 'post', `${ITEMS}/A01-3/instructions`).send({ text: '请总结经验' });
    expect(second.body.feedbackDueOn).toBeDefined();
    const secondId = (second.body.instructionKey as string).split(':').pop() as string;
    expect((await as('lead-dept', 'post', `${ITEMS}/A01-3/instructions/${secondId}/feedback`).send({ text: '已总结' })).body).toMatchObject({ late: false });
    expect((await notices('A01-3', 'drc', 'feedback'))[1]?.body).not.toContain('逾期');
    await recordHistory(t.client.workflow.getHandle(d.itemWorkflowId(PLAN, 'A01-3')), 'item-instruction-feedback-late');
  });

  test('co-operating departments 签收, are reminded, and a silent one is chased once; the lead is told; the report shows which inputs arrived and when', async () => {
    // Monthly, due 3 working days after the month: April's report is due 2016-05-05 (劳动节 04-30 to 05-02),
    // the co-operating inputs two working days before, 05-03; their 催办 on 05-04.
    await assign('A01-4', { startDate: '2016-04-27', cooperating: ['sti', 'commerce'], cadence: 'monthly', dueOffsetWorkingDays: 3 });
    expect((await as('lead-dept', 'post', `${ITEMS}/A01-4/acknowledge`)).status).toBe(200);
    // sti's inbox lists the item to 签收 as a co-operating department, and no more once it has.
    const pending = async () => (await as('coop-dept', 'get', `${API_BASE}/inbox`)).body.pendingAcknowledgements as { item: string; role: string }[];
    expect(await pending()).toEqual(expect.arrayContaining([expect.objectContaining({ item: 'A01-4', role: 'cooperating' })]));
    expect((await as('coop-dept', 'post', `${ITEMS}/A01-4/acknowledge`)).status).toBe(200);
    expect((await pending()).map((p) => p.item)).not.toContain('A01-4');
    const again = await as('coop-dept', 'post', `${ITEMS}/A01-4/acknowledge`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('already acknowledged');
    expect((await as('other-dept', 'post', `${ITEMS}/A01-4/acknowledge`)).status).toBe(404);

    const chased = await eventually(() => notices('A01-4', 'sti', 'escalation'), (n) => n.length > 0, 40_000, "sti's 催办");
    expect(chased).toHaveLength(1);
    expect(chased[0]?.body).toBe('第1期配合材料应于2016年5月3日前报送牵头单位省经济和信息化委,至今未报送,请抓紧报送。');
    // Each department's 催办 is its own notice, written one after the other.
    const commerce = await eventually(() => notices('A01-4', 'commerce', 'escalation'), (n) => n.length > 0, 10_000, "commerce's 催办");
    expect(commerce.map((n) => n.title)).toEqual([expect.stringContaining('【催办】')]);
    const lead = await eventually(() => notices('A01-4', 'eic', 'escalation'), (n) => n.some((x) => x.title.startsWith('【配合材料逾期】')), 10_000, 'the lead told');
    expect(lead.find((x) => x.title.startsWith('【配合材料逾期】'))?.body).toBe('配合单位省科技厅、省商务厅第1期配合材料逾期未报送,已催办。');
    expect((await notices('A01-4', 'sti', 'reminder')).map((n) => n.body)).toEqual(expect.arrayContaining([expect.stringContaining('第1期配合材料')]));
    const chaseAudits = () => db('audit_events').where({ subject: d.itemWorkflowId(PLAN, 'A01-4'), action: 'item.input.chase' }).count({ n: '*' }).first() as Promise<{ n: string }>;
    expect(await eventually(chaseAudits, (c) => Number(c.n) > 0, 10_000, 'the chase audited')).toEqual({ n: '1' });
    const lines = ((await as('lead-dept', 'get', `${ITEMS}/A01-4/timeline`)).body.events as { text: string }[]).map((e) => e.text);
    expect(lines).toEqual(expect.arrayContaining(['配合单位省科技厅签收', '催办:配合单位省科技厅、省商务厅第1期配合材料逾期']));
    expect(lines.join('\n')).not.toMatch(/[A-Za-z]/);

    // sti files late; the lead files its report: sti's input is listed with when it arrived, commerce's as missing.
    const input = await as('coop-dept', 'post', `${ITEMS}/A01-4/reports`).send({ periodSeq: 1, progress: '配合材料', percentDone: 30 });
    expect(input.status).toBe(201);
    const report = await as('lead-dept', 'post', `${ITEMS}/A01-4/reports`).send({ periodSeq: 1, progress: '汇总报告', percentDone: 30 });
    expect(report.status).toBe(201);
    expect(report.body.inputs).toEqual([{ department: 'sti', receiptId: input.body.receiptId, version: 1, receivedAt: input.body.receivedAt }]);
    expect(report.body.missingInputs).toEqual(['commerce']);
    const detail = await as('secretariat', 'get', `${ITEMS}/A01-4`);
    const consolidated = detail.body.reports.find((r: { kind: string }) => r.kind === 'consolidated');
    expect(consolidated).toMatchObject({ inputs: [{ department: 'sti', version: 1, receivedAt: new Date(input.body.receivedAt).toISOString() }], missingInputs: ['commerce'] });
    expect(detail.body.cooperatorAcks).toEqual([
      { department: 'commerce', acknowledgedAt: null, expected: true },
      { department: 'sti', acknowledgedAt: expect.any(String), expected: true },
    ]);
    // One 催办 only, however long they stay silent.
    expect(await notices('A01-4', 'commerce', 'escalation')).toHaveLength(1);
    await recordHistory(t.client.workflow.getHandle(d.itemWorkflowId(PLAN, 'A01-4')), 'item-coop-inputs-chased');
  });

  test('an input filed in time is never chased', async () => {
    await assign('A01-5', { startDate: '2016-04-27', cadence: 'monthly', dueOffsetWorkingDays: 3 });
    expect((await as('lead-dept', 'post', `${ITEMS}/A01-5/acknowledge`)).status).toBe(200);
    await eventually(() => db('periods').join('assignments as a', 'a.id', 'periods.assignment_id').where('a.workflow_id', d.itemWorkflowId(PLAN, 'A01-5')).first('periods.seq'), (p) => p !== undefined, 10_000, 'period 1');
    expect((await as('coop-dept', 'post', `${ITEMS}/A01-5/reports`).send({ periodSeq: 1, progress: '配合材料', percentDone: 30 })).status).toBe(201);
    // Past the inputs' chase (05-04) and the lead's first rung: still no 催办 to sti.
    await eventually(() => notices('A01-5', 'eic', 'escalation'), (n) => n.length > 0, 40_000, "the lead's own 催办 (its report is late)");
    expect(await notices('A01-5', 'sti', 'escalation')).toEqual([]);
  });
});
