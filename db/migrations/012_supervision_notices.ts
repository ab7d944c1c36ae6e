import type { Knex } from 'knex';

/**
 * 督办单: the numbered notices that the 督办 and 上报领导小组 rungs issue.
 *
 * A notice's 文号 (鲁互联网+办督〔2016〕3号) is the plan's prefix, the year and
 * a sequence per prefix and year that never repeats and never skips: each
 * plan's issuing office has its own prefix, so in practice a sequence per plan,
 * and two plans that share a prefix share its sequence rather than issue the
 * same 文号 twice. The
 * sequence is a counter row, incremented in the transaction that records the
 * rung, so a rolled-back attempt gives its number back and concurrent rungs
 * queue on the row. A notice keeps the facts it was issued with (item,
 * department, dates, wording): an official document says what it said, even
 * after the catalog or the item changes.
 */
export async function up(knex: Knex): Promise<void> {
  // The prefix belongs to the plan's issuing office; a plan file may leave it out (domain/supervision-notice.ts has the fallback).
  await knex.schema.alterTable('plans', (t) => {
    t.text('notice_prefix');
  });
  // A catalog imported before the field existed: the default plan's own prefix, as its file now says.
  await knex('plans').where({ code: 'sd-internet-plus-2016-2018' }).whereNull('notice_prefix').update({ notice_prefix: '鲁互联网+办督' });

  await knex.schema.createTable('supervision_notice_counters', (t) => {
    // The prefix as printed (domain/supervision-notice.ts's fallback included).
    t.text('prefix').notNullable();
    t.integer('year').notNullable();
    t.integer('last_seq').notNullable();
    t.primary(['prefix', 'year']);
  });
  await knex.raw(`alter table supervision_notice_counters add constraint supervision_notice_counters_positive check (last_seq >= 1)`);

  await knex.schema.createTable('supervision_notices', (t) => {
    t.bigIncrements('id').primary();
    t.integer('plan_id').notNullable().references('plans.id').onDelete('CASCADE');
    t.integer('year').notNullable();
    t.integer('seq').notNullable();
    t.text('doc_number').notNullable().unique();
    // One notice per rung: a retried activity finds the notice its first attempt issued.
    t.string('escalation_key', 300).notNullable().unique().references('escalations.key').onDelete('CASCADE');
    t.integer('assignment_id').notNullable().references('assignments.id').onDelete('CASCADE');
    // The department it is addressed to (the lead when the rung fired); it alone may read it.
    t.integer('department_id').notNullable().references('departments.id');
    t.string('rung', 32).notNullable();
    t.integer('level').notNullable();
    t.string('subject', 16).notNullable();
    t.integer('period_seq').notNullable();
    t.date('business_date').notNullable();
    t.date('due_on').notNullable();
    t.integer('overdue_working_days').notNullable();
    t.integer('respond_within_working_days').notNullable();
    // As printed on the notice.
    t.text('item_code').notNullable();
    t.text('item_title').notNullable();
    t.text('department_name').notNullable();
    t.text('plan_title').notNullable();
    t.text('issuer').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.alterTable('supervision_notices', (t) => {
    t.index(['department_id', 'created_at']);
    t.index(['assignment_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('supervision_notices');
  await knex.schema.dropTableIfExists('supervision_notice_counters');
  await knex.schema.alterTable('plans', (t) => {
    t.dropColumn('notice_prefix');
  });
}
