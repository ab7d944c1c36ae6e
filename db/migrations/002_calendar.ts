import type { Knex } from 'knex';

/**
 * The official working-day calendar. Only exceptions to the Monday-Friday rule
 * are stored (statutory holidays on weekdays, make-up working days 调休 on
 * weekends), plus the named holiday days themselves; a year counts only once
 * its arrangement is loaded, so dates in other years are refused, not guessed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('calendar_years', (t) => {
    t.integer('year').primary();
    t.string('source', 200).notNullable();
    t.timestamp('loaded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('loaded_by', 200).notNullable();
  });
  await knex.schema.createTable('calendar_days', (t) => {
    t.date('day').primary();
    t.integer('year').notNullable().references('calendar_years.year').onDelete('CASCADE');
    t.boolean('working').notNullable();
    t.string('name', 100).notNullable();
  });
  await knex.schema.alterTable('calendar_days', (t) => t.index(['year']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('calendar_days');
  await knex.schema.dropTableIfExists('calendar_years');
}
