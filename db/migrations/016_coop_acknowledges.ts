import type { Knex } from 'knex';

/**
 * Whether the item's co-operating departments 签收 (items assigned by workflow
 * code with the supervision loop): their inbox lists the acknowledgement as
 * pending only then, since an older item's workflow refuses it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('assignments', (t) => {
    t.boolean('coop_acknowledges').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('assignments', (t) => {
    t.dropColumn('coop_acknowledges');
  });
}
