import type { Knex } from 'knex';

/**
 * An accepted period's verdict on the original clock (received by the end of
 * the original due date), beside `on_time`, the verdict on the clock in force
 * (with extensions and returns). Both are the item workflow's; see
 * domain/on-time.ts.
 *
 * Periods accepted before this column existed get it where their dates settle
 * it: never moved, the clocks agree; late against a due date no earlier than
 * the original, late on the original too. The rest stay null (unknown). This
 * is a frozen copy of originalVerdict in domain/on-time.ts: a migration must
 * not change when that code does.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('periods', (t) => {
    t.boolean('on_time_original');
  });
  await knex.raw(`
    update periods set on_time_original = case
      when extended_due_on is null and due_on = original_due_on then on_time
      when on_time = false and due_on >= original_due_on then false
    end
    where status = 'accepted' and on_time is not null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('periods', (t) => {
    t.dropColumn('on_time_original');
  });
}
