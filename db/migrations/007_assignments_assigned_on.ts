import type { Knex } from 'knex';

/**
 * The business date an item was assigned on (交办). The acknowledgement window
 * and the catch-up rule count from it, and the item's clock is anchored on it.
 * Items assigned before it existed keep null: their clock is anchored on the
 * start date, as it was.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('assignments', (t) => {
    t.date('assigned_on');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('assignments', (t) => {
    t.dropColumn('assigned_on');
  });
}
