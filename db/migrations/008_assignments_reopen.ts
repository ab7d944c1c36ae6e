import type { Knex } from 'knex';

/**
 * Reopening a completed or cancelled item starts a new round of its workflow
 * on the same assignment record: the round counts them, and the last reopening
 * is kept with its reason. Earlier periods, reports and audit stay as they were.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('assignments', (t) => {
    t.integer('round').notNullable().defaultTo(1);
    t.timestamp('reopened_at', { useTz: true });
    t.text('reopen_reason');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('assignments', (t) => {
    t.dropColumn('reopen_reason');
    t.dropColumn('reopened_at');
    t.dropColumn('round');
  });
}
