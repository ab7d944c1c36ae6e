import { z } from 'zod';
import { code, isoDate } from '../../db/catalog/plan-schema';
import type { Colour } from '../../domain/colour';
import { OPEN_STATUSES } from '../../workflows/definitions';
import { HttpError } from '../errors';
import { colourColumn, planItemsJoined } from '../services/plan-items';
import { route } from '../route';
import { day, indicator, instant, instructionView, itemAssignment, itemPeriod, itemReport, itemSummary, listedStatus, milestone, scheduleStanding } from '../schemas';
import { loadItem, requireParty } from '../services/item-access';
import { assignmentOf, cooperatorAcksOf, instructionsOf, periodsOf, reportsOf, scheduleOfItem, standingOf } from '../services/item-detail';

interface ListedRow {
  code: string;
  kind: string;
  title: string;
  group: string;
  status: string;
  lead: string | null;
  next_due_on: string | null;
  escalation_level: number;
  colour: Colour | null;
  planned: number | null;
  reported: number | null;
  as_of: string | null;
  behind: boolean | null;
}

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
    handler: async ({ deps }) => ({
      plans: await deps.db('plans').orderBy('id').select('code', 'title', 'issuer', 'coordinating_office as coordinatingOffice', deps.db.raw(`to_char(period_end, 'YYYY-MM-DD') as "periodEnd"`)),
    }),
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
      const plan = (await deps.db('plans').where({ code: params.plan }).first('id')) as { id: number } | undefined;
      if (!plan) throw new HttpError(404, 'not_found', `plan ${params.plan} does not exist`);
      return {
        actions: await deps.db('actions').where({ plan_id: plan.id }).whereNull('retired_at').orderBy('seq').select('code', 'seq', 'title', 'focus'),
        safeguards: await deps.db('safeguard_measures').where({ plan_id: plan.id }).whereNull('retired_at').orderBy('seq').select('code', 'seq', 'title'),
      };
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
      const { db } = deps;
      const q = planItemsJoined(db).where('p.code', params.plan);
      // A department sees the items it is party to, and nothing else.
      const party = principal.role === 'department' ? principal.department : query.department;
      if (party) {
        q.where((w) =>
          w
            .where('lead.code', party)
            .orWhereExists(db('assignment_cooperators as c').join('departments as d', 'd.id', 'c.department_id').whereRaw('c.assignment_id = a.id').where('d.code', party)),
        );
      }
      if (principal.role === 'department' && query.department && query.department !== principal.department) q.whereRaw('false');
      if (query.action) q.where((w) => w.where('act.code', query.action as string).orWhere('m.code', query.action as string));
      if (query.status === 'unassigned') q.whereNull('a.id');
      else if (query.status) q.where('a.status', query.status);
      if (query.dueFrom) q.where('a.next_due_on', '>=', query.dueFrom);
      if (query.dueTo) q.where('a.next_due_on', '<=', query.dueTo);
      // The colour (红黄绿灯) is computed in SQL, so a colour filter cuts the page in PostgreSQL too.
      const colour = await colourColumn(db, deps.workingDayMs);
      if (query.colour) q.whereRaw('? = ?', [colour.sql, query.colour]);
      if (query.behindSchedule !== undefined) q.whereRaw(`coalesce(a.behind_schedule and a.status in (${OPEN_STATUSES.map(() => '?').join(', ')}), false) = ?`, [...OPEN_STATUSES, query.behindSchedule]);
      const total = Number(((await q.clone().count({ n: '*' }).first()) as { n: string }).n);
      const rows = (await q
        .orderBy([{ column: 'i.kind', order: 'desc' }, 'act.seq', 'm.seq', 'i.seq'])
        .offset((query.page - 1) * query.pageSize)
        .limit(query.pageSize)
        .select(
          'i.code',
          'i.kind',
          'i.title',
          db.raw('coalesce(act.code, m.code) as "group"'),
          db.raw(`coalesce(a.status, 'unassigned') as status`),
          'lead.code as lead',
          db.raw(`to_char(a.next_due_on, 'YYYY-MM-DD') as next_due_on`),
          db.raw('coalesce(a.escalation_level, 0)::int as escalation_level'),
          db.raw('? as colour', [colour.sql]),
          'a.schedule_planned_percent as planned',
          'a.schedule_reported_percent as reported',
          db.raw(`to_char(a.schedule_as_of, 'YYYY-MM-DD') as as_of`),
          'a.behind_schedule as behind',
        )) as ListedRow[];
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
        proposal: await db('item_owner_proposals as p').join('departments as d', 'd.id', 'p.department_id').where('p.item_id', item.itemId).select('d.code', 'p.role'),
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
