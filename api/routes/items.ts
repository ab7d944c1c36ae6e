import crypto from 'node:crypto';
import type { WorkflowUpdateOptions } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { z } from 'zod';
import { code, isoDate } from '../../db/catalog/plan-schema';
import * as d from '../../workflows/definitions';
import type { Principal } from '../auth/tokens';
import { HttpError } from '../errors';
import { countWorkflowOperation } from '../metrics';
import { route, type ApiDeps } from '../route';
import { assignItem, assignRequestSchema } from '../services/assignments';
import { loadItem, requireParty, type ItemAccess } from '../services/item-access';
import { throughWorkflow } from '../services/workflow-errors';

const itemParams = z.object({ plan: code, item: code }).strict();
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

async function itemFor(deps: ApiDeps, principal: Principal, params: { plan: string; item: string }, opts: { leadOnly?: boolean } = {}): Promise<ItemAccess> {
  const item = await loadItem(deps.db, params.plan, params.item);
  requireParty(principal, item, opts);
  if (!item.assigned) throw new HttpError(404, 'not_assigned', `item ${params.plan}/${params.item} is not assigned`);
  return item;
}

function departmentOf(principal: Principal): string {
  if (!principal.department) throw new HttpError(403, 'forbidden', 'only department users act for a department');
  return principal.department;
}

const actor = (principal: Principal, requestId: string) => ({ actor: principal.username, requestId });

/** Idempotency-Key: the same key and body give the first answer again; the same key with another body is refused. */
async function idempotent(deps: ApiDeps, principal: Principal, key: string | undefined, routeName: string, body: unknown, run: () => Promise<unknown>): Promise<unknown> {
  if (!key) return run();
  if (!/^[A-Za-z0-9._:-]{1,200}$/.test(key)) throw new HttpError(400, 'bad_idempotency_key', 'Idempotency-Key must be 1-200 letters, digits, ".", "_", ":" or "-"');
  const sha = crypto.createHash('sha256').update(JSON.stringify(body)).digest('hex');
  const seen = (await deps.db('idempotency_keys').where({ user_id: principal.userId, key }).first()) as { route: string; request_sha256: string; response: unknown } | undefined;
  if (seen) {
    if (seen.route !== routeName || seen.request_sha256 !== sha) throw new HttpError(409, 'idempotency_key_reused', 'this Idempotency-Key was used for another request');
    return seen.response;
  }
  const answer = await run();
  await deps.db('idempotency_keys')
    .insert({ user_id: principal.userId, key, route: routeName, request_sha256: sha, status: 200, response: JSON.stringify(answer) })
    .onConflict(['user_id', 'key'])
    .ignore();
  return answer;
}

/** One update of the item's workflow: counted, and its refusal turned into the API's answer. */
function runUpdate<Ret, Args extends [unknown, ...unknown[]]>(
  deps: ApiDeps,
  item: ItemAccess,
  def: UpdateDefinition<Ret, Args>,
  options: WorkflowUpdateOptions & { args: Args },
): Promise<Ret> {
  countWorkflowOperation(def.name);
  return throughWorkflow(() => deps.client.workflow.getHandle(item.itemKey).executeUpdate(def, options));
}

export const itemRoutes = [
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/assign',
    tag: 'assignment',
    summary: 'Assign an item to a lead and co-operating departments',
    access: ['secretariat'],
    status: 201,
    params: itemParams,
    body: assignRequestSchema.omit({ planCode: true, itemCode: true }),
    handler: async ({ deps, params, body, principal, requestId }) => {
      const { workflowId, input } = await assignItem(
        { client: deps.client, db: deps.db, taskQueue: deps.taskQueue, actor: principal.username, requestId },
        { ...body, planCode: params.plan, itemCode: params.item },
      );
      return { workflowId, lead: input.lead, cooperating: input.cooperating, startDate: input.startDate, finalDeadline: input.finalDeadline, policy: input.policy };
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/assignments',
    tag: 'assignment',
    summary: 'Assign several items at once',
    access: ['secretariat'],
    params: z.object({ plan: code }).strict(),
    body: z.object({ items: z.array(assignRequestSchema.omit({ planCode: true })).min(1).max(100) }).strict(),
    handler: async ({ deps, params, body, principal, requestId }) => {
      const results = [];
      for (const [i, one] of body.items.entries()) {
        try {
          const { workflowId } = await assignItem(
            { client: deps.client, db: deps.db, taskQueue: deps.taskQueue, actor: principal.username, requestId },
            { ...one, planCode: params.plan },
          );
          results.push({ index: i, itemCode: one.itemCode, status: 201, workflowId });
        } catch (err) {
          if (!(err instanceof HttpError)) throw err;
          results.push({ index: i, itemCode: one.itemCode, status: err.status, error: { code: err.code, message: err.message, details: err.details } });
        }
      }
      return { results };
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/acknowledge',
    tag: 'item actions',
    summary: 'Acknowledge an assignment (签收)',
    access: ['department'],
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params, { leadOnly: true }),
    handler: async ({ deps, principal, requestId, resource: item }) => {
      const status = await runUpdate(deps, item, d.acknowledgeUpdate, { args: [{ ...actor(principal, requestId), department: departmentOf(principal) }] });
      return { status };
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/reports',
    tag: 'item actions',
    summary: 'File a progress report (co-operating input, or the lead consolidated report); honours Idempotency-Key',
    access: ['department'],
    status: 201,
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: z
      .object({
        periodSeq: z.number().int().min(1).max(1000),
        progress: text(5000),
        percentDone: z.number().int().min(0).max(100),
        problems: text(5000).optional(),
        nextSteps: text(5000).optional(),
        attachments: z.array(z.string().url().max(1000).regex(/^https?:\/\//, 'must be an http(s) link')).max(20).optional(),
      })
      .strict(),
    handler: async ({ deps, body, principal, requestId, req, resource: item }) => {
      const key = req.header('idempotency-key');
      return idempotent(deps, principal, key, `report:${item.itemKey}`, body, () =>
        runUpdate(deps, item, d.submitReportUpdate, {
            args: [{ ...actor(principal, requestId), department: departmentOf(principal), ...body }],
            ...(key ? { updateId: `report:${principal.userId}:${key}` } : {}),
          }),
      );
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/review',
    tag: 'item actions',
    summary: 'Review the consolidated report: accept, or return with a new due date',
    access: ['secretariat'],
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: z
      .object({ decision: z.enum(['accept', 'return']), comment: text(2000).optional(), newDueOn: isoDate.optional() })
      .strict()
      .refine((b) => b.decision === 'accept' || b.newDueOn !== undefined, { path: ['newDueOn'], message: 'is required when returning a report' }),
    handler: async ({ deps, body, principal, requestId, resource: item }) => {
      return runUpdate(deps, item, d.reviewReportUpdate, { args: [{ ...actor(principal, requestId), ...body }] });
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/extension-requests',
    tag: 'item actions',
    summary: 'Ask for an extension (延期)',
    access: ['department'],
    status: 201,
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params, { leadOnly: true }),
    body: z.object({ requestedDueOn: isoDate, reason: text(2000) }).strict(),
    handler: async ({ deps, body, principal, requestId, resource: item }) => {
      return runUpdate(deps, item, d.requestExtensionUpdate, { args: [{ ...actor(principal, requestId), department: departmentOf(principal), ...body }] });
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/extension-decision',
    tag: 'item actions',
    summary: 'Decide the pending extension request',
    access: ['secretariat'],
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: z.object({ extensionId: text(300), approve: z.boolean(), dueOn: isoDate.optional(), comment: text(2000).optional() }).strict(),
    handler: async ({ deps, body, principal, requestId, resource: item }) => {
      return runUpdate(deps, item, d.decideExtensionUpdate, { args: [{ ...actor(principal, requestId), ...body }] });
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/reassign',
    tag: 'item actions',
    summary: 'Move the lead to another department',
    access: ['secretariat'],
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: z.object({ newLead: code, reason: text(2000) }).strict(),
    handler: async ({ deps, body, principal, requestId, resource: item }) => {
      if ((await deps.db('departments').where({ code: body.newLead }).first('id')) === undefined) {
        throw new HttpError(422, 'invalid_request', `newLead: unknown department "${body.newLead}"`, [{ field: 'newLead', message: `unknown department "${body.newLead}"` }]);
      }
      return runUpdate(deps, item, d.reassignLeadUpdate, { args: [{ ...actor(principal, requestId), ...body }] });
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/instructions',
    tag: 'item actions',
    summary: 'Issue an instruction (批示)',
    access: ['leadership'],
    status: 201,
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: z.object({ text: text(2000) }).strict(),
    handler: async ({ deps, body, principal, requestId, resource: item }) => {
      return runUpdate(deps, item, d.instructUpdate, { args: [{ ...actor(principal, requestId), ...body }] });
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/completion-request',
    tag: 'item actions',
    summary: 'Ask for completion (申请办结)',
    access: ['department'],
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params, { leadOnly: true }),
    body: z.object({ summary: text(5000) }).strict(),
    handler: async ({ deps, body, principal, requestId, resource: item }) => {
      const status = await runUpdate(deps, item, d.requestCompletionUpdate, { args: [{ ...actor(principal, requestId), department: departmentOf(principal), ...body }] });
      return { status };
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/completion-decision',
    tag: 'item actions',
    summary: 'Decide completion, with a grade',
    access: ['secretariat'],
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: z
      .object({ approve: z.boolean(), grade: z.enum(['excellent', 'good', 'pass', 'fail']).optional(), comment: text(2000).optional() })
      .strict()
      .refine((b) => !b.approve || b.grade !== undefined, { path: ['grade'], message: 'is required when approving completion' }),
    handler: async ({ deps, body, principal, requestId, resource: item }) => {
      const status = await runUpdate(deps, item, d.decideCompletionUpdate, { args: [{ ...actor(principal, requestId), ...body }] });
      return { status };
    },
  }),
  route({
    method: 'post',
    path: '/plans/:plan/items/:item/cancel',
    tag: 'item actions',
    summary: 'Cancel an item (撤销)',
    access: ['secretariat'],
    params: itemParams,
    authorize: ({ deps, principal, params }) => itemFor(deps, principal, params),
    body: z.object({ reason: text(2000) }).strict(),
    handler: async ({ deps, body, principal, requestId, resource: item }) => {
      const status = await runUpdate(deps, item, d.cancelUpdate, { args: [{ ...actor(principal, requestId), ...body }] });
      return { status };
    },
  }),
];
