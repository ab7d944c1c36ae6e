import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import type { Config } from './config';
import type { Logger } from './logger';

export interface DatabaseHandle {
  url: string;
  source: 'DATABASE_URL' | 'embedded' | 'embedded (already running)';
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * DATABASE_URL when given; otherwise the embedded PostgreSQL under the data
 * directory, started here or, if `npm start` already runs it, joined.
 */
export async function resolveDatabase(cfg: Config, log: Logger): Promise<DatabaseHandle> {
  if (cfg.DATABASE_URL) return { url: cfg.DATABASE_URL, source: 'DATABASE_URL', stop: async () => {} };
  const credsFile = path.join(cfg.DATA_DIR, 'postgres-credentials.json');
  const pidFile = path.join(cfg.DATA_DIR, 'postgres', 'postmaster.pid');
  if (fs.existsSync(credsFile) && fs.existsSync(pidFile) && (await accepts(cfg.EMBEDDED_PG_PORT))) {
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
