import knex, { type Knex } from 'knex';
import { migrationSource } from './migrations';

export type Db = Knex;

export function createDb(url: string, opts: { searchPath?: string; poolMax?: number } = {}): Db {
  return knex({
    client: 'pg',
    connection: url,
    searchPath: opts.searchPath ? [opts.searchPath] : undefined,
    pool: { min: 0, max: opts.poolMax ?? 10 },
    migrations: { migrationSource, tableName: 'knex_migrations' },
  });
}

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest()) as [number, string[]];
  return applied;
}

export async function migrateRollbackAll(db: Db): Promise<string[]> {
  const [, reverted] = (await db.migrate.rollback(undefined, true)) as [number, string[]];
  return reverted;
}

export async function pingDb(db: Db): Promise<void> {
  await db.raw('select 1');
}
