/**
 * The Temporal server itself, as a production cluster runs it: the
 * `temporal-server` binary built from Go modules (go.temporal.io/server, with
 * its SQL tool), PostgreSQL persistence in two databases whose schemas the
 * SQL tool makes and upgrades, several history shards, and the four services
 * (frontend, history, matching, worker) in one process, as Temporal's own
 * development-postgres12 configuration runs them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import knex from 'knex';
import type { Connection } from '@temporalio/client';
import { msNumberToTs } from '@temporalio/common/lib/time';
import type { Logger } from './logger';
import { withDatabaseName } from './database';
import { goAvailable } from './temporal-cli';
import { goInstall, isExecutable } from './go-build';
import { freePort, freePortBetween, portAccepts, processAlive } from './processes';

const SERVER_MODULE = 'go.temporal.io/server';

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  /** Seconds the build took, when this call built them. */
  builtInSeconds?: number;
}

export function cachedServerDir(cacheDir: string, version: string): string {
  return path.join(cacheDir, 'temporal-server', version, 'bin');
}

/**
 * The server and its SQL tool from the cache, or built with Go into it (the
 * first time on a machine, about two and a half minutes on 2 cores).
 * v1.29.1 needs Go 1.25 and carries no `replace` directive, so it go-installs.
 */
export async function ensureTemporalServer(opts: { cacheDir: string; version: string; log: Logger }): Promise<TemporalServerBinaries> {
  const binDir = cachedServerDir(opts.cacheDir, opts.version);
  const server = path.join(binDir, 'temporal-server');
  const sqlTool = path.join(binDir, 'temporal-sql-tool');
  const built = () => isExecutable(server) && isExecutable(sqlTool);
  if (built()) return { server, sqlTool };
  if (!goAvailable()) throw new Error(`the Temporal server is not in ${binDir} and there is no Go toolchain to build it (go install ${SERVER_MODULE}/cmd/server@${opts.version})`);
  const seconds = await goInstall(
    {
      what: 'the Temporal server',
      packages: [`${SERVER_MODULE}/cmd/server@${opts.version}`, `${SERVER_MODULE}/cmd/tools/sql@${opts.version}`],
      binDir,
      rename: { server: 'temporal-server', sql: 'temporal-sql-tool' },
      expected: 'about 3 minutes on 2 cores',
      log: opts.log,
    },
    built,
  );
  return { server, sqlTool, builtInSeconds: seconds };
}

/** Where Temporal keeps its state: two databases on a PostgreSQL server, reached as `url` says. */
export interface TemporalDatabases {
  /** Any database URL on the server (its user, password, host and port are used). */
  url: string;
  history: string;
  visibility: string;
}

export function temporalDatabases(url: string, name = 'temporal'): TemporalDatabases {
  return { url, history: name, visibility: `${name}_visibility` };
}

function pgParts(url: string) {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || 5432), user: decodeURIComponent(u.username || 'postgres'), password: decodeURIComponent(u.password) };
}

/**
 * Creates the two databases where missing and brings their schemas to the
 * version this server needs, all with Temporal's SQL tool: setup-schema makes
 * the versioning tables, update-schema applies the embedded versioned schema.
 * Both are no-ops on a database already current, so every start runs them,
 * and a newer server's start is also its schema upgrade.
 */
export async function prepareTemporalDatabases(sqlTool: string, dbs: TemporalDatabases, log: Logger): Promise<void> {
  const pg = pgParts(dbs.url);
  const admin = knex({ client: 'pg', connection: dbs.url, pool: { min: 0, max: 1 } });
  let existing: Set<string>;
  try {
    const rows = (await admin.raw('select datname from pg_database where datname = any(?)', [[dbs.history, dbs.visibility]])) as { rows: { datname: string }[] };
    existing = new Set(rows.rows.map((r) => r.datname));
  } finally {
    await admin.destroy();
  }
  const run = (database: string, args: string[]) => {
    const res = spawnSync(sqlTool, ['--plugin', 'postgres12', '--ep', pg.host, '--port', String(pg.port), '--user', pg.user, '--db', database, ...args], {
      encoding: 'utf8',
      env: { ...process.env, SQL_PASSWORD: pg.password },
    });
    if (res.status !== 0) throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed: ${(res.stderr || res.stdout).slice(-2000)}`);
  };
  for (const [database, schema] of [
    [dbs.history, 'postgresql/v12/temporal'],
    [dbs.visibility, 'postgresql/v12/visibility'],
  ] as const) {
    if (!existing.has(database)) {
      log.info({ database }, 'creating a Temporal database');
      run(database, ['create-database']);
    }
    run(database, ['setup-schema', '-v', '0.0']);
    run(database, ['update-schema', '--schema-name', schema]);
    log.info({ database, schema }, 'Temporal schema current');
  }
}

/** Drops both databases (tests' own, at their end). */
export async function dropTemporalDatabases(dbs: TemporalDatabases): Promise<void> {
  const admin = knex({ client: 'pg', connection: withDatabaseName(dbs.url, 'postgres'), pool: { min: 0, max: 1 } });
  try {
    for (const name of [dbs.history, dbs.visibility]) await admin.raw('drop database if exists ?? with (force)', [name]);
  } finally {
    await admin.destroy();
  }
}

export interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  /** Membership (ringpop) ports, one per service, in the order frontend, history, matching, worker. */
  membership: [number, number, number, number];
}

/** Temporal's own defaults, frontend first. */
export function defaultServerPorts(frontend = 7233): ServerPorts {
  const shift = frontend - 7233;
  return {
    frontend,
    frontendHttp: 7243 + shift,
    history: 7234 + shift,
    matching: 7235 + shift,
    worker: 7239 + shift,
    membership: [6933 + shift, 6934 + shift, 6935 + shift, 6939 + shift],
  };
}

/**
 * Free ports for a server of a test or a benchmark: gRPC and HTTP ones from
 * the OS, the four membership ones at random between 20000 and 32000 (Temporal
 * stores them in a smallint column, so they must stay below 32768, where the
 * OS's own choices never fall).
 */
export async function freeServerPorts(): Promise<ServerPorts> {
  const [frontend, frontendHttp, history, matching, worker] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const membership: number[] = [];
  while (membership.length < 4) membership.push(await freePortBetween(20_000, 32_000, membership));
  return { frontend, frontendHttp, history, matching, worker, membership: membership as ServerPorts['membership'] };
}

export interface ServerConfigOptions {
  dbs: TemporalDatabases;
  shards: number;
  ports: ServerPorts;
  /** Connections each of the two stores may open, per server process. */
  maxConns?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** The server's configuration (the shape of Temporal's config/development-postgres12.yaml), as JSON, which YAML reads. */
export function serverConfig(o: ServerConfigOptions): Record<string, unknown> {
  const pg = pgParts(o.dbs.url);
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${pg.host}:${pg.port}`,
      connectProtocol: 'tcp',
      user: pg.user,
      password: pg.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number, membershipPort: number, extra: Record<string, unknown> = {}) => ({ rpc: { grpcPort, membershipPort, bindOnIP: '127.0.0.1', ...extra } });
  const p = o.ports;
  return {
    log: { stdout: true, level: o.logLevel ?? 'warn', format: 'json' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: o.shards,
      datastores: { default: store(o.dbs.history, o.maxConns ?? 20), visibility: store(o.dbs.visibility, Math.max(2, Math.floor((o.maxConns ?? 20) / 2))) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: rpc(p.frontend, p.membership[0], { httpPort: p.frontendHttp }),
      history: rpc(p.history, p.membership[1]),
      matching: rpc(p.matching, p.membership[2]),
      worker: rpc(p.worker, p.membership[3]),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${p.frontend}`, httpAddress: `127.0.0.1:${p.frontendHttp}` },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
  };
}

/**
 * The shard count is fixed when the history database is first used: a
 * server started with another count refuses to start. Read back from the
 * database, so a second start keeps the first one's.
 */
export async function recordedShardCount(dbs: TemporalDatabases): Promise<number | undefined> {
  const db = knex({ client: 'pg', connection: withDatabaseName(dbs.url, dbs.history), pool: { min: 0, max: 1 } });
  try {
    const row = (await db.raw('select count(*)::int as n from shards').catch(() => undefined)) as { rows: { n: number }[] } | undefined;
    const n = row?.rows[0]?.n;
    return n ? n : undefined;
  } finally {
    await db.destroy();
  }
}

export interface TemporalServerProcess {
  readonly address: string;
  readonly pid: number;
  /** SIGTERM, SIGKILL after 20 s; resolves when it has exited. */
  stop(): Promise<void>;
  /** Resolves when the process ends, however. */
  readonly exited: Promise<number | null>;
}

/** Forwards the server's JSON log lines into pino: errors and warnings as such, the rest at debug. */
/** Errors while it stops (its services losing each other) are expected: logged as warnings then. */
function pipeServerLogs(child: ChildProcess, log: Logger, stopping: () => boolean): string[] {
  const tail: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    readline.createInterface({ input: stream }).on('line', (line) => {
      if (!line.trim()) return;
      tail.push(line.slice(0, 1000));
      if (tail.length > 15) tail.shift();
      try {
        const entry = JSON.parse(line) as { level?: string; msg?: string };
        const level = (entry.level === 'error' || entry.level === 'fatal') && !stopping() ? 'error' : entry.level === 'warn' || entry.level === 'error' ? 'warn' : 'debug';
        log[level]({ server: entry }, entry.msg ?? 'temporal server');
      } catch {
        log.debug({ line }, 'temporal server');
      }
    });
  }
  return tail;
}

/** A server left by a start that was killed outright would hold the ports. */
export async function stopLeftover(pidFile: string, marker: string, log: Logger): Promise<void> {
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  let cmdline = '';
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // Not running.
  }
  if (pid && processAlive(pid) && cmdline.includes(marker)) {
    log.warn({ pid, what: marker }, 'stopping a process left behind by an earlier start');
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      process.kill(pid, 'SIGTERM');
    }
    for (let i = 0; i < 80 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 250));
    if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  fs.rmSync(pidFile, { force: true });
}

/**
 * Starts `temporal-server start` with all four services on the given
 * configuration, in its own process group (Ctrl-C reaches the parent, which
 * stops it last), and waits until the frontend accepts connections.
 */
export async function startTemporalServer(opts: { binary: string; dir: string; config: Record<string, unknown>; log: Logger }): Promise<TemporalServerProcess> {
  const log = opts.log.child({ component: 'temporal-server' });
  const configDir = path.join(opts.dir, 'config');
  fs.mkdirSync(configDir, { recursive: true });
  fs.writeFileSync(path.join(configDir, 'production.yaml'), `${JSON.stringify(opts.config, null, 2)}\n`, { mode: 0o600 });
  const pidFile = path.join(opts.dir, 'server.pid');
  await stopLeftover(pidFile, 'temporal-server', log);
  const services = opts.config.services as Record<string, { rpc: { grpcPort: number } }>;
  const frontend = services.frontend?.rpc.grpcPort as number;
  for (const [name, s] of Object.entries(services)) {
    if (await portAccepts(s.rpc.grpcPort)) throw new Error(`port ${s.rpc.grpcPort} for Temporal's ${name} service is already in use`);
  }
  const args = ['--root', opts.dir, '--config', 'config', '--env', 'production', '--allow-no-auth', 'start', '--service', 'frontend', '--service', 'history', '--service', 'matching', '--service', 'worker'];
  const child = spawn(opts.binary, args, { cwd: opts.dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const pid = child.pid as number;
  fs.writeFileSync(pidFile, String(pid));
  let stopping = false;
  const tail = pipeServerLogs(child, log, () => stopping);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      fs.rmSync(pidFile, { force: true });
      resolve(code);
    }),
  );
  const deadline = Date.now() + 90_000;
  while (!(await portAccepts(frontend))) {
    if (child.exitCode !== null) throw new Error(`the Temporal server exited at start with code ${child.exitCode}; its last lines:\n${tail.join('\n')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the Temporal server did not listen on ${frontend} within 90 s`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  log.info({ pid, address: `127.0.0.1:${frontend}` }, 'Temporal server listening');
  return {
    address: `127.0.0.1:${frontend}`,
    pid,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The namespace, registered where missing with the given retention, and
 * answered by the frontend. A full server has none of its own but the
 * system's (the dev server made the product's at start).
 */
export async function ensureNamespace(connection: Connection, namespace: string, retentionDays: number, log: Logger): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (err) {
      const code = (err as { code?: number }).code;
      // 5 NOT_FOUND: register it. Anything else while the cluster settles: wait.
      if (code === 5) {
        try {
          await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msNumberToTs(retentionDays * 86_400_000) });
          log.info({ namespace, retentionDays }, 'namespace registered');
        } catch (regErr) {
          if ((regErr as { code?: number }).code !== 6) throw regErr; // 6 ALREADY_EXISTS: another process was first.
        }
      }
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
