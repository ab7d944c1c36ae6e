import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import type { Db } from '../../db/connection';
import { OPEN_STATUSES } from '../../workflows/definitions';
import type { Principal } from '../auth/tokens';
import { HttpError } from '../errors';
import { route } from '../route';
import { day, instant, notification } from '../schemas';

/** The caller's department row; the route's access list has already made sure it is a department user. */
export async function ownDepartment(db: Db, principal: Principal): Promise<{ id: number; code: string }> {
  const row = principal.department ? ((await db('departments').where({ code: principal.department }).first('id', 'code')) as { id: number; code: string } | undefined) : undefined;
  if (!row) throw new HttpError(403, 'forbidden', 'only department users have an inbox');
  return row;
}

/**
 * Items waiting for the department's 签收: as lead, while the item is
 * assigned; as a co-operating department, while the item is open and its
 * workflow takes a co-operating 签收 (coop_acknowledges) it has not given.
 */
function pendingAcknowledgements(db: Db, departmentId: number) {
  const columns = ['p.code as plan', 'i.code as item', 'i.title', 'a.workflow_id as itemKey', 'a.assigned_at as assignedAt', 'a.assigned_by as assignedBy'];
  const asLead = db('assignments as a')
    .join('items as i', 'i.id', 'a.item_id')
    .join('plans as p', 'p.id', 'i.plan_id')
    .where({ 'a.lead_department_id': departmentId, 'a.status': 'assigned' })
    .select(...columns, db.raw(`'lead' as role`));
  const asCooperating = db('assignments as a')
    .join('assignment_cooperators as c', 'c.assignment_id', 'a.id')
    .join('items as i', 'i.id', 'a.item_id')
    .join('plans as p', 'p.id', 'i.plan_id')
    .where({ 'c.department_id': departmentId, 'a.coop_acknowledges': true })
    .whereNull('c.acknowledged_at')
    .whereIn('a.status', OPEN_STATUSES as string[])
    .select(...columns, db.raw(`'cooperating' as role`));
  return db.from(asLead.unionAll(asCooperating).as('pending')).orderBy('assignedAt').select('*');
}

/** Open (or returned, so to be filed again) periods of items the department leads or co-operates on. */
function reportsDue(db: Db, departmentId: number) {
  return db('periods as pe')
    .join('assignments as a', 'a.id', 'pe.assignment_id')
    .join('items as i', 'i.id', 'a.item_id')
    .join('plans as p', 'p.id', 'i.plan_id')
    .whereIn('pe.status', ['open', 'returned'])
    .where((q) => {
      q.where('a.lead_department_id', departmentId).orWhereExists(
        db('assignment_cooperators as c').whereRaw('c.assignment_id = a.id').where('c.department_id', departmentId),
      );
    })
    .orderBy([{ column: 'pe.due_on' }, { column: 'i.code' }])
    .select(
      'p.code as plan',
      'i.code as item',
      'i.title',
      'pe.seq as periodSeq',
      'pe.status',
      db.raw(`case when a.lead_department_id = ? then 'lead' else 'cooperating' end as role`, [departmentId]),
      db.raw(`to_char(coalesce(pe.extended_due_on, pe.due_on), 'YYYY-MM-DD') as "dueOn"`),
      db.raw(`to_char(pe.original_due_on, 'YYYY-MM-DD') as "originalDueOn"`),
    );
}

function notificationsOf(db: Db, departmentId: number, unreadOnly: boolean) {
  const q = db('notifications').where({ department_id: departmentId });
  if (unreadOnly) q.whereNull('read_at');
  return q
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(200)
    .select(db.raw('id::int as id'), 'kind', 'item_key as itemKey', 'title', 'body', 'created_at as createdAt', 'read_at as readAt');
}

export const inboxRoutes = [
  route({
    method: 'get',
    path: '/inbox',
    operationId: 'getInbox',
    response: z.object({
      department: z.string(),
      pendingAcknowledgements: z.array(
        z.object({ plan: z.string(), item: z.string(), title: z.string(), itemKey: z.string(), assignedAt: instant, assignedBy: z.string(), role: z.enum(['lead', 'cooperating']) }),
      ),
      reportsDue: z.array(
        z.object({
          plan: z.string(),
          item: z.string(),
          title: z.string(),
          periodSeq: z.number().int(),
          status: z.enum(['open', 'returned']),
          role: z.enum(['lead', 'cooperating']),
          /** The due date in force (extended where extended). */
          dueOn: day,
          originalDueOn: day,
        }),
      ),
      /** Newest first, at most 200. */
      notifications: z.array(notification),
    }),
    tag: 'inbox',
    summary: "Show the department's inbox: acknowledgements pending, reports due, notifications",
    access: ['department'],
    query: z.object({ unread: z.enum(['true', 'false']).optional() }).strict(),
    handler: async ({ deps, principal, query }) => {
      const dept = await ownDepartment(deps.db, principal);
      return {
        department: dept.code,
        pendingAcknowledgements: await pendingAcknowledgements(deps.db, dept.id),
        reportsDue: await reportsDue(deps.db, dept.id),
        notifications: await notificationsOf(deps.db, dept.id, query.unread === 'true'),
      };
    },
  }),
  route({
    method: 'post',
    path: '/inbox/notifications/:id/read',
    operationId: 'markNotificationRead',
    errors: { 404: 'No such notification for your department' },
    response: z.object({ id: z.number().int(), readAt: instant }),
    tag: 'inbox',
    summary: 'Mark a notification of your department read',
    access: ['department'],
    params: z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).strict(),
    handler: async ({ deps, principal, params, requestId }) => {
      const dept = await ownDepartment(deps.db, principal);
      return deps.db.transaction(async (trx) => {
        // Another department's notification is 404, like a missing one, so ids do not leak what exists.
        const row = (await trx('notifications').where({ id: params.id, department_id: dept.id }).forUpdate().first('id', 'read_at')) as { id: string; read_at: Date | null } | undefined;
        if (!row) throw new HttpError(404, 'not_found', `no notification ${params.id} for your department`);
        const readAt = row.read_at ?? new Date();
        if (!row.read_at) {
          await trx('notifications').where({ id: params.id }).update({ read_at: readAt });
          await recordAudit(trx, { actor: principal.username, action: 'notification.read', subject: `notification:${params.id}`, payload: { department: dept.code }, requestId });
        }
        return { id: params.id, readAt };
      });
    },
  }),
];
