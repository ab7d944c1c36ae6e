import type { Knex } from 'knex';

/** The notification kinds before and after: 'feedback' tells the secretariat of a 落实反馈. Listed here, as 004 does, so the migration never changes. */
const KINDS_BEFORE = ['assignment', 'reminder', 'escalation', 'instruction', 'review', 'extension', 'completion', 'reassignment', 'cancellation', 'digest', 'ack-chase'];
const KINDS_AFTER = [...KINDS_BEFORE, 'feedback'];

async function kindChecks(knex: Knex, kinds: string[]): Promise<void> {
  const check = kinds.map((k) => `'${k}'`).join(', ');
  for (const table of ['notifications', 'notification_messages']) {
    await knex.raw(`alter table ${table} drop constraint ${table}_kind`);
    await knex.raw(`alter table ${table} add constraint ${table}_kind check (kind in (${check}))`);
  }
}

/**
 * The supervision loop: an instruction (批示) asks for 落实反馈 by a date and
 * keeps the feedback beside it; a co-operating department's 签收 is recorded
 * on its row.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('instructions', (t) => {
    // The instruction's number on its item (its escalations carry it); null on instructions from before.
    t.integer('seq');
    t.date('feedback_due_on');
    t.text('feedback_text');
    t.string('feedback_by', 200);
    t.timestamp('feedback_at', { useTz: true });
    t.boolean('feedback_late');
  });
  await knex.schema.alterTable('assignment_cooperators', (t) => {
    t.timestamp('acknowledged_at', { useTz: true });
  });
  await knex.schema.alterTable('reports', (t) => {
    // On a consolidated report: the co-operating departments whose input had not arrived.
    t.jsonb('missing_inputs').notNullable().defaultTo('[]');
  });
  await kindChecks(knex, KINDS_AFTER);
}

export async function down(knex: Knex): Promise<void> {
  await knex('notification_deliveries').whereIn('message_id', knex('notification_messages').select('id').where('kind', 'feedback')).delete();
  await knex('notifications').where('kind', 'feedback').delete();
  await knex('notification_messages').where('kind', 'feedback').delete();
  await kindChecks(knex, KINDS_BEFORE);
  await knex.schema.alterTable('reports', (t) => {
    t.dropColumn('missing_inputs');
  });
  await knex.schema.alterTable('assignment_cooperators', (t) => {
    t.dropColumn('acknowledged_at');
  });
  await knex.schema.alterTable('instructions', (t) => {
    t.dropColumns('seq', 'feedback_due_on', 'feedback_text', 'feedback_by', 'feedback_at', 'feedback_late');
  });
}
