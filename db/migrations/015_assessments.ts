import type { Knex } from 'knex';

/**
 * 年度考核: the secretariat's adjustments to a year's scores, each with its
 * reason, and the publications that freeze a year. The score itself is never
 * stored while it is live: it is computed from the event tables on each read
 * (db/assessment.ts). Publishing keeps the whole assessment as it stood, so
 * later events and adjustments change nothing of it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('assessment_adjustments', (t) => {
    t.increments('id').primary();
    t.integer('plan_id').notNullable().references('plans.id').onDelete('CASCADE');
    t.integer('year').notNullable();
    t.integer('department_id').notNullable().references('departments.id');
    // Whole hundredths, as every point of the assessment (domain/assessment.ts).
    t.decimal('points', 7, 2).notNullable();
    t.text('reason').notNullable();
    t.string('created_by', 200).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['plan_id', 'year']);
  });
  await knex.raw(`alter table assessment_adjustments add constraint assessment_adjustments_reason check (length(btrim(reason)) > 0)`);
  await knex.raw(`alter table assessment_adjustments add constraint assessment_adjustments_points check (points <> 0)`);

  await knex.schema.createTable('assessment_publications', (t) => {
    t.integer('plan_id').notNullable().references('plans.id').onDelete('CASCADE');
    t.integer('year').notNullable();
    t.string('published_by', 200).notNullable();
    t.timestamp('published_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // The assessment as the API answered it when published: scores, breakdowns, events and adjustments.
    t.jsonb('snapshot').notNullable();
    t.primary(['plan_id', 'year']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('assessment_publications');
  await knex.schema.dropTableIfExists('assessment_adjustments');
}
