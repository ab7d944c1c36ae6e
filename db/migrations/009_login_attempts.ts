import type { Knex } from 'knex';

/**
 * Sign-in attempts, kept in the database so every API process sees the same
 * counts: one row per attempt, by username and client address. The limiter
 * counts rows within its window, a good sign-in removes its own, and rows
 * older than the window are purged as new attempts arrive.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('login_attempts', (t) => {
    t.bigIncrements('id');
    t.text('username').notNullable();
    t.text('address').notNullable();
    t.timestamp('attempted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['address', 'username', 'attempted_at']);
    t.index(['attempted_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('login_attempts');
}
