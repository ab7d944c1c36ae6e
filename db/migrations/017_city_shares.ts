import type { Knex } from 'knex';

/**
 * Cities' shares of an item (分解下达): a share is an assignment of its own
 * (its own workflow, periods, reports and ladder) on the same item, pointing
 * at the provincial assignment it was cascaded from, with its weight in the
 * item's 序时进度. An item has one provincial assignment and at most one share
 * per city; a consolidated report lists the cities' latest reports.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('assignments', (t) => {
    t.integer('parent_assignment_id').references('assignments.id');
    t.double('share_weight');
  });
  await knex.raw('alter table assignments drop constraint assignments_item_id_unique');
  await knex.raw('create unique index assignments_item_id_provincial on assignments (item_id) where parent_assignment_id is null');
  await knex.raw('create unique index assignments_share_city on assignments (parent_assignment_id, lead_department_id) where parent_assignment_id is not null');
  await knex.schema.alterTable('reports', (t) => {
    t.jsonb('cities');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reports', (t) => {
    t.dropColumn('cities');
  });
  // The shares' own rows (periods, reports, escalations, ...) go with them (on delete cascade).
  await knex('assignments').whereNotNull('parent_assignment_id').delete();
  await knex.raw('drop index assignments_share_city');
  await knex.raw('drop index assignments_item_id_provincial');
  await knex.raw('alter table assignments add constraint assignments_item_id_unique unique (item_id)');
  await knex.schema.alterTable('assignments', (t) => {
    t.dropColumn('share_weight');
    t.dropColumn('parent_assignment_id');
  });
}
