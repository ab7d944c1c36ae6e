import knex, { type Knex } from 'knex';
import { types } from 'pg';
import pino, { type Logger } from 'pino';
import { migrationSource } from './migrations';

export type Db = Knex;

/**
 * A DATE column is a business date with no time zone. pg's default parser
 * makes it a Date at local midnight, so the same row would read as a different
 * day under another TZ; as the 'YYYY-MM-DD' text PostgreSQL sends, it reads the
 * same everywhere. Process-wide: knex's pg client is this same module.
 */
types.setTypeParser(types.builtins.DATE, (value: string) => value);

// knex reports pool trouble through console.log unless given a logger.
const knexLog = pino({ name: 'db', level: process.env.LOG_LEVEL ?? 'info' });

export function createDb(url: string, opts: { searchPath?: string; poolMax?: number; log?: Logger } = {}): Db {
  const log = opts.log ?? knexLog;
  return knex({
    log: {
      warn: (m: unknown) => log.warn({ knex: m }, 'knex warning'),
      error: (m: unknown) => log.error({ knex: m }, 'knex error'),
      deprecate: (m: unknown) => log.warn({ knex: m }, 'knex deprecation'),
      debug: (m: unknown) => log.debug({ knex: m }, 'knex debug'),
    },
    client: 'pg',
    connection: url,
    searchPath: opts.searchPath ? [opts.searchPath] : undefined,
    pool: { min: 0, max: opts.poolMax ?? 10 },
    migrations: { migrationSource, tableName: 'knex_migrations' },
  });
}

interface PgConnection {
  query(sql: string, params: unknown[]): Promise<unknown>;
}

/**
 * Runs `fn` while holding a PostgreSQL advisory lock named `name`: processes
 * starting at once on one database (workers and API processes) take turns.
 */
export async function withAdvisoryLock<T>(db: Db, name: string, fn: () => Promise<T>): Promise<T> {
  const conn = (await db.client.acquireConnection()) as PgConnection;
  try {
    await conn.query('select pg_advisory_lock(hashtext($1))', [name]);
    return await fn();
  } finally {
    await conn.query('select pg_advisory_unlock(hashtext($1))', [name]).catch(() => undefined);
    await db.client.releaseConnection(conn);
  }
}

/** Knex's own migration lock fails a second migrator outright; ours makes it wait its turn. */
function withMigrationLock<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  return withAdvisoryLock(db, 'coord:migrate', fn);
}

export function migrateLatest(db: Db): Promise<string[]> {
  return withMigrationLock(db, async () => {
    const [, applied] = (await db.migrate.latest()) as [number, string[]];
    return applied;
  });
}

export function migrateRollbackAll(db: Db): Promise<string[]> {
  return withMigrationLock(db, async () => {
    const [, reverted] = (await db.migrate.rollback(undefined, true)) as [number, string[]];
    return reverted;
  });
}

export async function pingDb(db: Db): Promise<void> {
  await db.raw('select 1');
}
