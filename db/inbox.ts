import type { Knex } from 'knex';
import type { Db } from './connection';
import { OPEN_STATUSES } from '../domain/status';

/** What a department's inbox reads, and its one write: a notification marked read. */

export interface PendingAcknowledgement {
  plan: string;
  item: string;
  title: string;
  itemKey: string;
  assignedAt: Date;
  assignedBy: string;
  role: 'lead' | 'cooperating';
}

/**
 * Items waiting for the department's 签收: as lead, while the item is
 * assigned; as a co-operating department, while the item is open and its
 * workflow takes a co-operating 签收 (coop_acknowledges) it has not given.
 */
export async function pendingAcknowledgements(db: Db, departmentId: number): Promise<PendingAcknowledgement[]> {
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
    .whereIn('a.status', [...OPEN_STATUSES])
    .select(...columns, db.raw(`'cooperating' as role`));
  return (await db.from(asLead.unionAll(asCooperating).as('pending')).orderBy('assignedAt').select('*')) as PendingAcknowledgement[];
}

export interface ReportDue {
  plan: string;
  item: string;
  title: string;
  periodSeq: number;
  status: 'open' | 'returned';
  role: 'lead' | 'cooperating';
  /** The due date in force (extended where extended). */
  dueOn: string;
  originalDueOn: string;
}

/** Open (or returned, so to be filed again) periods of items the department leads or co-operates on. */
export async function reportsDue(db: Db, departmentId: number): Promise<ReportDue[]> {
  return (await db('periods as pe')
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
    )) as ReportDue[];
}

export interface InboxNotification {
  id: number;
  kind: string;
  itemKey: string | null;
  title: string;
  body: string;
  createdAt: Date;
  readAt: Date | null;
}

/** The department's notifications (or only the unread ones), newest first, at most 200. */
export async function notificationsOf(db: Db, departmentId: number, unreadOnly: boolean): Promise<InboxNotification[]> {
  const q = db('notifications').where({ department_id: departmentId });
  if (unreadOnly) q.whereNull('read_at');
  return (await q
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(200)
    .select(db.raw('id::int as id'), 'kind', 'item_key as itemKey', 'title', 'body', 'created_at as createdAt', 'read_at as readAt')) as InboxNotification[];
}

/**
 * Marks one of the department's notifications read, once: the first read
 * keeps its time, and `firstRead` runs in the same transaction (the caller's
 * audit entry). Undefined when the department has no such notification.
 */
export async function markNotificationRead(
  db: Db,
  id: number,
  departmentId: number,
  firstRead: (trx: Knex.Transaction) => Promise<void>,
): Promise<{ id: number; readAt: Date } | undefined> {
  return db.transaction(async (trx) => {
    const row = (await trx('notifications').where({ id, department_id: departmentId }).forUpdate().first('id', 'read_at')) as { id: string; read_at: Date | null } | undefined;
    if (!row) return undefined;
    const readAt = row.read_at ?? new Date();
    if (!row.read_at) {
      await trx('notifications').where({ id }).update({ read_at: readAt });
      await firstRead(trx);
    }
    return { id, readAt };
  });
}
