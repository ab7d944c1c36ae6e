import type { Knex } from 'knex';

/** Users and their roles, sign-in sessions (revocable tokens), the token signing key, and idempotency keys. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.string('username', 64).notNullable().unique();
    t.text('password_hash').notNullable();
    t.string('role', 16).notNullable();
    t.integer('department_id').references('departments.id');
    t.string('display_name', 200);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('disabled_at', { useTz: true });
  });
  await knex.raw(`alter table users add constraint users_role check (role in ('admin', 'secretariat', 'department', 'leadership'))`);
  await knex.raw(`alter table users add constraint users_department check ((role = 'department') = (department_id is not null))`);

  await knex.schema.createTable('sessions', (t) => {
    t.uuid('id').primary();
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.timestamp('issued_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
  });

  await knex.schema.createTable('app_secrets', (t) => {
    t.string('name', 64).primary();
    t.text('value').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('key', 200).notNullable();
    t.string('route', 200).notNullable();
    t.string('request_sha256', 64).notNullable();
    t.integer('status').notNullable();
    t.jsonb('response').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['user_id', 'key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['idempotency_keys', 'app_secrets', 'sessions', 'users']) await knex.schema.dropTableIfExists(table);
}
