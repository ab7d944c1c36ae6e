import type { Knex } from 'knex';

/**
 * The queryable mirror of the item workflows: the workflow owns the process
 * state; these rows are what the API, the board and the digest read. Every
 * row is written by an idempotent activity, keyed so a retry or a replay
 * writes nothing twice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('assignments', (t) => {
    t.increments('id').primary();
    t.integer('item_id').notNullable().unique().references('items.id');
    t.string('workflow_id', 200).notNullable().unique();
    t.integer('lead_department_id').notNullable().references('departments.id');
    t.string('cadence', 16).notNullable();
    t.integer('due_offset_working_days').notNullable();
    t.date('start_date').notNullable();
    t.date('final_deadline').notNullable();
    t.jsonb('policy').notNullable();
    t.string('status', 32).notNullable();
    t.date('next_due_on');
    t.timestamp('next_due_at', { useTz: true });
    t.integer('escalation_level').notNullable().defaultTo(0);
    t.timestamp('acknowledged_at', { useTz: true });
    t.text('completion_summary');
    t.string('grade', 16);
    t.timestamp('completed_at', { useTz: true });
    t.timestamp('cancelled_at', { useTz: true });
    t.text('cancel_reason');
    t.string('assigned_by', 200).notNullable();
    t.timestamp('assigned_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table assignments add constraint assignments_status check (status in
    ('assigned', 'acknowledged', 'in_progress', 'completion_requested', 'completed', 'cancelled'))`);

  await knex.schema.createTable('assignment_cooperators', (t) => {
    t.integer('assignment_id').notNullable().references('assignments.id').onDelete('CASCADE');
    t.integer('department_id').notNullable().references('departments.id');
    t.primary(['assignment_id', 'department_id']);
  });

  await knex.schema.createTable('periods', (t) => {
    t.increments('id').primary();
    t.integer('assignment_id').notNullable().references('assignments.id').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.date('starts_on').notNullable();
    t.date('ends_on').notNullable();
    t.date('original_due_on').notNullable();
    t.date('due_on').notNullable();
    t.date('extended_due_on');
    t.timestamp('due_at', { useTz: true }).notNullable();
    t.string('status', 16).notNullable();
    t.boolean('on_time');
    t.timestamp('accepted_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['assignment_id', 'seq']);
  });
  await knex.raw(`alter table periods add constraint periods_status check (status in ('open', 'submitted', 'returned', 'accepted', 'closed'))`);

  await knex.schema.createTable('reports', (t) => {
    t.increments('id').primary();
    t.uuid('receipt_id').notNullable().unique();
    t.integer('assignment_id').notNullable().references('assignments.id').onDelete('CASCADE');
    t.integer('period_seq').notNullable();
    t.integer('department_id').notNullable().references('departments.id');
    t.string('kind', 16).notNullable();
    t.integer('version').notNullable();
    t.text('progress').notNullable();
    t.integer('percent_done').notNullable();
    t.text('problems');
    t.text('next_steps');
    t.jsonb('attachments').notNullable().defaultTo('[]');
    t.jsonb('inputs').notNullable().defaultTo('[]');
    t.string('submitted_by', 200).notNullable();
    t.timestamp('submitted_at', { useTz: true }).notNullable();
    t.string('review', 16);
    t.text('review_comment');
    t.string('reviewed_by', 200);
    t.timestamp('reviewed_at', { useTz: true });
    t.unique(['assignment_id', 'period_seq', 'department_id', 'kind', 'version']);
  });
  await knex.raw(`alter table reports add constraint reports_kind check (kind in ('input', 'consolidated'))`);

  await knex.schema.createTable('escalations', (t) => {
    t.increments('id').primary();
    t.string('key', 300).notNullable().unique();
    t.integer('assignment_id').notNullable().references('assignments.id').onDelete('CASCADE');
    t.string('subject', 16).notNullable();
    t.integer('period_seq').notNullable();
    t.string('rung', 32).notNullable();
    t.integer('level').notNullable();
    t.date('business_date').notNullable();
    t.timestamp('fired_at', { useTz: true }).notNullable();
    t.timestamp('resolved_at', { useTz: true });
  });

  await knex.schema.createTable('instructions', (t) => {
    t.increments('id').primary();
    t.string('key', 300).notNullable().unique();
    t.integer('assignment_id').notNullable().references('assignments.id').onDelete('CASCADE');
    t.string('issued_by', 200).notNullable();
    t.text('text').notNullable();
    t.timestamp('issued_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('extension_requests', (t) => {
    t.increments('id').primary();
    t.string('key', 300).notNullable().unique();
    t.integer('assignment_id').notNullable().references('assignments.id').onDelete('CASCADE');
    t.integer('period_seq').notNullable();
    t.date('requested_due_on').notNullable();
    t.text('reason').notNullable();
    t.string('requested_by', 200).notNullable();
    t.timestamp('requested_at', { useTz: true }).notNullable();
    t.string('decision', 16);
    t.date('decided_due_on');
    t.string('decided_by', 200);
    t.timestamp('decided_at', { useTz: true });
  });

  await knex.schema.createTable('digests', (t) => {
    t.increments('id').primary();
    t.string('key', 100).notNullable().unique();
    t.date('week_of').notNullable();
    t.jsonb('body').notNullable();
    t.timestamp('generated_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['digests', 'extension_requests', 'instructions', 'escalations', 'reports', 'periods', 'assignment_cooperators', 'assignments']) {
    await knex.schema.dropTableIfExists(table);
  }
}
