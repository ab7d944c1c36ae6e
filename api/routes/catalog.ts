import { z } from 'zod';
import { code, isoDate } from '../../db/catalog/plan-schema';
import { itemProposal, listItems, listPlans, planGroups } from '../../db/catalog-read';
import { HttpError } from '../errors';
import { route } from '../route';
import { day, indicator, instant, instructionView, itemAssignment, itemPeriod, itemReport, itemSummary, listedStatus, milestone, scheduleStanding } from '../schemas';
import { loadItem, requireParty } from '../services/item-access';
import { assignmentOf, cooperatorAcksOf, instructionsOf, periodsOf, reportsOf, scheduleOfItem, standingOf } from '../services/item-detail';

const planParams = z.object({ plan: code }).strict();

export const catalogRoutes = [
  route({
    method: 'get',
    path: '/plans',
    operationId: 'listPlans',
    tag: 'catalog',
    response: z.object({
      plans: z.array(z.object({ code: z.string(), title: z.string(), issuer: z.string(), coordinatingOffice: z.string(), periodEnd: day })),
    }),
    summary: 'List plans',
    access: 'signed-in',
    handler: async ({ deps }) => ({ plans: await listPlans(deps.db) }),
  }),
  route({
    method: 'get',
    path: '/plans/:plan/actions',
    operationId: 'listActions',
    tag: 'catalog',
    errors: { 404: 'No such plan' },
    response: z.object({
      actions: z.array(z.object({ code: z.string(), seq: z.number().int(), title: z.string(), focus: z.string() })),
      safeguards: z.array(z.object({ code: z.string(), seq: z.number().int(), title: z.string() })),
    }),
    summary: 'List the key actions and safeguard measures of a plan',
    access: 'signed-in',
    params: planParams,
    handler: async ({ deps, params }) => {
      const groups = await planGroups(deps.db, params.plan);
      if (!groups) throw new HttpError(404, 'not_found', `plan ${params.plan} does not exist`);
      return groups;
    },
  }),
  route({
    method: 'get',
    path: '/plans/:plan/items',
    operationId: 'listItems',
    tag: 'catalog',
    response: z.object({ total: z.number().int().min(0), page: z.number().int(), pageSize: z.number().int(), items: z.array(itemSummary) }),
    summary: 'List items (filter by action, department, status, colour, due range; paginated)',
    access: 'signed-in',
    params: planParams,
    query: z
      .object({
        action: code.optional(),
        department: code.optional(),
        status: z.enum(['unassigned', 'assigned', 'acknowledged', 'in_progress', 'completion_requested', 'completed', 'cancelled']).optional(),
        colour: z.enum(['red', 'yellow', 'green']).optional(),
        /** Only the open items that are 滞后 (true), or only those that are not (false). */
        behindSchedule: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
        dueFrom: isoDate.optional(),
        dueTo: isoDate.optional(),
        page: z.coerce.number().int().min(1).max(10_000).default(1),
        pageSize: z.coerce.number().int().min(1).max(200).default(50),
      })
      .strict(),
    handler: async ({ deps, params, query, principal }) => {
      // A department sees the items it is party to, and nothing else.
      const party = principal.role === 'department' ? principal.department : query.department;
      const none = principal.role === 'department' && !!query.department && query.department !== principal.department;
      const { total, rows } = await listItems(deps.db, params.plan, { ...query, party, none }, deps.workingDayMs);
      const items = rows.map((r) => ({
        code: r.code,
        kind: r.kind,
        title: r.title,
        group: r.group,
        status: r.status,
        lead: r.lead,
        nextDue: r.next_due_on,
        escalationLevel: r.escalation_level,
        colour: r.colour,
        schedule: standingOf(r),
      }));
      return { total, page: query.page, pageSize: query.pageSize, items };
    },
  }),
  route({
    method: 'get',
    path: '/plans/:plan/items/:item',
    operationId: 'getItem',
    tag: 'catalog',
    errors: { 404: 'No such item (or, to a department, not one of its items)' },
    response: z.object({
      code: z.string(),
      title: z.string(),
      itemKey: z.string(),
      status: listedStatus,
      lead: z.string().nullable(),
      cooperating: z.array(z.string()),
      /** The plan's proposed lead and co-operating departments. */
      proposal: z.array(z.object({ code: z.string(), role: z.enum(['lead', 'cooperating']) })),
      assignment: itemAssignment.nullable(),
      /** In order, every round's. */
      periods: z.array(itemPeriod),
      /** Oldest first, as filed. */
      reports: z.array(itemReport),
      /** 序时进度 (coord-plan/v2): the milestones the item is judged by, in date order. */
      milestones: z.array(milestone),
      indicators: z.array(indicator),
      /** Where the item stands against its milestones; null until the lead's first consolidated report. */
      schedule: scheduleStanding.nullable(),
      /** Leadership instructions (批示), oldest first, each with the lead's 落实反馈 beside it. */
      instructions: z.array(instructionView),
      /** The co-operating departments and when each acknowledged (签收). */
      cooperatorAcks: z.array(
        z.object({
          department: z.string(),
          acknowledgedAt: instant.nullable(),
          /** The item takes a co-operating 签收 (items assigned since the supervision loop). */
          expected: z.boolean(),
        }),
      ),
    }),
    summary: 'One item with its assignment, periods and reports',
    access: 'signed-in',
    params: z.object({ plan: code, item: code }).strict(),
    handler: async ({ deps, params, principal }) => {
      const item = await loadItem(deps.db, params.plan, params.item, principal.department);
      requireParty(principal, item);
      const { db } = deps;
      const assignment = item.assigned ? await assignmentOf(db, item.itemId, item.share ? item.itemKey : undefined) : undefined;
      const reports = assignment ? await reportsOf(db, assignment.id) : [];
      return {
        code: params.item,
        title: item.title,
        itemKey: item.itemKey,
        status: item.status ?? 'unassigned',
        lead: item.lead ?? null,
        cooperating: item.cooperating,
        proposal: await itemProposal(db, item.itemId),
        assignment: assignment?.answer ?? null,
        periods: assignment ? await periodsOf(db, assignment.id) : [],
        ...(await scheduleOfItem(db, item.itemId, reports, assignment?.id)),
        reports,
        instructions: assignment ? await instructionsOf(db, assignment.id) : [],
        cooperatorAcks: assignment ? await cooperatorAcksOf(db, assignment.id) : [],
      };
    },
  }),
];
