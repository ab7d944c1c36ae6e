import crypto from 'node:crypto';
import type { WorkflowUpdateOptions } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { Request } from 'express';
import { z } from 'zod';
import { code, httpLink, isoDate } from '../../db/catalog/plan-schema';
import { REQUEST_LIMITS } from '../../domain/item/requests';
import { GRADES } from '../../domain/words';
import * as d from '../../workflows/definitions';
import type { Principal } from '../auth/tokens';
import { HttpError, invalid, type FieldProblem } from '../errors';
import { countWorkflowOperation } from '../metrics';
import { route, type ApiDeps } from '../route';
import { day, errorResponse, extensionRequest, itemPolicy, periodView, reportReceipt, statusAnswer, text } from '../schemas';
import { assignItem, assignRequestSchema, reopenItem, reopenRequestSchema } from '../services/assignments';
import { busyIfGaveUp, withinWait } from '../services/bounded-wait';
import { loadCityShare, loadItem, requireParty, type ItemAccess } from '../services/item-access';
import { throughWorkflow } from '../services/workflow-errors';
import { mapLimited } from '../../platform/limited';
import type { Db } from '../../db/connection';

const itemParams = z.object({ plan: code, item: code }).strict();
/** A city's share of a cascaded item, for the secretariat's decisions on it. */
const cityShareParams = z.object({ plan: code, item: code, city: code }).strict();

/** Items of one bulk assignment in flight at once. */
const BULK_ASSIGN_CONCURRENCY = 8;
/** What an item write answers besides its own errors: 404 for an item not assigned (or not the department's), 409 for a refusal, 503 busy. */
const WRITE_ERRORS = {
  404: 'No such item, or not assigned (to a department: not one of its items)',
  409: 'The item workflow refused the action in its current state (the message says why)',
  503: 'Temporal did not answer in time: retry after Retry-After, with the same Idempotency-Key',
};

/** The id the extension request answered with: `extension:<item key>:p<seq>:<uuid>`. */
const extensionId = z.string().max(300).regex(/^[A-Za-z0-9._:-]+$/, 'must be the extensionId of the pending request');

async function itemFor(deps: ApiDeps, principal: Principal, params: { plan: string; item: string }, opts: { leadOnly?: boolean } = {}): Promise<ItemAccess> {
  // A city with a share of the item (分解下达) acts on its share.
  const item = await loadItem(deps.db, params.plan, params.item, principal.department);
  requireParty(principal, item, opts);
  if (!item.assigned) throw new HttpError(404, 'not_assigned', `item ${params.plan}/${params.item} is not assigned`);
  return item;
}

/** A report names only the indicators its item has, each once: 422 naming the bad entry, before anything is written. */
async function requireKnownIndicators(db: Db, itemId: number, values: { name: string }[]): Promise<void> {
  const row = (await db('items').where('id', itemId).first('indicators')) as { indicators: { name: string }[] } | undefined;
  const known = new Set((row?.indicators ?? []).map((i) => i.name));
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  values.forEach((v, i) => {
    if (!known.has(v.name)) problems.push({ field: `indicators[${i}].name`, message: known.size ? `is not an indicator of this item (${[...known].join('、')})` : 'this item has no indicators' });
    else if (seen.has(v.name)) problems.push({ field: `indicators[${i}].name`, message: 'is listed twice' });
    seen.add(v.name);
  });
  if (problems.length) throw invalid(problems);
}

/** Cities to cascade to: each a department of kind city, or 422 naming the entry. */
async function requireCities(db: Db, cities: { code: string }[]): Promise<void> {
  const known = new Set((await db('departments').where('kind', 'city').whereIn('code', cities.map((c) => c.code)).pluck('code')) as string[]);
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  cities.forEach((c, i) => {
    if (!known.has(c.code)) problems.push({ field: `cities[${i}].code`, message: `is not a city (${c.code})` });
    else if (seen.has(c.code)) problems.push({ field: `cities[${i}].code`, message: 'is listed twice' });
    seen.add(c.code);
  });
  if (problems.length) throw invalid(problems);
}

function departmentOf(principal: Principal): string {
  if (!principal.department) throw new HttpError(403, 'forbidden', 'only department users act for a department');
  return principal.department;
}

const actor = (principal: Principal, requestId: string) => ({ actor: principal.username, requestId });

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,200}$/;
/** `idempotency_keys.status` of a key taken by a request not answered yet (it may have been answered 503). */
const IN_FLIGHT = 0;

interface KeyRow {
  route: string;
  request_sha256: string;
  status: number;
  response: unknown;
}

/**
 * Takes the key for this request before the write runs, so the same key with
 * another body is refused (409) even while the first request is still in flight.
 * Answers the stored answer when the key was answered already.
 */
async function takeKey(deps: ApiDeps, principal: Principal, key: string, routeName: string, body: unknown): Promise<KeyRow> {
  if (!IDEMPOTENCY_KEY.test(key)) throw new HttpError(400, 'bad_idempotency_key', 'Idempotency-Key must be 1-200 letters, digits, ".", "_", ":" or "-"');
  const sha = crypto.createHash('sha256').update(JSON.stringify(body ?? {})).digest('hex');
  await deps.db('idempotency_keys')
    .insert({ user_id: principal.userId, key, route: routeName, request_sha256: sha, status: IN_FLIGHT, response: JSON.stringify(null) })
    .onConflict(['user_id', 'key'])
    .ignore();
  const row = (await deps.db('idempotency_keys').where({ user_id: principal.userId, key }).first('route', 'request_sha256', 'status', 'response')) as KeyRow;
  if (row.route !== routeName || row.request_sha256 !== sha) throw new HttpError(409, 'idempotency_key_reused', 'this Idempotency-Key was used for another request');
  return row;
}

/**
 * Idempotency-Key, honoured on every item write: the same key and body give the
 * first answer again; the same key with another body is refused. `run` gets a
 * Temporal update id made from the user, route, key and body, so a retry after a 503
 * attaches to the update still waiting in the workflow instead of sending a
 * second one. Only a success is kept; a refusal (4xx) frees the key, since the
 * workflow applied nothing, while a 503 keeps it taken for the retry.
 */
async function idempotent<T>(
  deps: ApiDeps,
  principal: Principal,
  key: string | undefined,
  routeName: string,
  body: unknown,
  run: (updateId?: string) => Promise<T>,
): Promise<T> {
  if (!key) return run();
  const row = await takeKey(deps, principal, key, routeName, body);
  if (row.status !== IN_FLIGHT) return row.response as T;
  const where = { user_id: principal.userId, key };
  let answer: T;
  try {
    // The body's hash too: a key freed by a refusal and reused for another body must not meet the refused update.
    answer = await run(`${routeName}:${principal.userId}:${key}:${row.request_sha256.slice(0, 16)}`);
  } catch (err) {
    if (err instanceof HttpError && err.status < 500) await deps.db('idempotency_keys').where({ ...where, status: IN_FLIGHT }).delete();
    throw err;
  }
  await deps.db('idempotency_keys').where(where).update({ status: 200, response: JSON.stringify(answer) });
  return answer;
}

/** One update of the item's workflow: counted, bounded by UPDATE_WAIT_MS (then 503), and its refusal turned into the API's answer. */
function runUpdate<Ret, Args extends [unknown, ...unknown[]]>(
  deps: ApiDeps,
  item: ItemAccess,
  def: UpdateDefinition<Ret, Args>,
  options: WorkflowUpdateOptions & { args: Args },
): Promise<Ret> {
  countWorkflowOperation(def.name);
  return throughWorkflow(() => withinWait(deps.client, deps.updateWaitMs, () => deps.client.workflow.getHandle(item.itemKey).executeUpdate(def, options)), item);
}

interface WriteContext {
  deps: ApiDeps;
  principal: Principal;
  req: Request;
  body?: unknown;
  resource: ItemAccess;
}

/** An item write: one workflow update, under the request's Idempotency-Key. */
function itemWrite<Ret, Args extends [unknown, ...unknown[]]>(ctx: WriteContext, action: string, def: UpdateDefinition<Ret, Args>, args: Args): Promise<Ret> {
  const { deps, principal, req, resource: item } = ctx;
  return idempotent(deps, principal, req.header('idempotency-key'), `${action}:${item.itemKey}`, ctx.body, (updateId) =>
    runUpdate(deps, item, def, { args, ...(updateId ? { updateId } : {}) }),
  );
}

/** A review of the consolidated report: the item's, or a city's share's. */
const reviewBody = z
  .object({ decision: z.enum(['accept', 'return']), comment: text('comment').optional(), newDueOn: isoDate.optional() })
  .strict()
  .refine((b) => b.decision === 'accept' || b.newDueOn !== undefined, { path: ['newDueOn'], message: 'is required when returning a report' });
/** A decision on a pending extension request: the item's, or a city's share's. */
const extensionDecisionBody = z.object({ extensionId, approve: z.boolean(), dueOn: isoDate.optional(), comment: text('comment').optional() }).strict();
/** A decision on a completion request, with a grade when approving. */
const completionDecisionBody = z
  .object({ approve: z.boolean(), grade: z.enum(GRADES).optional(), comment: text('comment').optional() })
  .strict()
  .refine((b) => !b.approve || b.grade !== undefined, { path: ['grade'], message: 'is required when approving completion' });

export const itemRoutes = [
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/assign',
    operationId: 'assignItem',
    response: z.object({ workflowId: z.string(), lead: z.string(), cooperating: z.array(z.string()), startDate: day, finalDeadline: day, policy: itemPolicy }),
    errors: { 404: 'No such item in the catalog', 409: 'Already assigned, or retired from the plan', 503: WRITE_ERRORS[503] },
    tag: 'assignment',
    summary: 'Assign an item to a lead and co-operating departments',
    access: ['secretariat'],
    status: 201,
    params: itemParams,
    body: assignRequestSchema.omit({ planCode: true, itemCode: true }),
    handler: async ({ deps, params, body, principal, requestId, req }) => {
      const assign = async (updateId?: string) => {
        const { workflowId, input } = await assignItem(
          { client: deps.client, db: deps.db, taskQueue: deps.taskQueue, actor: principal.username, requestId, workingDayMs: deps.workingDayMs, updateId },
          { ...body, planCode: params.plan, itemCode: params.item },
        );
        return { workflowId, lead: input.lead, cooperating: input.cooperating, startDate: input.startDate, finalDeadline: input.finalDeadline, policy: input.policy };
      };
      const routeName = `assign:${d.itemWorkflowId(params.plan, params.item)}`;
      // A retry after 503 gets the assignment its first attempt started, not 409 (assignItem's updateId).
      return idempotent(deps, principal, req.header('idempotency-key'), routeName, body, (updateId) => withinWait(deps.client, deps.updateWaitMs, () => assign(updateId)));
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/reopen',
    operationId: 'reopenItem',
    response: z.object({ workflowId: z.string(), runId: z.string(), round: z.number().int().min(2), lead: z.string(), cooperating: z.array(z.string()), startDate: day, finalDeadline: day }),
    errors: { 404: 'Never assigned: assign it instead', 409: 'Only a completed or cancelled item is reopened', 503: WRITE_ERRORS[503] },
    tag: 'assignment',
    summary: 'Reopen a completed or cancelled item (重新交办): a new round on the same record',
    access: ['secretariat'],
    status: 201,
    params: itemParams,
    body: reopenRequestSchema,
    handler: async ({ deps, params, body, principal, requestId, req }) => {
      // A retry after 503 gets the round its first attempt started, not 409 (reopenItem's updateId).
      const reopen = (updateId?: string) =>
        reopenItem({ client: deps.client, db: deps.db, taskQueue: deps.taskQueue, actor: principal.username, requestId, workingDayMs: deps.workingDayMs, updateId }, params.plan, params.item, body);
      const routeName = `reopen:${d.itemWorkflowId(params.plan, params.item)}`;
      return idempotent(deps, principal, req.header('idempotency-key'), routeName, body, (updateId) => withinWait(deps.client, deps.updateWaitMs, () => reopen(updateId)));
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/assignments',
    operationId: 'assignItems',
    response: z.object({
      /** One per item, in the order given: 201 with its workflow, or the error that item met. */
      results: z.array(
        z.union([
          z.object({ index: z.number().int(), itemCode: z.string(), status: z.literal(201), workflowId: z.string() }),
          z.object({ index: z.number().int(), itemCode: z.string(), status: z.number().int().min(400), error: errorResponse.shape.error }),
        ]),
      ),
    }),
    errors: { 503: WRITE_ERRORS[503] },
    tag: 'assignment',
    summary: 'Assign several items at once',
    access: ['secretariat'],
    params: z.object({ plan: code }).strict(),
    body: z.object({ items: z.array(assignRequestSchema.omit({ planCode: true })).min(1).max(100) }).strict(),
    handler: async ({ deps, params, body, principal, requestId, res }) => {
      // One deadline for the whole request: items Temporal has not taken by then answer 503 each, and the rest stand.
      const waitMs = deps.updateWaitMs;
      // Several at a time: each item is its own row and workflow, and one after another left Temporal idle between round trips.
      const results = await withinWait(deps.client, waitMs, () =>
        mapLimited(body.items, BULK_ASSIGN_CONCURRENCY, async (one, i) => {
          try {
            const { workflowId } = await assignItem(
              { client: deps.client, db: deps.db, taskQueue: deps.taskQueue, actor: principal.username, requestId, workingDayMs: deps.workingDayMs },
              { ...one, planCode: params.plan },
            );
            return { index: i, itemCode: one.itemCode, status: 201 as const, workflowId };
          } catch (caught) {
            const err = busyIfGaveUp(caught, waitMs);
            if (!(err instanceof HttpError)) throw err;
            if (err.headers) res.set(err.headers);
            return { index: i, itemCode: one.itemCode, status: err.status, error: { code: err.code, message: err.message, details: err.details } };
          }
        }),
      );
      return { results };
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/acknowledge',
    operationId: 'acknowledgeItem',
    response: statusAnswer,
    errors: WRITE_ERRORS,
    tag: 'item actions',
    summary: 'Acknowledge an assignment (签收), as its lead or as a co-operating department',
    access: ['department'],
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    handler: async (ctx) => {
      const status = await itemWrite(ctx, 'acknowledge', d.acknowledgeUpdate, [{ ...actor(ctx.principal, ctx.requestId), department: departmentOf(ctx.principal) }]);
      return { status };
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/reports',
    operationId: 'fileReport',
    response: reportReceipt,
    errors: WRITE_ERRORS,
    tag: 'item actions',
    summary: 'File a progress report (co-operating input, or the lead consolidated report)',
    access: ['department'],
    status: 201,
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: z
      .object({
        periodSeq: z.number().int().min(1).max(1000),
        progress: text('long'),
        percentDone: z.number().int().min(REQUEST_LIMITS.percent.min).max(REQUEST_LIMITS.percent.max),
        problems: text('long').optional(),
        nextSteps: text('long').optional(),
        attachments: z.array(httpLink(REQUEST_LIMITS.link)).max(REQUEST_LIMITS.attachments).optional(),
        /** 序时进度: values of the item's indicators, each named as the plan names it. */
        indicators: z
          .array(z.object({ name: text('name'), value: z.number().finite() }).strict())
          .max(REQUEST_LIMITS.indicators)
          .optional(),
      })
      .strict(),
    handler: async (ctx) => {
      if (ctx.body.indicators?.length) await requireKnownIndicators(ctx.deps.db, ctx.resource.itemId, ctx.body.indicators);
      return itemWrite(ctx, 'report', d.submitReportUpdate, [{ ...actor(ctx.principal, ctx.requestId), department: departmentOf(ctx.principal), ...ctx.body }]);
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/review',
    operationId: 'reviewReport',
    response: periodView,
    errors: WRITE_ERRORS,
    tag: 'item actions',
    summary: 'Review the consolidated report: accept, or return with a new due date',
    access: ['secretariat'],
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: reviewBody,
    handler: async (ctx) => {
      return itemWrite(ctx, 'review', d.reviewReportUpdate, [{ ...actor(ctx.principal, ctx.requestId), ...ctx.body }]);
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/cities/:city/review',
    operationId: 'reviewCityReport',
    response: periodView,
    errors: { ...WRITE_ERRORS, 404: 'No such item, or not cascaded to this city' },
    tag: 'item actions',
    summary: "Review a city's consolidated report on its share of a cascaded item (分解下达): accept, or return with a new due date",
    access: ['secretariat'],
    params: cityShareParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: reviewBody,
    handler: async (ctx) => {
      // The body is checked first (422), then the share: 404 when the item was not cascaded to the city.
      const share = await loadCityShare(ctx.deps.db, ctx.params.plan, ctx.params.item, ctx.params.city);
      return itemWrite({ ...ctx, resource: share }, 'review', d.reviewReportUpdate, [{ ...actor(ctx.principal, ctx.requestId), ...ctx.body }]);
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/extension-requests',
    operationId: 'requestExtension',
    response: extensionRequest,
    errors: WRITE_ERRORS,
    tag: 'item actions',
    summary: 'Ask for an extension (延期)',
    access: ['department'],
    status: 201,
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params, { leadOnly: true }),
    body: z.object({ requestedDueOn: isoDate, reason: text('comment') }).strict(),
    handler: async (ctx) => {
      return itemWrite(ctx, 'extension-request', d.requestExtensionUpdate, [{ ...actor(ctx.principal, ctx.requestId), department: departmentOf(ctx.principal), ...ctx.body }]);
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/extension-decision',
    operationId: 'decideExtension',
    response: periodView,
    errors: WRITE_ERRORS,
    tag: 'item actions',
    summary: 'Decide the pending extension request',
    access: ['secretariat'],
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: extensionDecisionBody,
    handler: async (ctx) => {
      return itemWrite(ctx, 'extension-decision', d.decideExtensionUpdate, [{ ...actor(ctx.principal, ctx.requestId), ...ctx.body }]);
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/cities/:city/extension-decision',
    operationId: 'decideCityExtension',
    response: periodView,
    errors: { ...WRITE_ERRORS, 404: 'No such item, or not cascaded to this city' },
    tag: 'item actions',
    summary: "Decide a city's pending extension request on its share of a cascaded item",
    access: ['secretariat'],
    params: cityShareParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: extensionDecisionBody,
    handler: async (ctx) => {
      const share = await loadCityShare(ctx.deps.db, ctx.params.plan, ctx.params.item, ctx.params.city);
      return itemWrite({ ...ctx, resource: share }, 'extension-decision', d.decideExtensionUpdate, [{ ...actor(ctx.principal, ctx.requestId), ...ctx.body }]);
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/reassign',
    operationId: 'reassignLead',
    response: z.object({ lead: z.string(), cooperating: z.array(z.string()) }),
    errors: WRITE_ERRORS,
    tag: 'item actions',
    summary: 'Move the lead to another department',
    access: ['secretariat'],
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: z.object({ newLead: code, reason: text('comment') }).strict(),
    handler: async (ctx) => {
      const { deps, body } = ctx;
      if ((await deps.db('departments').where({ code: body.newLead }).first('id')) === undefined) {
        throw new HttpError(422, 'invalid_request', `newLead: unknown department "${body.newLead}"`, [{ field: 'newLead', message: `unknown department "${body.newLead}"` }]);
      }
      return itemWrite(ctx, 'reassign', d.reassignLeadUpdate, [{ ...actor(ctx.principal, ctx.requestId), ...body }]);
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/instructions',
    operationId: 'instruct',
    response: z.object({
      instructionKey: z.string(),
      /** The date the lead's 落实反馈 is due (absent on items assigned before feedback was asked for). */
      feedbackDueOn: day.optional(),
    }),
    errors: WRITE_ERRORS,
    tag: 'item actions',
    summary: 'Issue an instruction (批示)',
    access: ['leadership'],
    status: 201,
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: z
      .object({
        text: text('comment'),
        /** 落实反馈 is due this many working days from today (default 5). */
        respondWithinWorkingDays: z.number().int().min(1).max(60).optional(),
      })
      .strict(),
    handler: async (ctx) => {
      return itemWrite(ctx, 'instruction', d.instructUpdate, [{ ...actor(ctx.principal, ctx.requestId), ...ctx.body }]);
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/instructions/:instruction/feedback',
    operationId: 'fileFeedback',
    response: z.object({ instructionKey: z.string(), late: z.boolean() }),
    errors: WRITE_ERRORS,
    tag: 'item actions',
    summary: 'File the 落实反馈 on an instruction (批示), as the lead department',
    access: ['department'],
    status: 201,
    params: itemParams.extend({ instruction: z.uuid() }).strict(),
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params, { leadOnly: true }),
    body: z.object({ text: text('long') }).strict(),
    handler: async (ctx) => {
      // The instruction's key is built by the workflow from the item and this id.
      const instructionKey = `instruction:${ctx.resource.itemKey}:${ctx.params.instruction}`;
      return itemWrite(ctx, 'feedback', d.fileFeedbackUpdate, [{ ...actor(ctx.principal, ctx.requestId), department: departmentOf(ctx.principal), instructionKey, text: ctx.body.text }]);
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/completion-request',
    operationId: 'requestCompletion',
    response: statusAnswer,
    errors: WRITE_ERRORS,
    tag: 'item actions',
    summary: 'Ask for completion (申请办结)',
    access: ['department'],
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params, { leadOnly: true }),
    body: z.object({ summary: text('long') }).strict(),
    handler: async (ctx) => {
      const status = await itemWrite(ctx, 'completion-request', d.requestCompletionUpdate, [{ ...actor(ctx.principal, ctx.requestId), department: departmentOf(ctx.principal), ...ctx.body }]);
      return { status };
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/completion-decision',
    operationId: 'decideCompletion',
    response: statusAnswer,
    errors: WRITE_ERRORS,
    tag: 'item actions',
    summary: 'Decide completion, with a grade',
    access: ['secretariat'],
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: completionDecisionBody,
    handler: async (ctx) => {
      const status = await itemWrite(ctx, 'completion-decision', d.decideCompletionUpdate, [{ ...actor(ctx.principal, ctx.requestId), ...ctx.body }]);
      return { status };
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/cities/:city/completion-decision',
    operationId: 'decideCityCompletion',
    response: statusAnswer,
    errors: { ...WRITE_ERRORS, 404: 'No such item, or not cascaded to this city' },
    tag: 'item actions',
    summary: "Decide a city's completion request on its share of a cascaded item, with a grade",
    access: ['secretariat'],
    params: cityShareParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: completionDecisionBody,
    handler: async (ctx) => {
      const share = await loadCityShare(ctx.deps.db, ctx.params.plan, ctx.params.item, ctx.params.city);
      const status = await itemWrite({ ...ctx, resource: share }, 'completion-decision', d.decideCompletionUpdate, [{ ...actor(ctx.principal, ctx.requestId), ...ctx.body }]);
      return { status };
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/cascade',
    operationId: 'cascadeItem',
    response: z.object({ started: z.array(z.string()), existing: z.array(z.string()) }),
    errors: WRITE_ERRORS,
    tag: 'item actions',
    summary: "Cascade an item to cities (分解下达): each city's share is a workflow of its own, with its acknowledgement, periods and ladder; a city cascaded to already is not started twice",
    access: ['secretariat', 'department'],
    params: itemParams,
    // The secretariat, or the lead department of the provincial item.
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params, { leadOnly: true }),
    body: z
      .object({
        cities: z
          .array(z.object({ code, weight: z.number().positive().max(REQUEST_LIMITS.weight).optional() }).strict())
          .min(REQUEST_LIMITS.cities.min)
          .max(REQUEST_LIMITS.cities.max),
      })
      .strict(),
    handler: async (ctx) => {
      await requireCities(ctx.deps.db, ctx.body.cities);
      const department = ctx.principal.department ? { department: ctx.principal.department } : {};
      return itemWrite(ctx, 'cascade', d.cascadeUpdate, [{ ...actor(ctx.principal, ctx.requestId), ...department, cities: ctx.body.cities }]);
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/cancel',
    operationId: 'cancelItem',
    response: statusAnswer,
    errors: WRITE_ERRORS,
    tag: 'item actions',
    summary: 'Cancel an item (撤销)',
    access: ['secretariat'],
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: z.object({ reason: text('comment') }).strict(),
    handler: async (ctx) => {
      const status = await itemWrite(ctx, 'cancel', d.cancelUpdate, [{ ...actor(ctx.principal, ctx.requestId), ...ctx.body }]);
      return { status };
    },
  }),
];
