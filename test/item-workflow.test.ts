import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { assignItem } from '../api/services/assignments';
import { signalCalendarChanged } from '../api/services/calendar';
import { HttpError } from '../api/errors';
import { loadCalendarYear } from '../db/calendar/store';
import type { Db } from '../db/connection';
import * as d from '../workflows/definitions';
import { createCatalogDatabase } from './helpers/db';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { eventually, sleep } from './helpers/wait';
import { recordHistory } from './helpers/histories';
import { ensureDigestSchedule } from '../platform/digest-schedule';
import type { Digest } from '../domain/digest';
import { silentLog } from './helpers/plans';
import { chineseDate } from '../domain/words';

/**
 * The real item workflow on the real server, with one working day compressed
 * to WORKING_DAY ms, so the reminder and escalation ladder runs in seconds on
 * the real 2016 calendar. Item start 2016-03-28 (Mon): acknowledgement due
 * 2016-03-31; the first quarterly period ends 2016-03-31 and its report is due
 * 2016-04-08 (清明 04-04 off); rungs on 04-11, 04-13, 04-15.
 */
const WORKING_DAY = 400;

/** Why the workflow refused an update: the validator's message, carried as the failure's cause. */
async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowUpdateFailedError)) throw new Error(`expected the update to be refused, got ${String(err)}`);
  return err.cause?.message ?? '';
}
const PLAN = 'sd-internet-plus-2016-2018';

describe('the item workflow', () => {
  let db: Db;
  let t: TemporalHarness;
  const handles: WorkflowHandle[] = [];

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('items'));
    t = await temporalHarness(db, 'items', { workingDayMs: WORKING_DAY });
  });
  afterAll(async () => {
    for (const h of handles) await h.terminate('test over').catch(() => undefined);
    await t?.close();
    await db?.destroy();
  });

  async function assign(itemCode: string, extra: Record<string, unknown> = {}) {
    const { workflowId, runId } = await assignItem(
      { client: t.client, db, taskQueue: t.taskQueue, actor: 'secretariat-user', workingDayMs: WORKING_DAY },
      { planCode: PLAN, itemCode, lead: 'eic', cooperating: ['sti'], startDate: '2016-03-28', finalDeadline: '2016-06-30', ...extra },
    );
    const handle = t.client.workflow.getHandle(workflowId);
    handles.push(handle);
    firstRuns.set(workflowId, runId);
    return handle;
  }
  const firstRuns = new Map<string, string>();
  /** The first run's history: items continue as new at period boundaries, so the latest run may be brand new. */
  const record = (h: WorkflowHandle, name: string) => recordHistory(t.client.workflow.getHandle(h.workflowId, firstRuns.get(h.workflowId)), name);
  const state = (h: WorkflowHandle) => h.query(d.stateQuery);
  const ack = (h: WorkflowHandle, department = 'eic') => h.executeUpdate(d.acknowledgeUpdate, { args: [{ actor: 'liaison', department }] });
  const report = (h: WorkflowHandle, department: string, periodSeq = 1, percentDone = 30) =>
    h.executeUpdate(d.submitReportUpdate, { args: [{ actor: `${department}-liaison`, department, periodSeq, progress: `${department} 推进情况`, percentDone }] });
  const review = (h: WorkflowHandle, decision: 'accept' | 'return', newDueOn?: string) =>
    h.executeUpdate(d.reviewReportUpdate, { args: [{ actor: 'secretariat-user', decision, newDueOn, comment: decision === 'return' ? '请补充数据' : undefined }] });
  const assignmentRow = (workflowId: string) => db('assignments').where({ workflow_id: workflowId }).first();
  const escalations = async (workflowId: string) =>
    (await db('escalations as e').join('assignments as a', 'a.id', 'e.assignment_id').where('a.workflow_id', workflowId).orderBy('e.level').select('e.*')) as {
      rung: string;
      subject: string;
      period_seq: number;
      level: number;
      resolved_at: Date | null;
    }[];
  const notices = (workflowId: string, kind: string) => db('notifications').where({ item_key: workflowId, kind }).orderBy('id');
  const periodRow = (workflowId: string, seq: number) =>
    db('periods as p')
      .join('assignments as a', 'a.id', 'p.assignment_id')
      .where({ 'a.workflow_id': workflowId, 'p.seq': seq })
      .first('p.status', 'p.on_time', db.raw(`to_char(p.original_due_on, 'YYYY-MM-DD') as original_due_on`), db.raw(`to_char(p.due_on, 'YYYY-MM-DD') as due_on`), db.raw(`to_char(p.extended_due_on, 'YYYY-MM-DD') as extended_due_on`));

  test('happy path: assign, acknowledge, co-operating input, consolidated report, accept, completion with a grade', async () => {
    const h = await assign('A01-1');
    expect((await eventually(() => assignmentRow(h.workflowId), (a) => a !== undefined, 10_000, 'assignment row')).status).toBe('assigned');
    const assigned = await eventually(() => notices(h.workflowId, 'assignment'), (n) => n.length === 2, 10_000, 'assignment notices');
    expect(assigned.map((n) => n.title)).toEqual(['【交办】推广开放式研发设计(牵头)', '【交办】推广开放式研发设计(配合)']);
    // Departments by their names and the cadence in words, never codes.
    expect(assigned[0].body).toContain('牵头单位:省经济和信息化委\n配合单位:省科技厅\n报送周期:每季度');

    expect(await ack(h)).toBe('acknowledged');
    await eventually(() => state(h), (s) => s.period?.seq === 1, 10_000, 'period 1');
    const s1 = await state(h);
    expect(s1.period).toMatchObject({ startsOn: '2016-03-28', endsOn: '2016-03-31', originalDueOn: '2016-04-08', dueOn: '2016-04-08' });

    const input = await report(h, 'sti');
    expect(input).toMatchObject({ kind: 'input', department: 'sti', version: 1, periodSeq: 1 });
    const consolidated = await report(h, 'eic', 1, 40);
    expect(consolidated.kind).toBe('consolidated');
    // Which inputs arrived, and when (supervision-loop-2026-11); none is missing.
    expect(consolidated.inputs).toEqual([{ department: 'sti', receiptId: input.receiptId, version: 1, receivedAt: input.receivedAt }]);
    expect(consolidated.missingInputs).toEqual([]);
    expect(await review(h, 'accept')).toMatchObject({ seq: 1, status: 'accepted' });

    await eventually(() => state(h), (s) => s.period?.seq === 2, 10_000, 'period 2');
    expect((await state(h)).period).toMatchObject({ startsOn: '2016-04-01', endsOn: '2016-06-30', originalDueOn: '2016-07-07' });
    expect(await eventually(() => periodRow(h.workflowId, 1), (r) => r?.status === 'accepted', 10_000, 'period row')).toMatchObject({ on_time: true });
    const reports = await db('reports').where({ receipt_id: consolidated.receiptId }).first();
    expect(reports).toMatchObject({ kind: 'consolidated', percent_done: 40, version: 1 });

    expect(await h.executeUpdate(d.requestCompletionUpdate, { args: [{ actor: 'liaison', department: 'eic', summary: '任务已完成' }] })).toBe('completion_requested');
    expect(await h.executeUpdate(d.decideCompletionUpdate, { args: [{ actor: 'secretariat-user', approve: true, grade: 'good' }] })).toBe('completed');
    const final = (await h.result()) as d.ItemState;
    expect(final).toMatchObject({ status: 'completed', grade: 'good', acceptedPeriods: 1 });
    expect((await notices(h.workflowId, 'completion')).map((n) => n.body)).toContain('本事项已办结,评定等次:良好。');
    expect(await eventually(() => assignmentRow(h.workflowId), (a) => a.status === 'completed', 10_000, 'completed row')).toMatchObject({ grade: 'good' });
    const audit = await db('audit_events').where({ subject: h.workflowId }).orderBy('id').pluck('action');
    expect(audit).toEqual(['item.assign', 'item.acknowledge', 'item.report', 'item.report', 'item.review.accept', 'item.completion.request', 'item.completion.decide']);
    await eventually(
      () => t.client.workflow.count(`CoordPlan = '${PLAN}' AND CoordStatus = 'completed' AND CoordLead = 'eic' AND WorkflowId = '${h.workflowId}'`),
      (c) => c.count === 1,
      10_000,
      'search attributes',
    );
    // A run started today records one patch marker that stands for every patch (all-behaviours-2026-11), not one each.
    const firstRun = await t.client.workflow.getHandle(h.workflowId, firstRuns.get(h.workflowId)).fetchHistory();
    const patchIds = (firstRun.events ?? [])
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .map((e) => (JSON.parse(Buffer.from(e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data ?? []).toString()) as { id: string }).id);
    expect(patchIds).toEqual(['all-behaviours-2026-11', 'supervision-loop-2026-11']);
    await record(h, 'item-happy-path-v2');
    // Deadlines by local activities (patch local-deadline-activities), the mirror quieter (quiet-mirror).
    await record(h, 'item-happy-path-local-deadlines');
    // One marker for all the patches (all-behaviours-2026-11).
    await record(h, 'item-happy-path-one-marker');
  });

  test('silence: reminders, then 催办, 督办 and 上报领导小组, each exactly once', async () => {
    const h = await assign('A01-2');
    await ack(h);
    const rows = await eventually(() => escalations(h.workflowId), (r) => r.length >= 3, 30_000, 'three rungs');
    expect(rows.map((r) => [r.subject, r.period_seq, r.rung, r.level])).toEqual([
      ['report', 1, 'cuiban', 1],
      ['report', 1, 'duban', 2],
      ['report', 1, 'leading-group', 3],
    ]);
    await sleep(WORKING_DAY * 4);
    expect(await escalations(h.workflowId)).toHaveLength(3);
    expect((await assignmentRow(h.workflowId)).escalation_level).toBe(3);
    // The co-operating department's input (subject 'input') has its own reminders and one 催办, apart from the lead's ladder.
    const reminders = await notices(h.workflowId, 'reminder');
    expect(reminders.filter((n) => n.payload.subject !== 'input').map((n) => n.payload.offset)).toEqual([3, 1, 0]);
    const escalationNotices = await notices(h.workflowId, 'escalation');
    const head = (n: { title: string }) => n.title.slice(0, n.title.indexOf('】') + 1);
    // To the lead for every rung; to the secretariat from 督办 on.
    expect(escalationNotices.filter((n) => n.payload.subject !== 'input').map(head)).toEqual(['【催办】', '【督办】', '【督办】', '【上报领导小组】', '【上报领导小组】']);
    expect(escalationNotices.filter((n) => n.payload.subject === 'input').map(head)).toEqual(['【催办】', '【配合材料逾期】']);
    await record(h, 'item-silence-ladder-v2');
    // With the patch quiet-mirror: no mirror write after a reminder, search attributes upserted only when changed.
    await record(h, 'item-silence-ladder-quiet-mirror');
    await record(h, 'item-silence-ladder-one-marker');
  });

  test('a report after the first rung stops the ladder', async () => {
    // 督办 and 上报领导小组 well after 催办, so the report comes in between even on a busy machine:
    // a rung that fell due before the report is recorded, whenever the worker gets to it.
    // No co-operating department: its input's reminders and 催办 would take turns with the lead's rungs on this compressed clock.
    const h = await assign('A01-3', { cooperating: [], escalation: [
      { rung: 'cuiban', label: '催办', overdueWorkingDays: 1 },
      { rung: 'duban', label: '督办', overdueWorkingDays: 8 },
      { rung: 'leading-group', label: '上报领导小组', overdueWorkingDays: 9 },
    ] });
    await ack(h);
    await eventually(() => escalations(h.workflowId), (r) => r.length >= 1, 30_000, 'first rung');
    await report(h, 'eic');
    await review(h, 'accept');
    await sleep(WORKING_DAY * 10);
    const rows = await escalations(h.workflowId);
    expect(rows.map((r) => [r.subject, r.period_seq, r.rung])).toEqual([['report', 1, 'cuiban']]);
    expect(rows[0]?.resolved_at).not.toBeNull();
    expect(await eventually(() => periodRow(h.workflowId, 1), (r) => r?.status === 'accepted', 10_000, 'period row')).toMatchObject({ on_time: false });
    expect((await assignmentRow(h.workflowId)).escalation_level).toBe(0);
  });

  test('return for revision reopens the period with a new due date; the resubmission is version 2', async () => {
    const h = await assign('A01-4');
    await ack(h);
    await eventually(() => state(h), (s) => s.period?.seq === 1, 10_000, 'period 1');
    await report(h, 'eic');
    const returned = await review(h, 'return', '2016-04-20');
    expect(returned).toMatchObject({ status: 'returned', originalDueOn: '2016-04-08', dueOn: '2016-04-20' });
    await expect(review(h, 'accept')).rejects.toThrow(WorkflowUpdateFailedError);
    const again = await report(h, 'eic', 1, 60);
    expect(again.version).toBe(2);
    await review(h, 'accept');
    const row = await eventually(() => periodRow(h.workflowId, 1), (r) => r?.status === 'accepted', 10_000, 'period row');
    expect(row).toMatchObject({ original_due_on: '2016-04-08', due_on: '2016-04-20' });
    const versions = await db('reports').where({ kind: 'consolidated' }).whereIn('receipt_id', [again.receiptId]).first('version', 'review');
    expect(versions).toEqual({ version: 2, review: 'accepted' });
    await record(h, 'item-return-resubmit-v2');
  });

  test('an extension moves the deadline and keeps the original beside it', async () => {
    const h = await assign('A01-5');
    await ack(h);
    await eventually(() => state(h), (s) => s.period?.seq === 1, 10_000, 'period 1');
    const request = await h.executeUpdate(d.requestExtensionUpdate, { args: [{ actor: 'liaison', department: 'eic', requestedDueOn: '2016-04-22', reason: '数据尚未汇总' }] });
    const decided = await h.executeUpdate(d.decideExtensionUpdate, { args: [{ actor: 'secretariat-user', extensionId: request.extensionId, approve: true }] });
    expect(decided).toMatchObject({ originalDueOn: '2016-04-08', dueOn: '2016-04-22', extendedDueOn: '2016-04-22' });
    await eventually(() => periodRow(h.workflowId, 1), (r) => r?.extended_due_on === '2016-04-22', 10_000, 'period row');
    expect(await periodRow(h.workflowId, 1)).toMatchObject({ original_due_on: '2016-04-08', due_on: '2016-04-22' });
    const p = (await state(h)).period as d.PeriodState;
    expect(p.rungs.map((r) => r.on)).toEqual(['2016-04-25', '2016-04-27', '2016-04-29']);
    expect(await db('extension_requests').where({ key: request.extensionId }).first('decision')).toEqual({ decision: 'approved' });
    await record(h, 'item-extension-v2');
    await record(h, 'item-extension-local-deadlines');
    await record(h, 'item-extension-one-marker');
  });

  test('reassignment moves the lead; the old lead can no longer file the consolidated report', async () => {
    const h = await assign('A02-1', { lead: 'agri', cooperating: ['sti', 'commerce'] });
    await ack(h, 'agri');
    const moved = await h.executeUpdate(d.reassignLeadUpdate, { args: [{ actor: 'secretariat-user', newLead: 'commerce', reason: '职能调整' }] });
    expect(moved).toEqual({ lead: 'commerce', cooperating: ['sti'] });
    await eventually(() => state(h), (s) => s.period?.seq === 1, 10_000, 'period 1');
    expect(await refusal(report(h, 'agri'))).toMatch(/neither lead nor co-operating/);
    expect((await report(h, 'commerce')).kind).toBe('consolidated');
    const leadCode = () => db('assignments as a').join('departments as d', 'd.id', 'a.lead_department_id').where('a.workflow_id', h.workflowId).first('d.code');
    await eventually(leadCode, (l) => l?.code === 'commerce', 10_000, 'lead row');
    expect((await notices(h.workflowId, 'reassignment')).map((n) => n.title)).toHaveLength(2);
    await record(h, 'item-reassign-v2');
  });

  test('each reassignment and completion request is an event of its own, whatever request id the caller sent', async () => {
    const h = await assign('A03-3', { lead: 'energy', cooperating: ['housing'] });
    await ack(h, 'energy');
    // One X-Request-ID on every call, as a client replaying its header would send it: it must merge nothing.
    const requestId = 'req-sent-again';
    for (const newLead of ['housing', 'energy', 'housing']) {
      await h.executeUpdate(d.reassignLeadUpdate, { args: [{ actor: 'secretariat-user', requestId, newLead, reason: '职能调整' }] });
    }
    const moves = await db('audit_events').where({ subject: h.workflowId, action: 'item.reassign' }).orderBy('id').select('payload', 'request_id');
    expect(moves.map((a) => [a.payload.from, a.payload.to, a.request_id])).toEqual([
      ['energy', 'housing', requestId],
      ['housing', 'energy', requestId],
      ['energy', 'housing', requestId],
    ]);
    const told = await db('notifications as n').join('departments as dp', 'dp.id', 'n.department_id').where({ 'n.item_key': h.workflowId, 'n.kind': 'reassignment' }).orderBy('n.id').pluck('dp.code');
    // To the new lead, then to the old one: the second energy→housing move is announced like the first.
    expect(told).toEqual(['housing', 'energy', 'energy', 'housing', 'housing', 'energy']);

    const ask = (summary: string) => h.executeUpdate(d.requestCompletionUpdate, { args: [{ actor: 'housing-liaison', requestId, department: 'housing', summary }] });
    const decide = (approve: boolean) => h.executeUpdate(d.decideCompletionUpdate, { args: [{ actor: 'secretariat-user', requestId, approve, ...(approve ? { grade: 'excellent' as const } : { comment: '请补充佐证材料' }) }] });
    await ask('任务已完成');
    expect(await decide(false)).toBe('acknowledged');
    await ask('已补充佐证材料');
    expect(await decide(true)).toBe('completed');
    const completion = await db('audit_events').where({ subject: h.workflowId }).whereLike('action', 'item.completion.%').orderBy('id').pluck('action');
    expect(completion).toEqual(['item.completion.request', 'item.completion.decide', 'item.completion.request', 'item.completion.decide']);
    expect((await notices(h.workflowId, 'completion')).map((n) => n.title.slice(0, n.title.indexOf('】') + 1))).toEqual(['【申请办结】', '【不同意办结】', '【申请办结】', '【同意办结】']);
    await record(h, 'item-event-ids');
  });

  test('a leadership instruction is recorded and relayed to the departments', async () => {
    const h = await assign('A02-2', { lead: 'agri', cooperating: ['commerce'] });
    const { instructionKey } = await h.executeUpdate(d.instructUpdate, { args: [{ actor: 'leader', text: '加快推进,月底前见成效' }] });
    expect(await db('instructions').where({ key: instructionKey }).first('text', 'issued_by')).toEqual({ text: '加快推进,月底前见成效', issued_by: 'leader' });
    expect((await notices(h.workflowId, 'instruction')).map((n) => n.department_id)).toHaveLength(2);
  });

  test('cancel ends the workflow from any open state and resolves open escalations', async () => {
    const h = await assign('A02-3', { lead: 'agri', cooperating: [] });
    // Not acknowledged: the acknowledgement is chased the same way.
    await eventually(() => escalations(h.workflowId), (r) => r.length >= 1, 20_000, 'acknowledgement chase');
    expect((await escalations(h.workflowId))[0]).toMatchObject({ subject: 'acknowledgement', rung: 'cuiban' });
    expect(await h.executeUpdate(d.cancelUpdate, { args: [{ actor: 'secretariat-user', reason: '任务调整' }] })).toBe('cancelled');
    expect(((await h.result()) as d.ItemState).status).toBe('cancelled');
    expect(await eventually(() => assignmentRow(h.workflowId), (a) => a.status === 'cancelled', 10_000, 'cancelled row')).toMatchObject({ cancel_reason: '任务调整' });
    expect((await escalations(h.workflowId)).every((e) => e.resolved_at !== null)).toBe(true);
    await record(h, 'item-ack-chase-cancel-v2');
  });

  test('bad requests are refused with the reason, and assigning twice is refused, not duplicated', async () => {
    const h = await assign('A03-1', { lead: 'energy', cooperating: ['eic'] });
    expect(await refusal(ack(h, 'finance'))).toMatch(/not the lead department/);
    await ack(h, 'energy');
    // A co-operating department 签收 too, once (supervision-loop-2026-11).
    await ack(h, 'eic');
    expect(await refusal(ack(h, 'eic'))).toMatch(/already acknowledged/);
    await eventually(() => state(h), (s) => s.period?.seq === 1, 10_000, 'period 1');
    expect(await refusal(report(h, 'energy', 1, 150))).toMatch(/percentDone/);
    expect(await refusal(report(h, 'energy', 7))).toMatch(/periodSeq 7/);
    expect(await refusal(report(h, 'finance'))).toMatch(/neither lead nor co-operating/);
    const err = await assign('A03-1', { lead: 'energy' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(409);
    expect(await db('assignments').where({ workflow_id: h.workflowId })).toHaveLength(1);
    const bad = await assignItem({ client: t.client, db, taskQueue: t.taskQueue, actor: 'x' }, { planCode: PLAN, itemCode: 'A03-2', lead: 'nobody', cooperating: ['eic', 'eic'], startDate: '2016-13-01' }).catch((e: unknown) => e);
    expect((bad as HttpError).status).toBe(422);
    expect(((bad as HttpError).details as { field: string }[]).map((p) => p.field)).toEqual(['startDate']);
    const unknown = await assignItem({ client: t.client, db, taskQueue: t.taskQueue, actor: 'x' }, { planCode: PLAN, itemCode: 'A03-2', lead: 'nobody', cooperating: ['eic', 'eic'] }).catch((e: unknown) => e);
    expect(((unknown as HttpError).details as { field: string }[]).map((p) => p.field)).toEqual(['lead', 'cooperating[1]', 'finalDeadline']);
    expect(await db('assignments').whereIn('workflow_id', ['item:sd-internet-plus-2016-2018:A03-2'])).toHaveLength(0);
  });

  test('a year with no calendar blocks the item until it is loaded; a calendar change re-times the deadlines', async () => {
    const h = await assign('A03-2', { lead: 'energy', cooperating: [], startDate: '2026-12-21', finalDeadline: '2027-03-31' });
    await ack(h, 'energy');
    await eventually(() => state(h), (s) => s.blocked === 'calendar for 2027 not loaded', 10_000, 'blocked');
    await loadCalendarYear(db, { year: 2027, days: [{ date: '2027-01-01', working: false, name: '元旦' }] }, { actor: 'admin', source: 'test' });
    const notice = await signalCalendarChanged(t.client, db, silentLog);
    expect(notice.told).toBeGreaterThanOrEqual(1);
    expect(notice.failed).toEqual([]);
    await eventually(() => state(h), (s) => s.period?.dueOn === '2027-01-08', 10_000, 'period planned');
    expect((await state(h)).blocked).toBeUndefined();

    // The published arrangement turns out to make 2027-01-07 a day off: the open deadline moves.
    await loadCalendarYear(
      db,
      { year: 2027, days: [{ date: '2027-01-01', working: false, name: '元旦' }, { date: '2027-01-07', working: false, name: '调整' }] },
      { actor: 'admin', source: 'test' },
    );
    await h.signal(d.calendarChangedSignal);
    await eventually(() => state(h), (s) => s.period?.dueOn === '2027-01-11', 10_000, 're-timed');
    expect((await state(h)).period).toMatchObject({ originalDueOn: '2027-01-11', dueOn: '2027-01-11' });
    await record(h, 'item-calendar-blocked-retimed-v2');
    // A local deadline activity refused for want of a calendar (patch local-deadline-activities).
    await record(h, 'item-calendar-blocked-local-deadlines');
  });

  test('the weekly digest runs as a daily Temporal Schedule and holds counts, colours, on-time rates and open escalations', async () => {
    // An older weekly cron: its time of day stays, and the Schedule fires every day (the activity picks the digest day; test/digest.test.ts).
    const scheduleId = await ensureDigestSchedule(t.client, { taskQueue: t.taskQueue, cron: '0 8 * * 1', log: silentLog, scheduleId: `digest-${t.taskQueue}` });
    const schedule = t.client.schedule.getHandle(scheduleId);
    try {
      const { spec } = await schedule.describe();
      expect(spec.timezone).toBe('Asia/Shanghai');
      expect(spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: 8, end: 8, step: 1 }], minute: [{ start: 0, end: 0, step: 1 }], dayOfMonth: [{ start: 1, end: 31, step: 1 }], dayOfWeek: [{ start: 'SUNDAY', end: 'SATURDAY', step: 1 }] })]);
      await schedule.trigger();
      const row = await eventually(() => db('digests').orderBy('id', 'desc').first(), (r) => r !== undefined, 20_000, 'digest row');
      const digest = row.body as Digest;
      expect(digest.totals.items).toBe(11);
      expect(digest.totals.byStatus).toMatchObject({ completed: 2, cancelled: 1 });
      expect(digest.totals.red + digest.totals.yellow + digest.totals.green).toBe(8);
      expect(digest.byAction.map((a) => a.code)).toEqual(['A01', 'A02', 'A03']);
      expect(digest.byDepartment.find((x) => x.code === 'eic')).toMatchObject({ acceptedPeriods: 3, onTime: 2, onTimeRate: 0.667 });
      // The report's ladder; once the suite has run past the final deadline (2016-06-30) its own ladder (逾期未办结) joins it.
      const silent = digest.openEscalations.filter((e) => e.itemKey === d.itemWorkflowId(PLAN, 'A01-2') && e.subject === 'report');
      expect(silent.map((e) => e.rung)).toEqual(['leading-group', 'duban', 'cuiban']);
      // The notice is written just after the digest's row.
      const notice = await eventually(() => db('notifications').where({ kind: 'digest', key: digest.key }).first(), (n) => n !== undefined, 10_000, 'digest notice');
      expect(notice.title).toBe(`【周报】${chineseDate(digest.weekOf)}当周推进情况`);
      // The chases in words: the rung's and the lead's names, never their codes.
      expect(notice.body).toContain('发展大规模个性化定制(省经济和信息化委):第1期进展报送,上报领导小组');
      // The same notice to the leading group, under its own key.
      const toLeaders = await eventually(() => db('notifications').where({ kind: 'digest', key: `${digest.key}:leading-group` }).first('title', 'body'), (n) => n !== undefined, 10_000, "the leading group's digest notice");
      expect(toLeaders).toEqual({ title: notice.title, body: notice.body });
      // A second run the same week (the first one finished: the Schedule skips an overlapping one) sends nothing more.
      const runOf = async (n: number) => {
        const actions = await eventually(async () => (await schedule.describe()).info.recentActions, (a) => a.length > n, 20_000, `run ${n + 1} of the schedule`);
        return t.client.workflow.getHandle((actions[n] as (typeof actions)[number]).action.workflow.workflowId).result();
      };
      await runOf(0);
      await schedule.trigger();
      expect(await runOf(1)).toMatchObject({ key: digest.key, weekOf: digest.weekOf });
      expect(await db('notifications').where({ kind: 'digest' }).orderBy('id').pluck('key')).toEqual([digest.key, `${digest.key}:leading-group`]);
    } finally {
      await schedule.delete();
    }
  });
});
