import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import type { Db } from '../../db/connection';
import { departmentByCode } from '../../db/departments';
import { markNotificationRead, notificationsOf, pendingAcknowledgements, reportsDue } from '../../db/inbox';
import type { Principal } from '../auth/tokens';
import { HttpError } from '../errors';
import { route } from '../route';
import { day, instant, notification } from '../schemas';

/** The caller's department row; the route's access list has already made sure it is a department user. */
export async function ownDepartment(db: Db, principal: Principal): Promise<{ id: number; code: string }> {
  const row = principal.department ? await departmentByCode(db, principal.department) : undefined;
  if (!row) throw new HttpError(403, 'forbidden', 'only department users have an inbox');
  return row;
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
      const read = await markNotificationRead(deps.db, params.id, dept.id, async (trx) => {
        await recordAudit(trx, { actor: principal.username, action: 'notification.read', subject: `notification:${params.id}`, payload: { department: dept.code }, requestId });
      });
      // Another department's notification is 404, like a missing one, so ids do not leak what exists.
      if (!read) throw new HttpError(404, 'not_found', `no notification ${params.id} for your department`);
      return read;
    },
  }),
];
