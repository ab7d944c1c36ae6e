/**
 * What every figure shares: one Temporal server and one PostgreSQL server
 * for the whole run, a database per figure on it, the workflow bundle, bench
 * worker processes, an in-process API server with real tokens, progress logs,
 * CPU accounting, and the cleanup that takes it all down again (also on
 * Ctrl-C). The Temporal server is the CLI's dev server (target 'dev', the
 * default) or the production-like `temporal-server` built from Go modules on
 * the same PostgreSQL (target 'cluster').
 */
import crypto from 'node:crypto';
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Server } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import knex, { type Knex } from 'knex';
import { createApp } from '../api/app';
import { issueToken, openKeyring, type Role } from '../api/auth/tokens';
import { createUser } from '../api/auth/users';
import { seedOfficialCalendar } from '../db/calendar/store';
import { importPlan } from '../db/catalog/import';
import { readPlanFile } from '../db/catalog/plan-file';
import { createDb, migrateLatest, type Db } from '../db/connection';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import { loadConfig, projectRoot } from '../platform/config';
import { createSecretBox } from '../platform/secrets';
import { redactUrl, withDatabaseName } from '../platform/database';
import type { Logger } from '../platform/logger';
import { registerSearchAttributes } from '../platform/search-attributes';
import { ensureTemporalCli } from '../platform/temporal-cli';
import { freePort } from '../platform/processes';
import { ensureNamespace, ensureTemporalServer, freeServerPorts, prepareTemporalDatabases, serverConfig, startTemporalServer, temporalDatabases } from '../platform/temporal-cluster';
import { startDevServer } from '../platform/temporal-server';
import { createBenchTables } from './activities';
import type { ChildMessage, ParentMessage, WorkerProcessConfig, WorkerStats } from './worker-process';

export const NAMESPACE = 'default';
/** History shards of the production-like server (target 'cluster'); the dev server has one. */
export const CLUSTER_SHARDS = 4;

/** Which Temporal server a harness runs on: the CLI's dev server, or the production-like `temporal-server` on PostgreSQL. */
export type Target = 'dev' | 'cluster';
/** The plan every bench database starts with (the product's default plan), and its secretariat. */
export const DEFAULT_PLAN_FILE = path.join(projectRoot, 'plans', 'shandong-internet-plus-2016-2018.yaml');

export interface Sizes {
  quick: boolean;
  /** (a) closed-loop clients and seconds of the no-op loop. */
  clients: number;
  noopSeconds: number;
  echoCount: number;
  /** (b) seconds of each phase (one item per request; bulk), at most `assignBulk` items in bulk requests of `bulkBatch`; items seeded for both. */
  assignSeconds: number;
  assignBulk: number;
  bulkBatch: number;
  assignSeedItems: number;
  /** (c) open item workflows. */
  items: number;
  /** (a, d) deadlines falling due in the same second. */
  deadlines: number;
  /** (e) seeded items and reports, requests per route. */
  boardItems: number;
  boardReports: number;
  routeRequests: number;
  ledgerRequests: number;
  /** (f) simulated years, and how long a working day lasts on the compressed clock. */
  historyYears: number;
  historyWorkingDayMs: number;
}

export function sizesFor(opts: { quick: boolean; items?: number }): Sizes {
  if (opts.quick) {
    return {
      quick: true,
      clients: 50,
      noopSeconds: 5,
      echoCount: 100,
      historyWorkingDayMs: 80,
      assignSeconds: 8,
      assignBulk: 30,
      bulkBatch: 30,
      assignSeedItems: 1_500,
      items: opts.items ?? 60,
      deadlines: 60,
      boardItems: 2_000,
      boardReports: 20_000,
      routeRequests: 20,
      ledgerRequests: 3,
      historyYears: 1,
    };
  }
  return {
    quick: false,
    clients: 50,
    noopSeconds: 30,
    echoCount: 500,
    historyWorkingDayMs: 150,
    assignSeconds: 60,
    assignBulk: 1_000,
    bulkBatch: 100,
    assignSeedItems: 6_000,
    items: opts.items ?? 1_000,
    deadlines: 1_000,
    boardItems: 10_000,
    boardReports: 100_000,
    routeRequests: 100,
    ledgerRequests: 20,
    historyYears: 3,
  };
}

// ---------- small utilities ----------

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Progress of a long step as pino lines: `done/total` at most every `everyMs`, and once at the end. */
export function progress(log: Logger, step: string, total: number, everyMs = 5_000) {
  let done = 0;
  let failed = 0;
  const started = Date.now();
  let last = started;
  const line = (final: boolean) =>
    log.info({ step, done, total, ...(failed ? { failed } : {}), seconds: Math.round((Date.now() - started) / 100) / 10 }, final ? `${step}: done` : `${step}: ${done}/${total}`);
  return {
    tick(n = 1, ok = true) {
      done += n;
      if (!ok) failed += n;
      const now = Date.now();
      if (now - last >= everyMs && done < total) {
        last = now;
        line(false);
      }
    },
    finish() {
      line(true);
    },
  };
}

/** Runs fn(0..count-1) with at most `concurrency` at once; fn's errors are counted and the first kept. */
export async function pool(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<{ errors: number; firstError?: unknown }> {
  let next = 0;
  let errors = 0;
  let firstError: unknown;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      try {
        await fn(i);
      } catch (err) {
        errors += 1;
        firstError ??= err;
      }
    }
  });
  await Promise.all(lanes);
  return { errors, firstError };
}

/** Polls until `probe` satisfies `done`, or gives up after `timeoutMs` returning the last value. */
export async function until<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number, everyMs = 250): Promise<{ value: T; ok: boolean }> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value)) {
    if (Date.now() > deadline) return { value, ok: false };
    await sleep(everyMs);
    value = await probe();
  }
  return { value, ok: true };
}

// ---------- CPU accounting from /proc ----------

const CLK_TCK = 100;

function procTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return 0;
  }
}

function machineTicks(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] as string;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

function pidsNamed(comm: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() === comm) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export interface CpuReport {
  wallSeconds: number;
  /** CPU seconds per process group over the window; `machine` is every process on the machine (other engineers' too). */
  cpuSeconds: Record<string, number>;
  /** machine busy CPU as a share of all cores over the window. */
  machineBusyShare: number;
  cores: number;
}

/** CPU seconds spent by each named group of processes between start() and stop(). */
export function cpuWindow(groups: () => Record<string, number[]>) {
  // Per pid: a process that started within the window counts all its CPU, one that ended within it is lost.
  const snap = () => {
    const per: Record<string, Map<number, number>> = {};
    for (const [name, pids] of Object.entries(groups())) per[name] = new Map(pids.map((p) => [p, procTicks(p)]));
    return { at: Date.now(), per, machine: machineTicks() };
  };
  const first = snap();
  return {
    stop(): CpuReport {
      const last = snap();
      const cpuSeconds: Record<string, number> = {};
      for (const [name, pids] of Object.entries(last.per)) {
        let ticks = 0;
        for (const [pid, t] of pids) ticks += Math.max(0, t - (first.per[name]?.get(pid) ?? 0));
        cpuSeconds[name] = Math.round((ticks / CLK_TCK) * 10) / 10;
      }
      const busy = last.machine.busy - first.machine.busy;
      const total = last.machine.total - first.machine.total;
      cpuSeconds.machine = Math.round((busy / CLK_TCK) * 10) / 10;
      return { wallSeconds: Math.round((last.at - first.at) / 100) / 10, cpuSeconds, machineBusyShare: total > 0 ? Math.round((busy / total) * 100) / 100 : 0, cores: os.cpus().length };
    },
  };
}

// ---------- worker processes ----------

export interface WorkerHandle {
  name: string;
  pid: number;
  maxCachedWorkflows: number;
  ready: Extract<ChildMessage, { type: 'ready' }>;
  stats(opts?: { gc?: boolean }): Promise<WorkerStats>;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  name: string;
  taskQueue: string;
  databaseUrl: string;
  workingDayMs?: number;
  maxCachedWorkflows?: number;
  mergeWindowMs?: number;
}

// ---------- databases ----------

export interface BenchDb {
  name: string;
  url: string;
  db: Db;
}

// ---------- the harness ----------

/**
 * Ctrl-C (or SIGTERM) stops every worker, server and database the run
 * started, then exits 130; `promise` is that teardown once it began, for the
 * run's end to wait on. A second signal during the teardown is ignored. A run
 * that goes on to another harness (`--target cluster`: the dev server's, then
 * the cluster's) watches each in turn: a signal stops the latest.
 */
export class Interruption {
  promise: Promise<void> | undefined;
  private watched: { h: Harness; what: string } | undefined;

  watch(h: Harness, what: string): void {
    const first = !this.watched;
    this.watched = { h, what };
    if (!first) return;
    let exiting = false;
    const onSignal = (signal: string) => {
      if (exiting || !this.watched) return;
      exiting = true;
      const { h: current, what: which } = this.watched;
      current.log.warn({ signal }, `interrupted: stopping ${which} of this run`);
      // The figure under way goes on failing while its servers go away; what it throws from a timer (a gRPC retry on
      // the closed connection) must not end the process before the databases are dropped.
      const inFlight = (err: unknown) => current.log.debug({ err }, 'a call still in flight failed during the teardown');
      process.on('uncaughtException', inFlight);
      process.on('unhandledRejection', inFlight);
      this.promise = current.stop().finally(() => {
        current.log.flush();
        process.exit(130);
      });
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
  }

  /**
   * One figure with its progress lines. A failure is logged and kept in
   * `into.errors` under `key`, and the run goes on with the next figure;
   * once interrupted it is thrown (its servers are going away).
   */
  async figure<T>(log: Logger, into: { errors?: Record<string, string> }, key: string, name: string, run: () => Promise<T>): Promise<T | undefined> {
    const t0 = Date.now();
    log.info({ figure: key }, `=== (${key}) ${name}`);
    try {
      const r = await run();
      log.info({ figure: key, seconds: Math.round((Date.now() - t0) / 1000) }, `=== (${key}) done`);
      return r;
    } catch (err) {
      if (this.promise) throw err;
      log.error({ err, figure: key }, `=== (${key}) failed; going on with the next figure`);
      into.errors = { ...into.errors, [key]: err instanceof Error ? err.message : String(err) };
      return undefined;
    }
  }
}

export class Harness {
  readonly runId = `${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}_${process.pid}`;
  readonly tmpDir: string;
  readonly target: Target;
  temporalAddress = '';
  temporalPid: number | undefined;
  /** Which Temporal server, for the results: what runs, and its history shards. */
  temporalServer: { target: Target; server: string; shards: number } | undefined;
  adminUrl = '';
  bundlePath = '';
  client!: Client;
  private connection: Connection | undefined;
  private readonly cleanups: { name: string; run: () => Promise<void> }[] = [];
  private readonly workers = new Set<WorkerHandle>();
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly log: Logger,
    opts: { target?: Target } = {},
  ) {
    this.target = opts.target ?? 'dev';
    this.tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coord-bench-'));
    // As root, an embedded PostgreSQL runs as the `postgres` user, who must reach its directory.
    fs.chmodSync(this.tmpDir, 0o755);
    this.onCleanup('temp dir', async () => fs.rmSync(this.tmpDir, { recursive: true, force: true }));
  }

  /** Registers a step of the teardown; they run in reverse order of registration. */
  onCleanup(name: string, run: () => Promise<void>): void {
    this.cleanups.push({ name, run });
  }

  /** The servers and the bundle; a stop() meanwhile waits for it, and it gives up between its steps. */
  start(): Promise<void> {
    this.starting ??= this.setUp();
    return this.starting;
  }

  private async setUp(): Promise<void> {
    const cfg = loadConfig();
    const log = this.log;
    const temporal: [string, () => Promise<void>] =
      this.target === 'cluster'
        ? [`Temporal: the production-like server (temporal-server ${cfg.TEMPORAL_SERVER_VERSION}, ${CLUSTER_SHARDS} history shards) on free ports, its two databases on that PostgreSQL`, () => this.startCluster(cfg)]
        : ['Temporal: a fresh dev server on free ports, its data in a temporary folder', () => this.startDevServer(cfg)];
    const postgres: [string, () => Promise<void>] = ['PostgreSQL', () => this.startPostgres(cfg)];
    // The production-like server keeps its state on the run's PostgreSQL server, which must be there first.
    const steps = this.target === 'cluster' ? [postgres, temporal] : [temporal, postgres];
    for (const [i, [what, run]] of steps.entries()) {
      this.checkNotStopping();
      log.info(`[setup ${i + 1}/4] ${what}`);
      await run();
    }

    this.checkNotStopping();
    log.info('[setup 3/4] bundling the workflows (product and bench baselines) once for every worker');
    const bundle = await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, 'workflows'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
    this.bundlePath = path.join(this.tmpDir, 'workflow-bundle.js');
    fs.writeFileSync(this.bundlePath, bundle.code);
    log.info({ temporal: this.temporalAddress, bundleKb: Math.round(bundle.code.length / 1024) }, '[setup 4/4] ready');
  }

  private checkNotStopping(): void {
    if (this.stopping) throw new Error('the bench is stopping: setup abandoned');
  }

  private async startDevServer(cfg: ReturnType<typeof loadConfig>): Promise<void> {
    const cli = await ensureTemporalCli({ cacheDir: cfg.cacheDir, version: cfg.TEMPORAL_CLI_VERSION, explicit: cfg.TEMPORAL_CLI, log: this.log });
    const [port, uiPort] = [await freePort(), await freePort()];
    const server = await startDevServer({ cli, dataDir: this.tmpDir, namespace: NAMESPACE, port, uiPort, log: this.log });
    this.onCleanup('temporal server', server.stop);
    const pidFile = path.join(this.tmpDir, 'temporal', 'server.pid');
    if (fs.existsSync(pidFile)) this.temporalPid = Number(fs.readFileSync(pidFile, 'utf8'));
    this.temporalServer = { target: 'dev', server: cli ? `temporal server start-dev (CLI from ${cli.source})` : "the SDK's dev server", shards: 1 };
    await this.connect(server.address);
  }

  /**
   * `temporal-server` (built from Go modules once per machine, then cached)
   * with all four services in one process, on databases of this run
   * (`coord_bench_<run>_temporal` and `_visibility`, made and brought to the
   * schema by temporal-sql-tool, dropped with the figures' at the end), and
   * the namespace and the item search attributes registered on it.
   */
  private async startCluster(cfg: ReturnType<typeof loadConfig>): Promise<void> {
    const log = this.log;
    const bins = await ensureTemporalServer({ cacheDir: cfg.cacheDir, version: cfg.TEMPORAL_SERVER_VERSION, log });
    this.checkNotStopping();
    const dbs = temporalDatabases(this.adminUrl, this.databaseName('temporal'));
    log.info({ history: dbs.history, visibility: dbs.visibility, builtInSeconds: bins.builtInSeconds }, 'Temporal databases: creating them and their schemas with temporal-sql-tool');
    await prepareTemporalDatabases(bins.sqlTool, dbs, log);
    this.checkNotStopping();
    const ports = await freeServerPorts();
    // Its own lines at error only unless BENCH_SERVER_LOG_LEVEL says otherwise (warnings come by the dozen whenever a
    // figure's workers stop, and while it stops), without their Go stack traces.
    const serverLog = log.child({}, { level: process.env.BENCH_SERVER_LOG_LEVEL ?? 'error', serializers: { server: (e: Record<string, unknown>) => ({ ...e, stacktrace: undefined }) } });
    const server = await startTemporalServer({ binary: bins.server, dir: path.join(this.tmpDir, 'temporal-server'), config: serverConfig({ dbs, shards: CLUSTER_SHARDS, ports }), log: serverLog });
    this.onCleanup('temporal server', server.stop);
    log.info({ pid: server.pid, address: server.address, ports }, 'Temporal server listening');
    this.temporalPid = server.pid;
    this.temporalServer = { target: 'cluster', server: `temporal-server ${cfg.TEMPORAL_SERVER_VERSION}, PostgreSQL persistence`, shards: CLUSTER_SHARDS };
    await this.connect(server.address);
    log.info({ namespace: NAMESPACE }, 'Temporal: registering the namespace and the item search attributes');
    await ensureNamespace(this.connection as Connection, NAMESPACE, 1, log);
    await registerSearchAttributes(this.client, log);
  }

  private async connect(address: string): Promise<void> {
    this.temporalAddress = address;
    this.connection = await Connection.connect({ address });
    this.client = new Client({ connection: this.connection, namespace: NAMESPACE });
    this.onCleanup('temporal client', async () => this.connection?.close());
  }

  private async startPostgres(cfg: ReturnType<typeof loadConfig>): Promise<void> {
    const log = this.log;
    if (cfg.DATABASE_URL) {
      this.adminUrl = cfg.DATABASE_URL;
      log.info({ server: redactUrl(cfg.DATABASE_URL) }, 'using DATABASE_URL: each figure makes a database of its own there and drops it at the end');
    } else {
      log.info('no DATABASE_URL: starting an embedded PostgreSQL for this run');
      const pg = await startEmbeddedPostgres({ dataDir: path.join(this.tmpDir, 'pg'), port: await freePort(), log });
      this.adminUrl = pg.url;
      this.onCleanup('embedded postgres', pg.stop);
    }
    // Every database named after the run: the figures', the template, and the cluster's two.
    this.onCleanup('bench databases', () => this.dropDatabases());
  }

  /** `coord_bench_<run>_<label>`: every database of the run is named so, and dropped by that prefix. */
  private databaseName(label: string): string {
    return `coord_bench_${this.runId}_${label}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 63);
  }

  private admin() {
    return knex({ client: 'pg', connection: this.adminUrl, pool: { min: 0, max: 1 } });
  }

  private dbUrl(name: string): string {
    return withDatabaseName(this.adminUrl, name);
  }

  private template: Promise<string> | undefined;

  /** Built once per run: the schema, the default plan, the official calendar and the bench table, copied for each figure. */
  private templateDatabase(): Promise<string> {
    this.template ??= (async () => {
      const name = this.databaseName('template');
      const a = this.admin();
      try {
        await a.raw('create database ?? template template0', [name]);
      } finally {
        await a.destroy();
      }
      const db = createDb(this.dbUrl(name), { poolMax: 2 });
      try {
        await migrateLatest(db);
        await importPlan(db, readPlanFile(DEFAULT_PLAN_FILE), { actor: 'bench' });
        await seedOfficialCalendar(db, 'bench');
        await createBenchTables(db);
      } finally {
        // A template is copied only while nobody is connected to it.
        await db.destroy();
      }
      return name;
    })();
    return this.template;
  }

  /** A fresh database for one figure: a copy of the template (schema, default plan, official calendar, bench table). */
  async database(label: string, opts: { poolMax?: number } = {}): Promise<BenchDb> {
    const template = await this.templateDatabase();
    const name = this.databaseName(label);
    const a = this.admin();
    try {
      await a.raw('create database ?? template ??', [name, template]);
    } finally {
      await a.destroy();
    }
    const url = this.dbUrl(name);
    const db = createDb(url, { poolMax: opts.poolMax ?? 10 });
    this.onCleanup(`pool ${label}`, () => db.destroy());
    return { name, url, db };
  }

  private async dropDatabases(): Promise<void> {
    const a = this.admin();
    try {
      const rows = (await a.raw('select datname from pg_database where datname like ?', [`coord_bench_${this.runId}_%`])) as { rows: { datname: string }[] };
      for (const { datname } of rows.rows) await a.raw('drop database if exists ?? with (force)', [datname]);
      this.log.info({ dropped: rows.rows.length }, 'bench databases dropped');
    } finally {
      await a.destroy();
    }
  }

  /** A bench worker process, polling once this resolves. */
  async worker(opts: WorkerOptions): Promise<WorkerHandle> {
    const cfg: WorkerProcessConfig = {
      name: opts.name,
      temporalAddress: this.temporalAddress,
      namespace: NAMESPACE,
      taskQueue: opts.taskQueue,
      databaseUrl: opts.databaseUrl,
      bundlePath: this.bundlePath,
      workingDayMs: opts.workingDayMs,
      mergeWindowMs: opts.mergeWindowMs,
      maxCachedWorkflows: opts.maxCachedWorkflows,
      logLevel: process.env.BENCH_WORKER_LOG_LEVEL ?? 'warn',
    };
    const child: ChildProcess = fork(path.join(__dirname, 'worker-process.ts'), [], {
      cwd: projectRoot,
      execArgv: ['--import', 'tsx', '--expose-gc'],
      env: { ...process.env, BENCH_WORKER: JSON.stringify(cfg) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let nextId = 1;
    const waiting = new Map<number, (s: WorkerStats) => void>();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench worker ${opts.name} did not start within 120 s`)), 120_000);
      child.on('message', (msg: ChildMessage) => {
        if (msg.type === 'ready') {
          clearTimeout(timer);
          resolve(msg);
        } else if (msg.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`bench worker ${opts.name} failed: ${msg.error}`));
        } else if (msg.type === 'stats') {
          waiting.get(msg.id)?.(msg.stats);
          waiting.delete(msg.id);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`bench worker ${opts.name} exited with ${code} before it was ready`));
      });
    });
    let stopped: Promise<void> | undefined;
    const handle: WorkerHandle = {
      name: opts.name,
      pid: ready.pid,
      maxCachedWorkflows: ready.maxCachedWorkflows,
      ready,
      stats: (o = {}) =>
        new Promise((resolve, reject) => {
          const id = nextId++;
          waiting.set(id, resolve);
          if (!child.connected) return reject(new Error(`bench worker ${opts.name} is gone`));
          child.send({ type: 'stats', id, gc: o.gc } satisfies ParentMessage);
          setTimeout(() => {
            if (waiting.delete(id)) reject(new Error(`bench worker ${opts.name} did not answer stats`));
          }, 30_000).unref();
        }),
      stop: () => {
        stopped ??= (async () => {
          if (child.exitCode === null && child.signalCode === null) {
            if (child.connected) child.send({ type: 'shutdown' } satisfies ParentMessage);
            else child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            await exited;
            clearTimeout(timer);
          }
          this.workers.delete(handle);
        })();
        return stopped;
      },
    };
    this.workers.add(handle);
    this.log.info({ worker: opts.name, pid: ready.pid, taskQueue: opts.taskQueue, maxCachedWorkflows: ready.maxCachedWorkflows, workingDayMs: opts.workingDayMs }, 'bench worker ready');
    return handle;
  }

  /** CPU per process group over a window: bench workers, the Temporal server, PostgreSQL, this process (driver and API). */
  cpu(workers: WorkerHandle[]) {
    return cpuWindow(() => ({
      workers: workers.map((w) => w.pid),
      temporal: this.temporalPid ? [this.temporalPid] : [],
      postgres: pidsNamed('postgres'),
      driverAndApi: [process.pid],
    }));
  }

  /** The product's HTTP app in this process on an ephemeral port, with users of the given roles and real tokens. */
  async api(bdb: BenchDb, opts: { taskQueue: string; workingDayMs?: number; log: Logger; updateWaitMs?: number }): Promise<ApiServer> {
    const cfg = loadConfig();
    const key = await openKeyring(bdb.db);
    const app = createApp({
      log: opts.log,
      readiness: {},
      api: {
        db: bdb.db,
        client: this.client,
        taskQueue: opts.taskQueue,
        log: opts.log,
        keyring: key,
        // The bench sets no channel secrets: a key of this run's own.
        secrets: createSecretBox(crypto.randomBytes(32)),
        tokenTtlSeconds: cfg.TOKEN_TTL_SECONDS,
        workingDayMs: opts.workingDayMs,
        updateWaitMs: opts.updateWaitMs ?? cfg.UPDATE_WAIT_MS,
        checkResponses: false,
      },
    });
    const server: Server = await new Promise((resolve, reject) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    let closed: Promise<void> | undefined;
    const close = () => {
      closed ??= new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
      return closed;
    };
    this.onCleanup('http server', close);
    const port = (server.address() as net.AddressInfo).port;
    const tokens = new Map<string, string>();
    return {
      url: `http://127.0.0.1:${port}`,
      close,
      token: async (role: Role, department?: string) => {
        const username = `bench-${role}${department ? `-${department}` : ''}`;
        const cached = tokens.get(username);
        if (cached) return cached;
        const id = await createUser(bdb.db, { username, role, department, password: 'bench-password-not-secret' }, { actor: 'bench' });
        const { token } = await issueToken(bdb.db, key, id, 24 * 3600);
        tokens.set(username, token);
        return token;
      },
    };
  }

  /** Stops every worker, server and connection and drops the databases; safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // A setup under way gives up at its next step; what it started by then is registered for the cleanup.
      await this.starting?.catch(() => undefined);
      for (const w of [...this.workers]) {
        try {
          await w.stop();
        } catch (err) {
          this.log.warn({ err, worker: w.name }, 'error while stopping a bench worker');
        }
      }
      for (const step of this.cleanups.reverse()) {
        try {
          await step.run();
        } catch (err) {
          this.log.warn({ err, step: step.name }, 'error during cleanup');
        }
      }
    })();
    return this.stopping;
  }
}

export interface ApiServer {
  url: string;
  close(): Promise<void>;
  token(role: Role, department?: string): Promise<string>;
}

/** One HTTP request to the in-process API: its status, its time in ms, its JSON body (or bytes for a file). */
export async function timedRequest(url: string, init: RequestInit & { token?: string; json?: unknown } = {}): Promise<{ status: number; ms: number; body: unknown; bytes: number }> {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const started = performance.now();
  const res = await fetch(url, { ...init, headers, body });
  const buf = Buffer.from(await res.arrayBuffer());
  const ms = performance.now() - started;
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, ms, body: type.includes('json') ? (JSON.parse(buf.toString('utf8')) as unknown) : undefined, bytes: buf.length };
}

/**
 * One read route timed as the benchmarks time them: three warm-up requests
 * (the last one's status and size kept), then `requests` one after another,
 * each latency kept and each non-200 counted; `tick` after each.
 */
export async function timeRoute(url: string, token: string | undefined, requests: number, tick: () => void): Promise<{ status: number; bytes: number; errors: number; latencies: number[] }> {
  let status = 0;
  let bytes = 0;
  for (let i = 0; i < 3; i++) ({ status, bytes } = await timedRequest(url, { token }));
  const latencies: number[] = [];
  let errors = 0;
  for (let i = 0; i < requests; i++) {
    const res = await timedRequest(url, { token });
    latencies.push(res.ms);
    if (res.status !== 200) errors += 1;
    tick();
  }
  return { status, bytes, errors, latencies };
}

/** The departments of the default plan that lead items (every department but the secretariat), in code order. */
export async function leadDepartments(db: Db): Promise<string[]> {
  return (await db('departments').whereNot('kind', 'secretariat').orderBy('code').pluck('code')) as string[];
}

export interface CommitTimes {
  /** key -> [ms from due to the row's now() (transaction start), ms from due to the row first seen committed by the poller]. */
  rows: Map<string, { createdMs: number; seenMs: number }>;
  /** Rows per key at the end (more than one is a duplicate). */
  counts: Map<string, number>;
  pollMs: number;
}

/**
 * Watches rows being committed: polls `sql` (which selects `key` and
 * `created_ms`, epoch ms of the row's now()) every `pollMs`, and stamps each
 * key with when it was first seen, i.e. committed. Stops once every expected
 * key is in, or at `until`.
 */
export async function watchCommits(
  db: Db,
  sql: string,
  bindings: readonly Knex.RawBinding[],
  opts: { expected: number; dueAt: number; until: number; pollMs?: number; onProgress?: (seen: number) => void },
): Promise<CommitTimes> {
  const pollMs = opts.pollMs ?? 50;
  const rows = new Map<string, { createdMs: number; seenMs: number }>();
  let counts = new Map<string, number>();
  for (;;) {
    const res = (await db.raw(sql, bindings)) as { rows: { key: string; created_ms: string | number }[] };
    const now = Date.now();
    counts = new Map();
    for (const r of res.rows) {
      counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
      if (!rows.has(r.key)) rows.set(r.key, { createdMs: Number(r.created_ms) - opts.dueAt, seenMs: now - opts.dueAt });
    }
    opts.onProgress?.(rows.size);
    if (rows.size >= opts.expected || now > opts.until) break;
    await sleep(pollMs);
  }
  return { rows, counts, pollMs };
}
