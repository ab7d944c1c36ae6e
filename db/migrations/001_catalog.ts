import type { Knex } from 'knex';

/** The plan catalog: plans, the department directory, actions, safeguard measures, items and the proposed owners. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('departments', (t) => {
    t.increments('id').primary();
    t.string('code', 64).notNullable().unique();
    t.string('name', 200).notNullable();
    t.string('short_name', 100);
    t.string('kind', 32).notNullable().defaultTo('department');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('plans', (t) => {
    t.increments('id').primary();
    t.string('code', 100).notNullable().unique();
    t.text('title').notNullable();
    t.text('issuer').notNullable();
    t.text('coordinating_office').notNullable();
    t.integer('secretariat_department_id').notNullable().references('departments.id');
    t.date('period_start').notNullable();
    t.date('period_end').notNullable();
    t.text('overall_goal').notNullable();
    t.jsonb('policy').notNullable();
    t.string('source_sha256', 64).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('actions', (t) => {
    t.increments('id').primary();
    t.integer('plan_id').notNullable().references('plans.id').onDelete('CASCADE');
    t.string('code', 64).notNullable();
    t.integer('seq').notNullable();
    t.text('title').notNullable();
    t.text('focus').notNullable();
    t.timestamp('retired_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['plan_id', 'code']);
  });

  await knex.schema.createTable('safeguard_measures', (t) => {
    t.increments('id').primary();
    t.integer('plan_id').notNullable().references('plans.id').onDelete('CASCADE');
    t.string('code', 64).notNullable();
    t.integer('seq').notNullable();
    t.text('title').notNullable();
    t.timestamp('retired_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['plan_id', 'code']);
  });

  // Key tasks and safeguard items are tracked alike, so they share one table.
  await knex.schema.createTable('items', (t) => {
    t.increments('id').primary();
    t.integer('plan_id').notNullable().references('plans.id').onDelete('CASCADE');
    t.string('code', 64).notNullable();
    t.string('kind', 16).notNullable();
    t.integer('action_id').references('actions.id').onDelete('CASCADE');
    t.integer('measure_id').references('safeguard_measures.id').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.text('title').notNullable();
    t.timestamp('retired_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['plan_id', 'code']);
  });
  await knex.raw(`
    alter table items add constraint items_kind_parent check (
      (kind = 'task' and action_id is not null and measure_id is null) or
      (kind = 'safeguard' and measure_id is not null and action_id is null)
    )`);

  // A proposal only: the secretariat confirms owners when it assigns the item.
  await knex.schema.createTable('item_owner_proposals', (t) => {
    t.integer('item_id').notNullable().references('items.id').onDelete('CASCADE');
    t.integer('department_id').notNullable().references('departments.id');
    t.string('role', 16).notNullable();
    t.primary(['item_id', 'department_id']);
  });
  await knex.raw(`alter table item_owner_proposals add constraint proposal_role check (role in ('lead', 'cooperating'))`);
  await knex.raw(`create unique index item_owner_proposals_one_lead on item_owner_proposals (item_id) where role = 'lead'`);

  await knex.schema.createTable('audit_events', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('actor', 200).notNullable();
    t.string('action', 100).notNullable();
    t.string('subject', 200);
    t.jsonb('payload').notNullable().defaultTo('{}');
    t.string('request_id', 100);
  });
  await knex.schema.alterTable('audit_events', (t) => t.index(['subject', 'at']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('audit_events');
  await knex.schema.dropTableIfExists('item_owner_proposals');
  await knex.schema.dropTableIfExists('items');
  await knex.schema.dropTableIfExists('safeguard_measures');
  await knex.schema.dropTableIfExists('actions');
  await knex.schema.dropTableIfExists('plans');
  await knex.schema.dropTableIfExists('departments');
}
