import { z } from 'zod';
import { HttpError } from '../errors';
import { route } from '../route';
import { loadItem, planItemsJoined, requireParty } from '../services/item-access';

const code = z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ".", "_" or "-"');
const planParams = z.object({ plan: code }).strict();
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');

export const catalogRoutes = [
  route({
    method: 'get',
    path: '/plans',
    tag: 'catalog',
    summary: 'List plans',
    access: 'signed-in',
    handler: async ({ deps }) => ({
      plans: await deps.db('plans').orderBy('id').select('code', 'title', 'issuer', 'coordinating_office as coordinatingOffice', deps.db.raw(`to_char(period_end, 'YYYY-MM-DD') as "periodEnd"`)),
    }),
  }),
  route({
    method: 'get',
    path: '/plans/:plan/actions',
    tag: 'catalog',
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
    tag: 'catalog',
    summary: 'List items (filter by action, department, status, due range; paginated)',
    access: 'signed-in',
    params: planParams,
    query: z
      .object({
        action: code.optional(),
        department: code.optional(),
        status: z.enum(['unassigned', 'assigned', 'acknowledged', 'in_progress', 'completion_requested', 'completed', 'cancelled']).optional(),
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
      const total = Number(((await q.clone().count({ n: '*' }).first()) as { n: string }).n);
      const rows = await q
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
          db.raw(`to_char(a.next_due_on, 'YYYY-MM-DD') as "nextDue"`),
          'a.escalation_level as escalationLevel',
        );
      return { total, page: query.page, pageSize: query.pageSize, items: rows };
    },
  }),
  route({
    method: 'get',
    path: '/plans/:plan/items/:item',
    tag: 'catalog',
    summary: 'One item with its assignment, periods and reports',
    access: 'signed-in',
    params: z.object({ plan: code, item: code }).strict(),
    handler: async ({ deps, params, principal }) => {
      const item = await loadItem(deps.db, params.plan, params.item);
      requireParty(principal, item);
      const { db } = deps;
      const assignment = item.assigned ? await db('assignments').where({ item_id: item.itemId }).first() : undefined;
      return {
        code: params.item,
        title: item.title,
        itemKey: item.itemKey,
        status: item.status ?? 'unassigned',
        lead: item.lead ?? null,
        cooperating: item.cooperating,
        proposal: await db('item_owner_proposals as p').join('departments as d', 'd.id', 'p.department_id').where('p.item_id', item.itemId).select('d.code', 'p.role'),
        assignment: assignment ?? null,
        periods: assignment ? await db('periods').where({ assignment_id: assignment.id }).orderBy('seq') : [],
        reports: assignment
          ? await db('reports as r').join('departments as d', 'd.id', 'r.department_id').where('r.assignment_id', assignment.id).orderBy('r.id').select('r.*', 'd.code as department')
          : [],
      };
    },
  }),
];
