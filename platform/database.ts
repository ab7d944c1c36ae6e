import fs from 'node:fs';
import path from 'node:path';
import { createDb, migrateLatest, type Db } from '../db/connection';
import { embeddedClusterDir, startEmbeddedPostgres } from '../db/embedded-postgres';
import type { Config } from './config';
import type { Logger } from './logger';
import { portAccepts } from './processes';

export interface DatabaseHandle {
  url: string;
  source: 'DATABASE_URL' | 'embedded' | 'embedded (already running)';
  stop(): Promise<void>;
}

/**
 * DATABASE_URL when given; otherwise the embedded PostgreSQL under the data
 * directory, started here or, if `npm start` already runs it, joined.
 */
export async function resolveDatabase(cfg: Config, log: Logger): Promise<DatabaseHandle> {
  if (cfg.DATABASE_URL) return { url: cfg.DATABASE_URL, source: 'DATABASE_URL', stop: async () => {} };
  const credsFile = path.join(cfg.DATA_DIR, 'postgres-credentials.json');
  const pidFile = path.join(embeddedClusterDir(cfg.DATA_DIR), 'postmaster.pid');
  if (fs.existsSync(credsFile) && fs.existsSync(pidFile) && (await portAccepts(cfg.EMBEDDED_PG_PORT))) {
    const { user, password } = JSON.parse(fs.readFileSync(credsFile, 'utf8')) as { user: string; password: string };
    return {
      url: `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${cfg.EMBEDDED_PG_PORT}/coord`,
      source: 'embedded (already running)',
      stop: async () => {},
    };
  }
  const embedded = await startEmbeddedPostgres({ dataDir: cfg.DATA_DIR, port: cfg.EMBEDDED_PG_PORT, log });
  return { url: embedded.url, source: 'embedded', stop: embedded.stop };
}

/** The same server and credentials, another database. */
export function withDatabaseName(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The URL with its password masked, for logs and the start banner. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/** For one-shot commands: the database resolved, migrated, handed to `fn`, and released afterwards. */
export async function withDatabase<T>(cfg: Config, log: Logger, fn: (db: Db) => Promise<T>): Promise<T> {
  const database = await resolveDatabase(cfg, log);
  const db = createDb(database.url, { poolMax: 3 });
  try {
    await migrateLatest(db);
    return await fn(db);
  } finally {
    await db.destroy();
    await database.stop();
  }
}
