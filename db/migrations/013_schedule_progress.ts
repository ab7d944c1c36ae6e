import type { Knex } from 'knex';

/**
 * 序时进度 (coord-plan/v2): an item's milestones and indicators as the plan
 * file gives them; a report's indicator values and the planned percent it was
 * judged against; and each assignment's standing against its schedule, kept
 * beside its colour inputs so the board counts 滞后 items in SQL.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('items', (t) => {
    // Each milestone carries `proposed`: true where the secretariat proposed it, not the plan's own text.
    t.jsonb('milestones').notNullable().defaultTo('[]');
    t.jsonb('indicators').notNullable().defaultTo('[]');
  });
  await knex.schema.alterTable('reports', (t) => {
    t.jsonb('indicator_values').notNullable().defaultTo('[]');
    t.integer('planned_percent');
  });
  await knex.schema.alterTable('assignments', (t) => {
    t.integer('schedule_planned_percent');
    t.integer('schedule_reported_percent');
    t.date('schedule_as_of');
    t.boolean('behind_schedule').notNullable().defaultTo(false);
  });
  // The board's count of 滞后 items reads a few rows of many.
  await knex.raw('create index assignments_behind_schedule on assignments (lead_department_id) where behind_schedule');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index assignments_behind_schedule');
  await knex.schema.alterTable('assignments', (t) => {
    t.dropColumns('schedule_planned_percent', 'schedule_reported_percent', 'schedule_as_of', 'behind_schedule');
  });
  await knex.schema.alterTable('reports', (t) => {
    t.dropColumns('indicator_values', 'planned_percent');
  });
  await knex.schema.alterTable('items', (t) => {
    t.dropColumns('milestones', 'indicators');
  });
}
