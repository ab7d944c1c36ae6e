import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { Express } from 'express';
import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import { apiDeps } from './helpers/api-deps';
import { HttpError } from '../api/errors';
import { refusalReason } from '../api/services/workflow-errors';
import { assignItem } from '../api/services/assignments';
import { coloursOf, planItemRows } from '../db/plan-items';
import type { Db } from '../db/connection';
import * as d from '../workflows/definitions';
import { signInAll, type Who } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { eventually, sleep } from './helpers/wait';
import { recordHistory } from './helpers/histories';

/**
 * The item workflow keeps its promise under odd input and odd timing: each
 * test here is one way it used to break (issue 7), reproduced on the real
 * server with a compressed clock.
 */
const WORKING_DAY = 200;
const PLAN = 'sd-internet-plus-2016-2018';
const ITEMS = `${API_BASE}/plans/${PLAN}/items`;

async function refusal(p: Promise<unknown>): Promise<ApplicationFailure | undefined> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowUpdateFailedError)) throw new Error(`expected the update to fail, got ${String(err)}`);
  return refusalReason(err);
}

describe('the item keeps its promise', () => {
  let db: Db;
  let t: TemporalHarness;
  let app: Express;
  const tokens: Partial<Record<Who, string>> = {};
  const handles: WorkflowHandle[] = [];

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('promises'));
    t = await temporalHarness(db, 'promises', { workingDayMs: WORKING_DAY });
    app = createApp({
      log: silentLog,
      readiness: {},
      api: await apiDeps(db, { client: t.client, taskQueue: t.taskQueue, workingDayMs: WORKING_DAY }),
    });
    Object.assign(tokens, await signInAll(app, db));
  });
  afterAll(async () => {
    for (const h of handles) await h.terminate('test over').catch(() => undefined);
    await t?.close();
    await db?.destroy();
  });

  async function assign(itemCode: string, extra: Record<string, unknown> = {}, today?: string) {
    const { workflowId, runId } = await assignItem(
      { client: t.client, db, taskQueue: t.taskQueue, actor: 'sec1', workingDayMs: WORKING_DAY, today },
      { planCode: PLAN, itemCode, lead: 'eic', cooperating: ['sti'], cadence: 'monthly', startDate: '2016-03-28', finalDeadline: '2016-06-30', ...extra },
    );
    const h = t.client.workflow.getHandle(workflowId);
    handles.push(h);
    firstRuns.set(workflowId, runId);
    return h;
  }
  const firstRuns = new Map<string, string>();
  /** Items continue as new at period boundaries: the first run holds the story worth replaying. */
  const record = (h: WorkflowHandle, name: string, runId = firstRuns.get(h.workflowId)) => recordHistory(t.client.workflow.getHandle(h.workflowId, runId), name);
  const state = (h: WorkflowHandle) => h.query(d.stateQuery);
  const ack = (h: WorkflowHandle) => h.executeUpdate(d.acknowledgeUpdate, { args: [{ actor: 'eic1', department: 'eic' }] });
  const report = (h: WorkflowHandle, periodSeq: number, progress = '推进情况') =>
    h.executeUpdate(d.submitReportUpdate, { args: [{ actor: 'eic1', department: 'eic', periodSeq, progress, percentDone: 40 }] });
  const accept = (h: WorkflowHandle) => h.executeUpdate(d.reviewReportUpdate, { args: [{ actor: 'sec1', decision: 'accept' }] });
  const escalations = (workflowId: string) =>
    db('escalations as e')
      .join('assignments as a', 'a.id', 'e.assignment_id')
      .where('a.workflow_id', workflowId)
      .orderBy('e.id')
      .select('e.subject', 'e.period_seq', 'e.rung', 'e.fired_at', 'e.resolved_at', db.raw(`to_char(e.business_date, 'YYYY-MM-DD') as business_date`)) as Promise<
      { subject: string; period_seq: number; rung: string; fired_at: Date; resolved_at: Date | null; business_date: string }[]
    >;
  const assignment = (workflowId: string) =>
    db('assignments').where({ workflow_id: workflowId }).first('id', 'status', 'escalation_level', 'round', db.raw(`to_char(next_due_on, 'YYYY-MM-DD') as next_due_on`));
  const api = (who: Exclude<Who, 'anonymous'>, method: 'get' | 'post', path: string) => request(app)[method](path).set('authorization', `Bearer ${tokens[who]}`);

  test('a NUL character is refused by the workflow itself, naming the field; nothing is recorded', async () => {
    const h = await assign('A01-1');
    await ack(h);
    await eventually(() => state(h), (s) => s.period?.seq === 1, 10_000, 'period 1');
    const why = await refusal(report(h, 1, '进展\u0000'));
    expect(why?.type).toBe('InvalidRequest');
    expect(why?.message).toMatch(/^progress must not contain control characters/);
    expect(await db('reports').count({ n: '*' }).first()).toEqual({ n: '0' });
    expect((await state(h)).period).toMatchObject({ status: 'open', consolidatedVersions: 0 });
  });

  test('a write PostgreSQL refuses for good answers with the error at once; the item still reaches the next period and fires its ladder', async () => {
    // A rule only PostgreSQL knows: the report passes every validator and fails in the database (class 23), as a NUL used to.
    await db.raw(`alter table reports add constraint test_poison check (progress <> '毒')`);
    try {
      const h = await assign('A01-2');
      await ack(h);
      await eventually(() => state(h), (s) => s.period?.seq === 1, 10_000, 'period 1');
      const started = Date.now();
      const why = await refusal(report(h, 1, '毒'));
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(why?.type).toBe('InvalidData');
      expect((await state(h)).period).toMatchObject({ seq: 1, status: 'open', consolidatedVersions: 0, inputs: [] });

      await report(h, 1);
      await accept(h);
      const s2 = await eventually(() => state(h), (s) => s.period?.seq === 2, 10_000, 'period 2');
      expect(s2.period).toMatchObject({ startsOn: '2016-04-01', endsOn: '2016-04-30', dueOn: '2016-05-09' });
      const reminder = await eventually(
        () => db('notifications').where({ item_key: h.workflowId, kind: 'reminder' }).whereRaw(`(payload->>'periodSeq')::int = 2`).first('title'),
        (n) => n !== undefined,
        15_000,
        'a reminder of period 2',
      );
      expect(reminder.title).toMatch(/^【提醒】/);
      await record(h, 'item-effect-failed-for-good');
    } finally {
      await db.raw('alter table reports drop constraint test_poison');
    }
  });

  test('a start date in the past: the acknowledgement window counts from the assignment, the overdue first period is caught up, and rungs come one at a time', async () => {
    // Assigned on Monday 2016-04-18 with the plan's start date three weeks back.
    // No co-operating department: its input's reminders and 催办 would take turns with the lead's rungs on this compressed clock.
    const h = await assign('A01-3', { cooperating: [] }, '2016-04-18');
    const s0 = await state(h);
    expect(s0.ack?.dueOn).toBe('2016-04-21');
    // Read your own write: the mirror holds the acknowledgement deadline of an item waiting for 签收.
    expect(await assignment(h.workflowId)).toMatchObject({ status: 'assigned', next_due_on: '2016-04-21' });
    // The old rule fired every rung in the second of assignment: now none is even due yet.
    expect(s0.ack!.rungs.every((r) => !r.fired && r.at > Date.now())).toBe(true);
    expect(await escalations(h.workflowId)).toEqual([]);

    await ack(h);
    const s1 = await eventually(() => state(h), (s) => s.period?.seq === 1, 10_000, 'period 1');
    // Period 1 (03-28..03-31) ended before the assignment: due five working days after it opened, not on 04-08.
    expect(s1.period).toMatchObject({ endsOn: '2016-03-31', catchUp: true });
    expect(s1.period!.dueOn > '2016-04-22').toBe(true);
    expect(s1.period!.reminders.every((r) => !r.fired)).toBe(true);

    const reportRungs = async () => (await escalations(h.workflowId)).filter((e) => e.subject === 'report');
    const rows = await eventually(reportRungs, (r) => r.length >= 3, 30_000, 'three rungs of period 1');
    expect(rows.map((r) => r.rung)).toEqual(['cuiban', 'duban', 'leading-group']);
    // Never several rungs in one instant: each on its own working day, at least a working day apart.
    expect(new Set(rows.map((r) => r.business_date)).size).toBe(3);
    expect(rows[1]!.fired_at.getTime() - rows[0]!.fired_at.getTime()).toBeGreaterThanOrEqual(WORKING_DAY);
    await record(h, 'item-past-start-caught-up');
  });

  test('a final deadline already past on the day of assignment is refused, naming the field; nothing starts', async () => {
    const err = await assign('A01-5', { finalDeadline: '2016-04-15' }, '2016-04-18').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(422);
    expect(((err as HttpError).details as { field: string }[]).map((p) => p.field)).toEqual(['finalDeadline']);
    expect(await db('assignments').where({ workflow_id: d.itemWorkflowId(PLAN, 'A01-5') }).first()).toBeUndefined();
  });

  test('a period accepted after the next one was due: the next one gets a catch-up due date, not the whole ladder at once', async () => {
    const h = await assign('A01-4');
    await ack(h);
    await eventually(() => state(h), (s) => s.period?.seq === 1, 10_000, 'period 1');
    // Silent until after 2016-05-09, period 2's ordinary due date: 30 working days past the start.
    await eventually(() => escalations(h.workflowId), (r) => r.length >= 3, 30_000, 'period 1 ladder');
    await sleep(WORKING_DAY * 26);
    await report(h, 1);
    await accept(h);
    const s2 = await eventually(() => state(h), (s) => s.period?.seq === 2, 10_000, 'period 2');
    expect(s2.period).toMatchObject({ endsOn: '2016-04-30', catchUp: true });
    expect(s2.period!.dueOn > '2016-05-09').toBe(true);
    await sleep(WORKING_DAY);
    expect((await escalations(h.workflowId)).filter((e) => e.period_seq === 2)).toEqual([]);
    await record(h, 'item-late-acceptance-caught-up');
  });

  test('acknowledging resolves the acknowledgement chase; 办结 resolves every open escalation', async () => {
    const h = await assign('A02-1', { lead: 'eic', cooperating: [] });
    await eventually(() => escalations(h.workflowId), (r) => r.some((e) => e.subject === 'acknowledgement'), 15_000, 'acknowledgement 催办');
    await ack(h);
    const rows = await escalations(h.workflowId);
    expect(rows.filter((e) => e.subject === 'acknowledgement').every((e) => e.resolved_at !== null)).toBe(true);
    expect(await assignment(h.workflowId)).toMatchObject({ status: 'acknowledged', escalation_level: 0 });
  });

  test('the final deadline is chased: reminders before it, its own ladder (逾期未办结) after it, red; 办结 ends it', async () => {
    const h = await assign('A02-2', { cadence: 'quarterly', finalDeadline: '2016-04-12' });
    await ack(h);
    const rows = await eventually(() => escalations(h.workflowId), (r) => r.filter((e) => e.subject === 'final').length >= 3, 30_000, 'final ladder');
    expect(rows.filter((e) => e.subject === 'final').map((e) => [e.rung, e.business_date])).toEqual([
      ['cuiban', '2016-04-13'],
      ['duban', '2016-04-15'],
      ['leading-group', '2016-04-19'],
    ]);
    const finalReminders = await db('notifications').where({ item_key: h.workflowId, kind: 'reminder' }).whereRaw(`payload->>'subject' = 'final'`).orderBy('id').select('body');
    expect(finalReminders.map((n) => n.body)).toEqual([
      '本事项完成时限将于2016年4月12日到期,还有3个工作日。',
      '本事项完成时限将于2016年4月12日到期,还有1个工作日。',
      '本事项完成时限今天(2016年4月12日)到期。',
    ]);
    const row = (await planItemRows(db, PLAN)).filter((r) => r.code === 'A02-2');
    expect((await coloursOf(db, row, WORKING_DAY)).get(row[0]!.item_id)).toBe('red');

    await report(h, 1);
    await accept(h);
    await h.executeUpdate(d.requestCompletionUpdate, { args: [{ actor: 'eic1', department: 'eic', summary: '已完成' }] });
    await h.executeUpdate(d.decideCompletionUpdate, { args: [{ actor: 'sec1', approve: true, grade: 'pass' }] });
    expect((await escalations(h.workflowId)).every((e) => e.resolved_at !== null)).toBe(true);
    await record(h, 'item-final-deadline-ladder');
  });

  test('read your own writes through the API: each write answers once the item detail shows it', async () => {
    const item = `${ITEMS}/A02-3`;
    // New due dates well ahead of the compressed clock (a working day is 200 ms), however slow the machine.
    const detail = async () => (await api('secretariat', 'get', item)).body;
    const post = async (who: Exclude<Who, 'anonymous'>, path: string, body: object, status = 200) => {
      const res = await api(who, 'post', `${item}/${path}`).send(body);
      expect([path, res.status, res.body?.error]).toEqual([path, status, undefined]);
      return res.body;
    };

    const assigned = await post('secretariat', 'assign', { lead: 'eic', cooperating: ['sti'], startDate: '2016-03-28', finalDeadline: '2016-06-30' }, 201);
    handles.push(t.client.workflow.getHandle(assigned.workflowId));
    expect(await detail()).toMatchObject({ status: 'assigned', lead: 'eic', cooperating: ['sti'] });
    expect((await detail()).assignment.nextDueOn).toBe('2016-03-31');
    // 签收 at once: the lead department's access exists as soon as 交办 answered.
    await post('lead-dept', 'acknowledge', {});
    expect((await detail()).status).toBe('acknowledged');

    const h = t.client.workflow.getHandle(assigned.workflowId);
    await eventually(() => state(h), (x) => x.period?.seq === 1, 10_000, 'period 1');
    const input = await post('coop-dept', 'reports', { periodSeq: 1, progress: '配合进展', percentDone: 20 }, 201);
    expect((await detail()).reports.map((r: { receiptId: string }) => r.receiptId)).toContain(input.receiptId);
    await post('lead-dept', 'reports', { periodSeq: 1, progress: '汇总进展', percentDone: 30 }, 201);
    expect((await detail()).periods[0].status).toBe('submitted');

    await post('secretariat', 'review', { decision: 'return', newDueOn: '2016-06-17', comment: '请补充数据' });
    expect((await detail()).periods[0]).toMatchObject({ status: 'returned' });
    expect((await detail()).periods[0].dueOn).toBe('2016-06-17');
    const asked = await post('lead-dept', 'extension-requests', { requestedDueOn: '2016-06-24', reason: '数据尚未汇总' }, 201);
    expect(await db('extension_requests').where({ key: asked.extensionId }).first('decision')).toEqual({ decision: null });
    await post('secretariat', 'extension-decision', { extensionId: asked.extensionId, approve: true });
    expect((await detail()).periods[0]).toMatchObject({ extendedDueOn: '2016-06-24', dueOn: '2016-06-24', originalDueOn: '2016-04-08' });
    await post('lead-dept', 'reports', { periodSeq: 1, progress: '补充后的汇总进展', percentDone: 40 }, 201);
    await post('secretariat', 'review', { decision: 'accept' });
    expect((await detail()).periods[0].status).toBe('accepted');

    const { instructionKey } = await post('leadership', 'instructions', { text: '抓紧推进' }, 201);
    expect(await db('instructions').where({ key: instructionKey }).first('text')).toEqual({ text: '抓紧推进' });
    await post('secretariat', 'reassign', { newLead: 'sti', reason: '职能调整' });
    expect(await detail()).toMatchObject({ lead: 'sti', cooperating: [] });
    await post('coop-dept', 'completion-request', { summary: '任务完成' });
    expect((await detail()).status).toBe('completion_requested');
    await post('secretariat', 'completion-decision', { approve: false, comment: '尚需完善' });
    expect((await detail()).status).toBe('in_progress');
    await post('secretariat', 'cancel', { reason: '任务调整' });
    expect((await detail()).status).toBe('cancelled');
  });

  test('updates that meet the continue-as-new at a period boundary are all answered, and carried to the next run', async () => {
    for (const code of ['A03-1', 'A03-2', 'A03-3']) {
      const h = await assign(code);
      await ack(h);
      await eventually(() => state(h), (s) => s.period?.seq === 1, 10_000, 'period 1');
      await report(h, 1);
      // The boundary: acceptance makes the loop open period 2 in a new run; 批示 land before, during and after it.
      const instruct = (delay: number) =>
        sleep(delay).then(() => h.executeUpdate(d.instructUpdate, { updateId: `${code}:instruct:${delay}`, args: [{ actor: 'leader1', text: `第${delay}毫秒的批示` }] }));
      const [accepted, ...instructed] = await Promise.all([accept(h), instruct(0), instruct(5), instruct(20), instruct(60), instruct(150)]);
      expect(accepted.status).toBe('accepted');
      expect(instructed.every((x) => x.instructionKey.startsWith('instruction:'))).toBe(true);
      const s = await eventually(() => state(h), (x) => x.runs >= 2 && x.period?.seq === 2, 10_000, 'period 2 in the next run');
      expect(s.instructions).toBe(5);
      // A caller retrying one of them (same update id) after the continue-as-new gets the first answer, not a sixth 批示.
      expect(await instruct(0)).toEqual(instructed[0]);
      expect((await state(h)).instructions).toBe(5);
      expect(await db('instructions as i').join('assignments as a', 'a.id', 'i.assignment_id').where('a.workflow_id', h.workflowId).count({ n: '*' }).first()).toEqual({ n: '5' });
      if (code === 'A03-1') await record(h, 'item-boundary-updates');
    }
  });

  test('a report filed while a calendar change re-times the period is kept, and stops the ladder', async () => {
    const h = await assign('A04-1');
    await ack(h);
    await eventually(() => state(h), (s) => s.period?.seq === 1, 10_000, 'period 1');
    await Promise.all([h.signal(d.calendarChangedSignal), report(h, 1), h.signal(d.calendarChangedSignal)]);
    const s = await state(h);
    expect(s.period).toMatchObject({ status: 'submitted', consolidatedVersions: 1 });
    expect(s.period?.consolidated?.kind).toBe('consolidated');
    await sleep(WORKING_DAY * 12);
    expect((await escalations(h.workflowId)).filter((e) => e.subject === 'report')).toEqual([]);
  });

  test('assigning twice is refused; a completed or cancelled item is reopened as a new round that keeps its records', async () => {
    const h = await assign('A04-2');
    await ack(h);
    await eventually(() => state(h), (s) => s.period?.seq === 1, 10_000, 'period 1');
    await report(h, 1);
    await accept(h);
    await eventually(() => state(h), (s) => s.period?.seq === 2, 10_000, 'period 2');
    const again = await assign('A04-2').catch((e: unknown) => e);
    expect(again).toBeInstanceOf(HttpError);
    expect((again as HttpError).status).toBe(409);
    expect((await api('secretariat', 'post', `${ITEMS}/A04-2/reopen`).send({ reason: '需继续推进' })).status).toBe(409);

    await h.executeUpdate(d.cancelUpdate, { args: [{ actor: 'sec1', reason: '任务调整' }] });
    await h.result();
    const reopened = await api('secretariat', 'post', `${ITEMS}/A04-2/reopen`).send({ reason: '需继续推进', startDate: '2016-05-03', finalDeadline: '2016-09-30' });
    expect(reopened.status).toBe(201);
    expect(reopened.body).toMatchObject({ round: 2, lead: 'eic', cooperating: ['sti'], startDate: '2016-05-03', finalDeadline: '2016-09-30' });
    expect(await assignment(h.workflowId)).toMatchObject({ status: 'assigned', round: 2 });
    // The lead acknowledges again; the new round's periods are numbered after the earlier ones.
    expect((await api('lead-dept', 'post', `${ITEMS}/A04-2/acknowledge`).send()).status).toBe(200);
    const s = await eventually(() => state(h), (x) => x.period !== undefined, 10_000, 'first period of round 2');
    expect(s.period).toMatchObject({ seq: 3, startsOn: '2016-05-03', endsOn: '2016-05-31' });
    const id = (await assignment(h.workflowId)).id;
    await eventually(() => db('periods').where({ assignment_id: id }).orderBy('seq').pluck('seq'), (seqs) => seqs.length === 3, 10_000, 'period 3 mirrored');
    expect(await db('periods').where({ assignment_id: id }).orderBy('seq').pluck('seq')).toEqual([1, 2, 3]);
    const audit = await db('audit_events').where({ subject: h.workflowId }).orderBy('id').pluck('action');
    expect(audit.filter((a: string) => ['item.assign', 'item.cancel', 'item.reopen'].includes(a))).toEqual(['item.assign', 'item.cancel', 'item.reopen']);
    expect(audit.filter((a: string) => a === 'item.acknowledge')).toHaveLength(2);
    expect(await db('notifications').where({ item_key: h.workflowId, kind: 'assignment' }).whereLike('title', '【重新交办】%').count({ n: '*' }).first()).toEqual({ n: '2' });
    await record(h, 'item-reopened-round-2', reopened.body.runId);
  });
});
