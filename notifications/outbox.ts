import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import { z } from 'zod';
import { boundedText, code } from '../db/catalog/plan-schema';
import type { Logger } from '../platform/logger';
import { configuredChannels } from './channels';
import { reminderMessageText } from './texts';

/**
 * The outbox: a notification is recorded, merged into a message and queued for
 * delivery in one transaction, once per key; the dispatcher (dispatcher.ts)
 * sends what is queued.
 */

export const NOTIFICATION_KINDS = [
  'assignment',
  'reminder',
  'escalation',
  'instruction',
  'review',
  'extension',
  'completion',
  'reassignment',
  'cancellation',
  'digest',
  'ack-chase',
  'feedback',
] as const;

export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface NotifyInput {
  /** Idempotency key: the same key twice never creates or sends twice, e.g. `reminder:<itemKey>:p3:offset1`. */
  key: string;
  departmentCode: string;
  kind: NotificationKind;
  itemKey?: string;
  /** The working day the event belongs to (Asia/Shanghai), 'YYYY-MM-DD'. */
  businessDate: string;
  /** Chinese, as the department reads it, e.g. '【提醒】...'. */
  title: string;
  body: string;
  payload?: Record<string, unknown>;
}

export interface NotifyResult {
  notificationId: number;
  /** False when the key was already known: nothing was written, the ids are those of the first call. */
  created: boolean;
  messageId: number;
}

// Text a department will read, so no control characters (a NUL would also fail in PostgreSQL on every
// retry). The title leaves room for a prefix such as 【交办】 and a suffix around a 500-character item title.
const notifyInputSchema = z.object({
  key: boundedText(500),
  departmentCode: code,
  kind: z.enum(NOTIFICATION_KINDS),
  itemKey: boundedText(200, { trim: false }).optional(),
  businessDate: z.iso.date(),
  title: boundedText(1000),
  body: boundedText(20000, { trim: false }),
  payload: z.record(z.string(), z.unknown()).optional(),
});

interface Department {
  id: number;
  code: string;
  name: string;
}

interface MessageRef {
  id: number;
  created: boolean;
}

/** A bad input would fail the same way on every retry, so it fails the activity at once, naming the field. */
function validate(input: NotifyInput): NotifyInput {
  const parsed = notifyInputSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
  throw ApplicationFailure.nonRetryable(`invalid notification: ${problems}`, 'InvalidNotification');
}

async function findDepartment(trx: Knex.Transaction, code: string): Promise<Department> {
  const dept = (await trx('departments').where({ code }).first('id', 'code', 'name')) as Department | undefined;
  if (!dept) throw ApplicationFailure.nonRetryable(`unknown department ${code}`, 'UnknownDepartment');
  return dept;
}

/**
 * Inserting first lets the unique key decide whether this event is new before
 * anything else is written; a concurrent attempt with the same key waits for
 * ours to commit and then inserts nothing.
 */
async function insertNotification(trx: Knex.Transaction, dept: Department, n: NotifyInput): Promise<number | undefined> {
  const rows = (await trx('notifications')
    .insert({
      key: n.key,
      department_id: dept.id,
      kind: n.kind,
      item_key: n.itemKey ?? null,
      business_date: n.businessDate,
      title: n.title,
      body: n.body,
      payload: JSON.stringify(n.payload ?? {}),
    })
    .onConflict('key')
    .ignore()
    .returning('id')) as { id: string }[];
  return rows[0] ? Number(rows[0].id) : undefined;
}

async function existingNotification(trx: Knex.Transaction, key: string): Promise<{ id: number; messageId: number }> {
  const row = (await trx('notifications').where({ key }).first('id', 'message_id')) as
    | { id: string; message_id: string | null }
    | undefined;
  // Unreachable once the creating transaction has committed; retrying is the right answer if it ever happens.
  if (!row || row.message_id === null) throw new Error(`notification ${key} is not complete yet`);
  return { id: Number(row.id), messageId: Number(row.message_id) };
}

function afterWindow(trx: Knex.Transaction, windowMs: number): Knex.Raw {
  return trx.raw(`now() + ? * interval '1 millisecond'`, [windowMs]);
}

/**
 * The day's open reminder message of the department, or a new one. A message
 * is closed once the dispatcher picks it for delivery; later reminders of the
 * same day then start the next message (`#2`, `#3`). The row lock makes the
 * dispatcher's close wait for this transaction, so an entry never lands in a
 * message that has already gone out.
 */
async function dailyReminderMessage(trx: Knex.Transaction, dept: Department, businessDate: string, windowMs: number): Promise<MessageRef> {
  const base = `reminder:${dept.code}:${businessDate}`;
  for (let seq = 1; ; seq++) {
    const mergeKey = seq === 1 ? base : `${base}#${seq}`;
    const created = (await trx('notification_messages')
      .insert({
        merge_key: mergeKey,
        department_id: dept.id,
        kind: 'reminder',
        subject: '',
        body: '',
        send_after: afterWindow(trx, windowMs),
      })
      .onConflict('merge_key')
      .ignore()
      .returning('id')) as { id: string }[];
    if (created[0]) return { id: Number(created[0].id), created: true };
    const open = (await trx('notification_messages').where({ merge_key: mergeKey }).forUpdate().first('id', 'closed_at')) as
      | { id: string; closed_at: Date | null }
      | undefined;
    if (open && open.closed_at === null) return { id: Number(open.id), created: false };
  }
}

/** Escalations and every other kind are urgent and stand alone: their own message, due at once. */
async function singleMessage(trx: Knex.Transaction, dept: Department, n: NotifyInput): Promise<MessageRef> {
  const [row] = (await trx('notification_messages')
    .insert({ merge_key: null, department_id: dept.id, kind: n.kind, subject: n.title, body: n.body, send_after: trx.fn.now() })
    .returning('id')) as { id: string }[];
  return { id: Number(row!.id), created: true };
}

/** Rewrites the merged message from all its entries, so the text always lists every reminder in it. */
async function rewriteReminderMessage(trx: Knex.Transaction, messageId: number, businessDate: string): Promise<void> {
  const entries = (await trx('notifications').where({ message_id: messageId }).orderBy('id').select('title', 'body')) as {
    title: string;
    body: string;
  }[];
  const { subject, body } = reminderMessageText(entries, businessDate);
  await trx('notification_messages').where({ id: messageId }).update({ subject, body });
}

/** In-app is always on; the external channels are those the department has configured when the message is made. */
async function createDeliveries(trx: Knex.Transaction, departmentId: number, messageId: number): Promise<void> {
  const rows = (await configuredChannels(trx, departmentId)).map((channel) => ({ message_id: messageId, channel }));
  if (rows.length > 0) await trx('notification_deliveries').insert(rows).onConflict(['message_id', 'channel']).ignore();
}

/**
 * Records a notification and queues its external delivery, once per key, all
 * in one transaction. Reminders wait mergeWindowMs to be merged into the
 * department's message of the day; every other kind goes out alone at once.
 */
export async function recordNotification(db: Knex, log: Logger, input: NotifyInput, mergeWindowMs: number): Promise<NotifyResult> {
  const n = validate(input);
  const result = await db.transaction(async (trx): Promise<NotifyResult> => {
    const dept = await findDepartment(trx, n.departmentCode);
    const notificationId = await insertNotification(trx, dept, n);
    if (notificationId === undefined) {
      const existing = await existingNotification(trx, n.key);
      return { notificationId: existing.id, created: false, messageId: existing.messageId };
    }
    const message = n.kind === 'reminder' ? await dailyReminderMessage(trx, dept, n.businessDate, mergeWindowMs) : await singleMessage(trx, dept, n);
    await trx('notifications').where({ id: notificationId }).update({ message_id: message.id });
    if (n.kind === 'reminder') await rewriteReminderMessage(trx, message.id, n.businessDate);
    if (message.created) await createDeliveries(trx, dept.id, message.id);
    return { notificationId, created: true, messageId: message.id };
  });
  log[result.created ? 'info' : 'debug'](
    { key: n.key, department: n.departmentCode, kind: n.kind, ...result },
    result.created ? 'notification created' : 'notification already recorded',
  );
  return result;
}
