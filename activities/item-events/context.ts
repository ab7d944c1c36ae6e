import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { AuditEntry } from '../../db/audit';
import type { Db } from '../../db/connection';
import type { WorkingCalendar } from '../../domain/calendar';
import type { NotificationActivities, NotificationKind } from '../notifications';

/**
 * What every family of item events writes with: the database, the working
 * calendar, and the outbox. Each write is keyed (item, period, kind or rung),
 * so a retried or replayed activity changes nothing the second time.
 */

/** Departments as the notices name them. */
export type Names = (code: string) => string;

/** For the notices that name no department: no lookup. */
export const noNames: Names = (code) => code;

/** One notice to one department, as a family's pure `notices()` words it. */
export interface Notice {
  to: string;
  kind: NotificationKind;
  /** The outbox key: the same notice twice is written and sent once. */
  key: string;
  title: string;
  body: string;
  payload?: Record<string, unknown>;
}

export interface EventContext {
  db: Db;
  /** The working-day calendar, for how many working days overdue a 督办单 says an item is. */
  calendar: () => Promise<WorkingCalendar>;
  /** Into the outbox, one after the other, in the order given. */
  tell: (ev: { itemKey: string; businessDate: string }, notices: Notice[]) => Promise<void>;
}

export function eventContext(deps: { db: Db; calendar: () => Promise<WorkingCalendar>; notifications: NotificationActivities }): EventContext {
  const { db, calendar, notifications } = deps;
  return {
    db,
    calendar,
    tell: async (ev, notices) => {
      for (const n of notices) {
        await notifications.notify({ key: n.key, departmentCode: n.to, kind: n.kind, itemKey: ev.itemKey, businessDate: ev.businessDate, title: n.title, body: n.body, payload: n.payload });
      }
    },
  };
}

export async function assignmentId(trx: Knex | Knex.Transaction, itemKey: string): Promise<number> {
  const row = (await trx('assignments').where({ workflow_id: itemKey }).first('id')) as { id: number } | undefined;
  if (!row) throw ApplicationFailure.nonRetryable(`no assignment recorded for ${itemKey}`, 'AssignmentMissing');
  return row.id;
}

export async function departmentId(trx: Knex | Knex.Transaction, code: string): Promise<number> {
  const row = (await trx('departments').where({ code }).first('id')) as { id: number } | undefined;
  if (!row) throw ApplicationFailure.nonRetryable(`unknown department ${code}`, 'UnknownDepartment');
  return row.id;
}

/** Departments as the notices name them: the short name, else the full name (a code only if the department is unknown). */
export async function departmentNames(trx: Knex | Knex.Transaction, codes: string[]): Promise<Names> {
  const rows = (await trx('departments').whereIn('code', codes).select('code', 'name', 'short_name')) as { code: string; name: string; short_name: string | null }[];
  const names = new Map(rows.map((r) => [r.code, r.short_name || r.name]));
  return (code) => names.get(code) ?? code;
}

/** The audit entry's who and what of an item event: the actor, the item, the request it came with. */
export function auditBy(ev: { actor: string; itemKey: string; requestId?: string }): Pick<AuditEntry, 'actor' | 'subject' | 'requestId'> {
  return { actor: ev.actor, subject: ev.itemKey, requestId: ev.requestId };
}
