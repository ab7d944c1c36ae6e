import type { Db } from './connection';

/** An audited action on an item, with its payload as recorded. */
export interface AuditRow {
  at: Date;
  actor: string;
  action: string;
  payload: Record<string, unknown>;
}

/** A chase fired on an item, and when it was lifted (null while it stands). */
export interface EscalationRow {
  subject: string;
  period_seq: number;
  rung: string;
  fired_at: Date;
  resolved_at: Date | null;
}

/** Department codes to the names they are shown by (the short name where there is one). */
export async function departmentNames(db: Db): Promise<Map<string, string>> {
  const rows = (await db('departments').select('code', db.raw('coalesce(short_name, name) as name'))) as { code: string; name: string }[];
  return new Map(rows.map((r) => [r.code, r.name]));
}

/**
 * An item's audited actions in the order they were recorded. Its chases are
 * left out: they are read from their own table (itemEscalations), which
 * knows when each was lifted.
 */
export async function itemAudits(db: Db, itemKey: string): Promise<AuditRow[]> {
  return (await db('audit_events').where({ subject: itemKey }).whereNot('action', 'item.escalate').orderBy('id').select('at', 'actor', 'action', 'payload')) as AuditRow[];
}

/** An item's chases, oldest first. */
export async function itemEscalations(db: Db, itemKey: string): Promise<EscalationRow[]> {
  return (await db('escalations as e')
    .join('assignments as a', 'a.id', 'e.assignment_id')
    .where('a.workflow_id', itemKey)
    .orderBy('e.fired_at')
    .select('e.subject', 'e.period_seq', 'e.rung', 'e.fired_at', 'e.resolved_at')) as EscalationRow[];
}
