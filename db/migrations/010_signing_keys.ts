import type { Knex } from 'knex';

/**
 * Token signing keys with ids, so the key can be rotated: tokens name the key
 * that signed them, the newest key signs, and a retired key still verifies the
 * tokens it signed until they have expired. The one key kept in app_secrets
 * until now becomes the key `legacy`, which tokens naming no key verify
 * against, so no one is signed out by the upgrade.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('signing_keys', (t) => {
    t.string('kid', 32).primary();
    t.text('key').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('retired_at', { useTz: true });
  });
  // At most one key signs: two processes making the first key, or rotating at once, cannot leave two.
  await knex.raw(`create unique index signing_keys_one_current on signing_keys ((retired_at is null)) where retired_at is null`);
  await knex.raw(`insert into signing_keys (kid, key, created_at)
                  select 'legacy', value, created_at from app_secrets where name = 'token-signing-key'`);
  await knex('app_secrets').where({ name: 'token-signing-key' }).del();
}

/** Back to one key: the current one, so tokens it signed stay valid under the older code (which ignores the key id). */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`insert into app_secrets (name, value)
                  select 'token-signing-key', key from signing_keys where retired_at is null
                  on conflict (name) do update set value = excluded.value`);
  await knex.schema.dropTable('signing_keys');
}
