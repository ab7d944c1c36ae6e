import type { Knex } from 'knex';

/** Kept here as well as in activities/notifications.ts: a migration must not change when the code later does. */
const KINDS = [
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
];

const kindCheck = (column: string) => `${column} in (${KINDS.map((k) => `'${k}'`).join(', ')})`;

/**
 * The notification outbox. A notification is the in-app record of one logical
 * event (always on); a message is what goes out on the external channels, and
 * several reminders of one department and day share one message, so a
 * department gets one e-mail rather than a flood; a delivery is one message on
 * one channel, retried on its own.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('department_channels', (t) => {
    t.integer('department_id').primary().references('departments.id').onDelete('CASCADE');
    t.text('webhook_url');
    t.text('webhook_secret');
    t.text('email');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // An unsigned webhook could be forged by anyone who learns the receiver's URL.
  await knex.raw(`alter table department_channels add constraint department_channels_webhook_signed
    check (webhook_url is null or (webhook_secret is not null and length(webhook_secret) > 0))`);

  await knex.schema.createTable('notification_messages', (t) => {
    t.bigIncrements('id').primary();
    t.text('merge_key').unique();
    t.integer('department_id').notNullable().references('departments.id');
    t.string('kind', 32).notNullable();
    t.text('subject').notNullable();
    t.text('body').notNullable();
    t.timestamp('send_after', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('closed_at', { useTz: true });
  });
  await knex.raw(`alter table notification_messages add constraint notification_messages_kind check (${kindCheck('kind')})`);
  // The dispatcher looks for open messages whose merge window has passed, on every poll.
  await knex.raw(`create index notification_messages_open on notification_messages (send_after) where closed_at is null`);

  await knex.schema.createTable('notifications', (t) => {
    t.bigIncrements('id').primary();
    t.text('key').notNullable().unique();
    t.integer('department_id').notNullable().references('departments.id');
    t.string('kind', 32).notNullable();
    t.text('item_key');
    t.date('business_date').notNullable();
    t.text('title').notNullable();
    t.text('body').notNullable();
    t.jsonb('payload').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('read_at', { useTz: true });
    // Null only inside the transaction that creates the notification: the row is inserted first so that its key
    // decides, before anything else is written, whether this event is new.
    t.bigInteger('message_id').references('notification_messages.id');
  });
  await knex.raw(`alter table notifications add constraint notifications_kind check (${kindCheck('kind')})`);
  await knex.schema.alterTable('notifications', (t) => {
    t.index(['department_id', 'created_at']);
    t.index(['message_id']);
    t.index(['item_key']);
  });

  await knex.schema.createTable('notification_deliveries', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('message_id').notNullable().references('notification_messages.id').onDelete('CASCADE');
    t.string('channel', 16).notNullable();
    t.string('status', 16).notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('last_error');
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['message_id', 'channel']);
  });
  await knex.raw(`alter table notification_deliveries add constraint notification_deliveries_channel check (channel in ('webhook', 'email'))`);
  await knex.raw(
    `alter table notification_deliveries add constraint notification_deliveries_status check (status in ('pending', 'sent', 'failed'))`,
  );
  await knex.raw(`create index notification_deliveries_due on notification_deliveries (next_attempt_at) where status = 'pending'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('notification_deliveries');
  await knex.schema.dropTableIfExists('notifications');
  await knex.schema.dropTableIfExists('notification_messages');
  await knex.schema.dropTableIfExists('department_channels');
}
