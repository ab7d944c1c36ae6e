import type { Knex } from 'knex';

/** One row of the audit trail, as every writer records it. */
export interface AuditEntry {
  /** Who did it: a user name, `cli:<login>`, or `system:<what>`. */
  actor: string;
  action: string;
  /** What it was done to, e.g. `user:<name>`, an item's workflow id. */
  subject: string;
  payload?: object;
  /** The caller's request (X-Request-ID), where there is one. */
  requestId?: string | null;
  /**
   * For an action that may be recorded again (a retried activity): the row is
   * written once per action, subject and key, and the key is stored first in
   * the payload.
   */
  key?: string;
}

/**
 * Appends an entry to the audit trail, in the caller's transaction when given
 * one, so the trace and the change it records commit together.
 */
export async function recordAudit(db: Knex | Knex.Transaction, entry: AuditEntry): Promise<void> {
  const { actor, action, subject, payload = {}, requestId, key } = entry;
  // The table has no unique key: a keyed entry is looked for first, so a retried activity leaves one trace, not two.
  if (key) {
    const seen = await db('audit_events').where({ action, subject }).whereRaw(`payload->>'key' = ?`, [key]).first('id');
    if (seen) return;
  }
  await db('audit_events').insert({
    actor,
    action,
    subject,
    payload: JSON.stringify(key ? { key, ...payload } : payload),
    request_id: requestId ?? null,
  });
}
