import { LEADING_GROUP_KIND } from '../../db/leading-group';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { shanghaiDate } from '../../domain/clock';
import { code, formatPath, isoDate, policySchema } from '../../db/catalog/plan-schema';
import type { Db } from '../../db/connection';
import {
  assignmentUpdate,
  actionSA,
  escalationLevelSA,
  itemWorkflowId,
  leadSA,
  planSA,
  statusSA,
  CATCH_UP_WORKING_DAYS,
  COOP_LEAD_WORKING_DAYS,
  type ItemPolicy,
  type ItemWorkflowInput,
} from '../../workflows/definitions';
import { itemWorkflow } from '../../workflows';
import { HttpError, invalid, type FieldProblem } from '../errors';
import { text } from '../schemas';


export const assignRequestSchema = z
  .object({
    planCode: code,
    itemCode: code,
    lead: code,
    cooperating: z.array(code).max(30).default([]),
    cadence: policySchema.shape.cadence.unwrap().optional(),
    dueOffsetWorkingDays: z.number().int().min(0).max(60).optional(),
    reminderOffsetsWorkingDays: z.array(z.number().int().min(0).max(60)).max(10).optional(),
    acknowledgeWithinWorkingDays: z.number().int().min(0).max(60).optional(),
    catchUpWorkingDays: z.number().int().min(0).max(60).optional(),
    coopLeadWorkingDays: z.number().int().min(0).max(30).optional(),
    escalation: policySchema.shape.escalation.unwrap().optional(),
    startDate: isoDate.optional(),
    finalDeadline: isoDate.optional(),
  })
  .strict();
export type AssignRequest = z.input<typeof assignRequestSchema>;

export interface AssignContext {
  client: Client;
  db: Db;
  taskQueue: string;
  actor: string;
  requestId?: string;
  /**
   * Today's business date: the day of assignment, from which the acknowledgement
   * window and the catch-up rule count, and the default start date. Unset: today
   * in Asia/Shanghai, or on a compressed clock (workingDayMs) the start date,
   * where the item's timeline begins at its assignment.
   */
  today?: string;
  workingDayMs?: number;
  /**
   * The Temporal update id of this request (made from its Idempotency-Key):
   * the item's workflow is started with it, so a retry of a request whose first
   * attempt started the workflow (and was answered 503) attaches to that
   * assignment and gets its answer, rather than 409 already_assigned.
   */
  updateId?: string;
}

/** The memo field naming the request (its update id) that started an item's workflow. */
const STARTED_BY = 'startedByUpdate';

/** Whether the item's workflow was started by the request with this update id (an earlier attempt of the same request). */
async function startedBy(ctx: AssignContext, workflowId: string): Promise<boolean> {
  if (!ctx.updateId) return false;
  try {
    const described = await ctx.client.workflow.getHandle(workflowId).describe();
    return described.memo?.[STARTED_BY] === ctx.updateId;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/**
 * The assignment record outlives the workflow (Temporal forgets a closed one
 * after its retention period), so it is what says an item was assigned;
 * REJECT_DUPLICATE on the start remains the guard for two concurrent assigns.
 */
async function refuseIfAssigned(db: Db, planCode: string, itemCode: string): Promise<void> {
  const workflowId = itemWorkflowId(planCode, itemCode);
  const row = await db('assignments').where({ workflow_id: workflowId }).first('id');
  if (row) throw new HttpError(409, 'already_assigned', `item ${planCode}/${itemCode} is already assigned (workflow ${workflowId})`);
}

/** Unknown, doubled or lead-and-co-operating departments, each with the field that names it. */
async function departmentProblems(db: Db, lead: string, cooperating: string[]): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  const rows = (await db('departments').whereIn('code', [lead, ...cooperating]).select('code', 'kind')) as { code: string; kind: string }[];
  const kinds = new Map(rows.map((r) => [r.code, r.kind]));
  // The leading group's entry receives notices; it never leads or co-operates on an item.
  const problem = (code: string) =>
    !kinds.has(code) ? `unknown department "${code}"` : kinds.get(code) === LEADING_GROUP_KIND ? `"${code}" is the leading group, which receives reports and takes no item` : undefined;
  const leadProblem = problem(lead);
  if (leadProblem) problems.push({ field: 'lead', message: leadProblem });
  cooperating.forEach((c, i) => {
    const coopProblem = problem(c);
    if (coopProblem) problems.push({ field: `cooperating[${i}]`, message: coopProblem });
    if (c === lead) problems.push({ field: `cooperating[${i}]`, message: `"${c}" is already the lead department` });
    if (cooperating.indexOf(c) !== i) problems.push({ field: `cooperating[${i}]`, message: `"${c}" is listed twice` });
  });
  return problems;
}

/**
 * The secretariat assigns one item: validated against the catalog, then one
 * workflow started under the item's business key, so a second assignment of
 * the same item is refused (409), never duplicated. The workflow records the
 * assignment and notifies the departments.
 */
export async function assignItem(ctx: AssignContext, body: unknown): Promise<{ workflowId: string; runId: string; input: ItemWorkflowInput }> {
  const parsed = assignRequestSchema.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error.issues.map((i) => ({ field: formatPath(i.path), message: i.message })));
  const req = parsed.data;
  // Already assigned, by a first attempt of this very request (answered 503): the same assignment, answered again.
  // Temporal is asked only then, so an ordinary assignment costs no extra round trip.
  let again = false;
  try {
    await refuseIfAssigned(ctx.db, req.planCode, req.itemCode);
  } catch (err) {
    if (!(err instanceof HttpError && err.code === 'already_assigned' && (await startedBy(ctx, itemWorkflowId(req.planCode, req.itemCode))))) throw err;
    again = true;
  }

  const item = (await ctx.db('items as i')
    .join('plans as p', 'p.id', 'i.plan_id')
    .leftJoin('actions as a', 'a.id', 'i.action_id')
    .leftJoin('safeguard_measures as m', 'm.id', 'i.measure_id')
    .join('departments as sec', 'sec.id', 'p.secretariat_department_id')
    .where({ 'p.code': req.planCode, 'i.code': req.itemCode })
    .first(
      'i.id',
      'i.title',
      'i.retired_at',
      'p.policy',
      'sec.code as secretariat',
      ctx.db.raw(`to_char(p.period_end, 'YYYY-MM-DD') as period_end`),
      ctx.db.raw('coalesce(a.code, m.code) as group_code'),
    )) as
    | { id: number; title: string; retired_at: Date | null; policy: ItemPolicy; secretariat: string; period_end: string; group_code: string }
    | undefined;
  if (!item) throw new HttpError(404, 'not_found', `item ${req.planCode}/${req.itemCode} is not in the catalog`);
  if (item.retired_at) throw new HttpError(409, 'retired', `item ${req.planCode}/${req.itemCode} was retired from the plan`);

  const problems = await departmentProblems(ctx.db, req.lead, req.cooperating);
  const startDate = req.startDate ?? ctx.today ?? shanghaiDate(Date.now());
  const assignedOn = ctx.today ?? (ctx.workingDayMs ? startDate : shanghaiDate(Date.now()));
  const finalDeadline = req.finalDeadline ?? item.period_end;
  if (finalDeadline < startDate) problems.push({ field: 'finalDeadline', message: `must not be before the start date ${startDate}` });
  else if (finalDeadline < assignedOn) problems.push({ field: 'finalDeadline', message: `must not be before the day of assignment ${assignedOn}: no department can meet a deadline already past` });
  const policy: ItemPolicy = {
    cadence: req.cadence ?? item.policy.cadence,
    dueOffsetWorkingDays: req.dueOffsetWorkingDays ?? item.policy.dueOffsetWorkingDays,
    reminderOffsetsWorkingDays: req.reminderOffsetsWorkingDays ?? item.policy.reminderOffsetsWorkingDays,
    acknowledgeWithinWorkingDays: req.acknowledgeWithinWorkingDays ?? item.policy.acknowledgeWithinWorkingDays,
    escalation: req.escalation ?? item.policy.escalation,
    catchUpWorkingDays: req.catchUpWorkingDays ?? item.policy.catchUpWorkingDays ?? CATCH_UP_WORKING_DAYS,
    coopLeadWorkingDays: req.coopLeadWorkingDays ?? item.policy.coopLeadWorkingDays ?? COOP_LEAD_WORKING_DAYS,
  };
  policy.escalation.forEach((r, i) => {
    const prev = policy.escalation[i - 1];
    if (prev && r.overdueWorkingDays <= prev.overdueWorkingDays) problems.push({ field: `escalation[${i}].overdueWorkingDays`, message: 'each rung must come later than the one before it' });
  });
  if (problems.length) throw invalid(problems);

  const input: ItemWorkflowInput = {
    itemKey: itemWorkflowId(req.planCode, req.itemCode),
    planCode: req.planCode,
    actionCode: item.group_code,
    itemCode: req.itemCode,
    title: item.title,
    lead: req.lead,
    cooperating: req.cooperating,
    secretariat: item.secretariat,
    startDate,
    finalDeadline,
    policy,
    assignedBy: ctx.actor,
    assignedOn,
    requestId: ctx.requestId,
  };
  if (again) return attach(ctx, input);
  return startItem(ctx, input, 'REJECT_DUPLICATE');
}

/**
 * Starts the item's workflow with the assignment update (update-with-start):
 * the answer comes once the workflow has written the assignment record, so the
 * lead department can 签收 the moment the secretariat sees 201. A workflow of
 * the same id still running is 409.
 */
async function startItem(ctx: AssignContext, input: ItemWorkflowInput, reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE'): Promise<{ workflowId: string; runId: string; input: ItemWorkflowInput }> {
  const startWorkflowOperation = new WithStartWorkflowOperation(itemWorkflow, {
    taskQueue: ctx.taskQueue,
    workflowId: input.itemKey,
    args: [input],
    workflowIdReusePolicy: reuse,
    workflowIdConflictPolicy: 'FAIL',
    typedSearchAttributes: [
      { key: planSA, value: input.planCode },
      { key: actionSA, value: input.actionCode },
      { key: leadSA, value: input.lead },
      { key: statusSA, value: 'assigned' },
      { key: escalationLevelSA, value: 0 },
    ],
    memo: { requestId: ctx.requestId, ...(ctx.updateId ? { [STARTED_BY]: ctx.updateId } : {}) },
  });
  try {
    // The update's handle names the run it reached, the one just started; the workflow's handle does not.
    const update = await ctx.client.workflow.startUpdateWithStart(assignmentUpdate, { startWorkflowOperation, waitForStage: 'ACCEPTED', ...(ctx.updateId ? { updateId: ctx.updateId } : {}) });
    await update.result();
    return { workflowId: update.workflowId, runId: update.workflowRunId as string, input };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      if (await startedBy(ctx, input.itemKey)) return attach(ctx, input);
      throw new HttpError(409, 'already_assigned', `item ${input.planCode}/${input.itemCode} is already assigned and its workflow ${input.itemKey} is running`);
    }
    throw err;
  }
}

/** The assignment update of the run this request started, awaited (the same update id: Temporal answers it once); that run's id. */
async function attachedRun(ctx: AssignContext, workflowId: string): Promise<string> {
  const handle = ctx.client.workflow.getHandle(workflowId);
  await handle.executeUpdate(assignmentUpdate, { updateId: ctx.updateId });
  return (await handle.describe()).runId;
}

async function attach(ctx: AssignContext, input: ItemWorkflowInput): Promise<{ workflowId: string; runId: string; input: ItemWorkflowInput }> {
  return { workflowId: input.itemKey, runId: await attachedRun(ctx, input.itemKey), input };
}

export const reopenRequestSchema = z
  .object({
    reason: text('comment'),
    lead: code.optional(),
    cooperating: z.array(code).max(30).optional(),
    startDate: isoDate.optional(),
    finalDeadline: isoDate.optional(),
  })
  .strict();

/** The co-operating departments of an assignment, by code. */
async function cooperatorsOf(db: Db, assignmentId: number): Promise<string[]> {
  return (await db('assignment_cooperators as c').join('departments as d', 'd.id', 'c.department_id').where('c.assignment_id', assignmentId).orderBy('d.code').pluck('d.code')) as string[];
}

/**
 * The secretariat reopens a completed or cancelled item (重新交办): a new run of
 * its workflow on the same assignment record, counted as the next round. The
 * earlier periods, reports and audit stay; the new round's periods are
 * numbered after them and start on `startDate` (default today).
 */
export interface Reopened {
  workflowId: string;
  runId: string;
  round: number;
  lead: string;
  cooperating: string[];
  startDate: string;
  finalDeadline: string;
}

export async function reopenItem(ctx: AssignContext, planCode: string, itemCode: string, body: z.output<typeof reopenRequestSchema>): Promise<Reopened> {
  const workflowId = itemWorkflowId(planCode, itemCode);
  const row = (await ctx.db('assignments as a')
    .join('items as i', 'i.id', 'a.item_id')
    .join('plans as p', 'p.id', 'i.plan_id')
    .leftJoin('actions as act', 'act.id', 'i.action_id')
    .leftJoin('safeguard_measures as m', 'm.id', 'i.measure_id')
    .join('departments as lead', 'lead.id', 'a.lead_department_id')
    .join('departments as sec', 'sec.id', 'p.secretariat_department_id')
    .where('a.workflow_id', workflowId)
    .first(
      'a.id',
      'a.status',
      'a.round',
      'a.policy',
      'i.title',
      'lead.code as lead',
      'sec.code as secretariat',
      ctx.db.raw(`to_char(a.final_deadline, 'YYYY-MM-DD') as final_deadline`),
      ctx.db.raw('coalesce(act.code, m.code) as group_code'),
    )) as
    | { id: number; status: string; round: number; policy: ItemPolicy; title: string; lead: string; secretariat: string; final_deadline: string; group_code: string }
    | undefined;
  if (!row) throw new HttpError(404, 'not_assigned', `item ${planCode}/${itemCode} was never assigned: assign it instead`);
  // Reopened already, by a first attempt of this very request (answered 503): that round, answered again.
  const closed = row.status === 'completed' || row.status === 'cancelled';
  const again = !closed && (await startedBy(ctx, workflowId));
  if (!closed && !again) throw new HttpError(409, 'conflict', `the item is ${row.status}; only a completed or cancelled item is reopened`);

  const cooperating =
    body.cooperating ??
    (await cooperatorsOf(ctx.db, row.id));
  const lead = body.lead ?? row.lead;
  const problems = await departmentProblems(ctx.db, lead, cooperating.filter((c) => c !== lead || body.cooperating !== undefined));
  const today = ctx.today ?? shanghaiDate(Date.now());
  const startDate = body.startDate ?? today;
  const finalDeadline = body.finalDeadline ?? row.final_deadline;
  const assignedOn = ctx.today ?? (ctx.workingDayMs ? startDate : today);
  if (finalDeadline < startDate || finalDeadline < assignedOn) {
    problems.push({ field: 'finalDeadline', message: `must not be before the start date ${startDate} or the day of reopening ${assignedOn} (the earlier final deadline was ${row.final_deadline})` });
  }
  if (problems.length) throw invalid(problems);

  if (again) return attachReopened(ctx, workflowId);
  const lastSeq = Number(((await ctx.db('periods').where({ assignment_id: row.id }).max({ seq: 'seq' }).first()) as { seq: number | null }).seq ?? 0);
  const input: ItemWorkflowInput = {
    itemKey: workflowId,
    planCode,
    actionCode: row.group_code,
    itemCode,
    title: row.title,
    lead,
    cooperating: cooperating.filter((c) => c !== lead),
    secretariat: row.secretariat,
    startDate,
    finalDeadline,
    policy: row.policy,
    assignedBy: ctx.actor,
    assignedOn,
    requestId: ctx.requestId,
    reopen: { round: row.round + 1, reason: body.reason, firstPeriodSeq: lastSeq + 1 },
  };
  const { runId } = await startItem(ctx, input, 'ALLOW_DUPLICATE');
  return { workflowId, runId, round: row.round + 1, lead, cooperating: input.cooperating, startDate, finalDeadline };
}

/** The round this request's first attempt started, once its assignment update has answered: as its record now holds it. */
async function attachReopened(ctx: AssignContext, workflowId: string): Promise<Reopened> {
  const runId = await attachedRun(ctx, workflowId);
  const row = (await ctx.db('assignments as a')
    .join('departments as lead', 'lead.id', 'a.lead_department_id')
    .where('a.workflow_id', workflowId)
    .first('a.id', 'a.round', 'lead.code as lead', ctx.db.raw(`to_char(a.start_date, 'YYYY-MM-DD') as start_date`), ctx.db.raw(`to_char(a.final_deadline, 'YYYY-MM-DD') as final_deadline`))) as {
    id: number;
    round: number;
    lead: string;
    start_date: string;
    final_deadline: string;
  };
  const cooperating = await cooperatorsOf(ctx.db, row.id);
  return { workflowId, runId, round: row.round, lead: row.lead, cooperating, startDate: row.start_date, finalDeadline: row.final_deadline };
}
