/**
 * The drills' own servers and worker, each started, stopped and restarted for
 * real: an embedded PostgreSQL on its own data directory and port, a Temporal
 * dev server on its own persistent SQLite file, and the product's worker
 * process (`npm run worker`) on both. Nothing is shared with other runs on the
 * machine, and everything is taken down again by close(), also on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { embeddedClusterDir, startEmbeddedPostgres, type EmbeddedDatabase } from '../../db/embedded-postgres';
import { loadConfig, projectRoot } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import { freePort, portAccepts, processAlive } from '../../platform/processes';
import { ensureTemporalCli, type TemporalCli } from '../../platform/temporal-cli';
import { startDevServer, type DevServer } from '../../platform/temporal-server';
import { ErrorLines, type DrillFault, type DrillSystem, type Outage } from './system';

export interface DevSystemOptions {
  log: Logger;
  workingDayMs: number;
  namespace: string;
  taskQueue: string;
  /** Extra environment for the worker process (e.g. NOTIFY_MERGE_WINDOW_MS). */
  workerEnv?: Record<string, string>;
  /** The drills: worker SIGKILLs (each followed at once by a restart), spaced by killGapMs; PostgreSQL down for postgresDownMs. */
  kills: number;
  killGapMs: [number, number];
  postgresDownMs: number;
}

async function waitFor(done: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface WorkerProcess {
  child: ChildProcess;
  startedAt: number;
  exited: Promise<void>;
}

/** A signal to a running worker's whole process group; false when it had already ended. */
function signalGroup(w: WorkerProcess, signal: NodeJS.Signals): boolean {
  if (w.child.exitCode !== null || w.child.signalCode !== null || !w.child.pid) return false;
  try {
    process.kill(-w.child.pid, signal);
  } catch {
    // Gone already.
  }
  return true;
}

/**
 * The single-machine system of issue 10: an embedded PostgreSQL, a Temporal
 * dev server on its SQLite file, and one worker process; its drills kill the
 * worker, restart the dev server, and take PostgreSQL down.
 */
export class DevSystem implements DrillSystem {
  /** Everything of this run lives under here; removed by close(). */
  readonly root: string;
  readonly outages: Outage[] = [];
  /** Lines the worker processes logged at error level or above, counted; the first few kept for the report. */
  readonly errors = new ErrorLines();
  /** Worker processes that ended without being killed or stopped: a crash. */
  readonly crashes: string[] = [];

  private pg?: EmbeddedDatabase;
  private pgPort = 0;
  private pgUrl?: string;
  private temporal?: DevServer;
  private temporalPort = 0;
  private uiPort = 0;
  private cli?: TemporalCli;
  private worker?: WorkerProcess;
  private workerStarts = 0;
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly opts: DevSystemOptions) {
    this.log = opts.log.child({ component: 'cluster' });
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'coord-drill-'));
    // As root, the embedded PostgreSQL runs as the `postgres` user, who must reach its directory.
    fs.chmodSync(this.root, 0o755);
    fs.mkdirSync(this.workerDataDir, { recursive: true });
  }

  async startDatabase(): Promise<string> {
    await this.startPostgres();
    return this.databaseUrl;
  }

  async startServices(): Promise<void> {
    await this.startTemporal();
    this.startWorker();
  }

  get faults(): DrillFault[] {
    const o = this.opts;
    return [
      {
        name: `worker SIGKILL x${o.kills}`,
        run: async ({ sleep, rnd }) => {
          for (let i = 1; i <= o.kills; i++) {
            const [min, max] = o.killGapMs;
            await sleep(this.workerStartedAt + min + rnd() * (max - min) - Date.now());
            const outage = await this.workerKillAndRestart();
            this.log.info({ kill: i, of: o.kills, downMs: outage.end - outage.start }, 'drill: worker SIGKILLed and restarted');
          }
        },
      },
      {
        name: 'Temporal restart',
        run: async ({ sleep, rnd }) => {
          await sleep(2_000 + rnd() * 5_000);
          const outage = await this.temporalRestart();
          this.log.info({ downMs: outage.end - outage.start }, 'drill: Temporal dev server stopped and restarted on its database');
        },
      },
      {
        name: `PostgreSQL down ${Math.round(o.postgresDownMs / 1000)} s`,
        run: async ({ sleep, rnd, signal }) => {
          await sleep(2_000 + rnd() * 5_000);
          const outage = await this.postgresOutage(o.postgresDownMs, (left) => this.log.info({ backInMs: left }, 'drill: PostgreSQL is down'), signal);
          this.log.info({ downMs: outage.end - outage.start }, 'drill: PostgreSQL started again');
        },
      },
    ];
  }

  get databaseUrl(): string {
    if (!this.pgUrl) throw new Error('PostgreSQL has not been started');
    return this.pgUrl;
  }
  get temporalAddress(): string {
    return `127.0.0.1:${this.temporalPort}`;
  }
  get workerRunning(): boolean {
    return this.worker !== undefined && this.worker.child.exitCode === null && this.worker.child.signalCode === null;
  }
  get workerStartedAt(): number {
    return this.worker?.startedAt ?? 0;
  }
  private get pgDataDir(): string {
    return path.join(this.root, 'pg');
  }
  private get temporalDataDir(): string {
    return path.join(this.root, 'temporal-data');
  }
  private get workerDataDir(): string {
    return path.join(this.root, 'worker');
  }

  // ---- PostgreSQL ----

  async startPostgres(): Promise<void> {
    if (!this.pgPort) this.pgPort = await freePort();
    this.pg = await startEmbeddedPostgres({ dataDir: this.pgDataDir, port: this.pgPort, log: this.opts.log });
    this.pgUrl = this.pg.url;
  }

  /** Stops PostgreSQL (fast shutdown: every connection is cut). */
  async stopPostgres(): Promise<void> {
    const pg = this.pg;
    this.pg = undefined;
    if (pg) await pg.stop();
    await waitFor(async () => !(await portAccepts(this.pgPort)), 30_000, 'PostgreSQL to stop listening');
  }

  // ---- Temporal ----

  async startTemporal(): Promise<void> {
    if (!this.cli) {
      const cfg = loadConfig();
      this.cli = await ensureTemporalCli({ cacheDir: cfg.cacheDir, version: cfg.TEMPORAL_CLI_VERSION, explicit: cfg.TEMPORAL_CLI, log: this.opts.log });
      if (!this.cli) throw new Error('no Temporal CLI: the drill restarts its own dev server and needs the CLI (npm run setup:temporal)');
    }
    if (!this.temporalPort) {
      this.temporalPort = await freePort();
      this.uiPort = await freePort();
    }
    this.temporal = await startDevServer({
      cli: this.cli,
      dataDir: this.temporalDataDir,
      namespace: this.opts.namespace,
      port: this.temporalPort,
      uiPort: this.uiPort,
      log: this.opts.log,
    });
  }

  async stopTemporal(): Promise<void> {
    const server = this.temporal;
    this.temporal = undefined;
    if (server) await server.stop();
  }

  // ---- the worker ----

  /** The product's worker process, `node --import tsx scripts/worker.ts`, in a process group of its own. */
  startWorker(): void {
    if (this.closed) throw new Error('the cluster is closed');
    if (this.workerRunning) throw new Error('a worker is running already');
    const env: NodeJS.ProcessEnv = {};
    // Only this run's settings: nothing of the caller's Temporal or database configuration leaks in.
    for (const [k, v] of Object.entries(process.env)) if (!/^(TEMPORAL_|DATABASE_URL$|EMBEDDED_PG_PORT$|SECRETS_KEY$|DATA_DIR$)/.test(k)) env[k] = v;
    Object.assign(env, {
      DATABASE_URL: this.databaseUrl,
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_NAMESPACE: this.opts.namespace,
      TEMPORAL_TASK_QUEUE: this.opts.taskQueue,
      WORKING_DAY_MS: String(this.opts.workingDayMs),
      DATA_DIR: this.workerDataDir,
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      ...this.opts.workerEnv,
    });
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/worker.ts'], {
      cwd: projectRoot,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.workerStarts += 1;
    const n = this.workerStarts;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) readline.createInterface({ input: stream }).on('line', (line) => this.workerLine(n, line));
    }
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && signal !== 'SIGTERM' && !this.closed) {
        this.log.error({ worker: n, code, signal }, 'the worker process exited by itself');
        this.crashes.push(`worker ${n} exited by itself at ${new Date().toISOString()} (code ${code}, signal ${signal})`);
      }
    });
    this.worker = { child, startedAt: Date.now(), exited };
    this.log.debug({ worker: n, pid: child.pid }, 'worker started');
  }

  private workerLine(n: number, line: string): void {
    this.errors.take(`worker ${n}`, line);
    this.log.debug({ worker: n, line: line.slice(0, 2000) }, 'worker log');
  }

  /** SIGKILL to the worker's process group: no shutdown, no drain, whatever it was doing. */
  async killWorker(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    signalGroup(w, 'SIGKILL');
    await w.exited;
    this.worker = undefined;
  }

  /** An orderly stop (SIGTERM: the worker drains), SIGKILL after 20 s. */
  async stopWorker(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    if (signalGroup(w, 'SIGTERM')) {
      const timer = setTimeout(() => signalGroup(w, 'SIGKILL'), 20_000);
      await w.exited;
      clearTimeout(timer);
    }
    this.worker = undefined;
  }

  // ---- faults, with their outage recorded ----

  async workerKillAndRestart(): Promise<Outage> {
    const outage: Outage = { what: 'worker', start: Date.now(), end: Infinity };
    this.outages.push(outage);
    await this.killWorker();
    this.startWorker();
    outage.end = Date.now();
    return outage;
  }

  async temporalRestart(): Promise<Outage> {
    const outage: Outage = { what: 'temporal', start: Date.now(), end: Infinity };
    this.outages.push(outage);
    await this.stopTemporal();
    await this.startTemporal();
    outage.end = Date.now();
    return outage;
  }

  /** PostgreSQL down for `downMs` (from the moment it stopped listening), then started again on the same cluster. */
  async postgresOutage(downMs: number, progress?: (leftMs: number) => void, signal?: AbortSignal): Promise<Outage> {
    const outage: Outage = { what: 'postgres', start: Date.now(), end: Infinity };
    this.outages.push(outage);
    await this.stopPostgres();
    const until = Date.now() + downMs;
    while (Date.now() < until && !signal?.aborted) {
      progress?.(until - Date.now());
      await new Promise((r) => setTimeout(r, Math.min(5_000, until - Date.now())));
    }
    await this.startPostgres();
    outage.end = Date.now();
    return outage;
  }

  // ---- taking it all down ----

  /** Worker, then Temporal, then PostgreSQL, then the directory; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopWorker().catch((err: unknown) => this.log.warn({ err }, 'stopping the worker failed'));
    await this.stopTemporal().catch((err: unknown) => this.log.warn({ err }, 'stopping Temporal failed'));
    await this.stopPostgres().catch((err: unknown) => this.log.warn({ err }, 'stopping PostgreSQL failed'));
    this.killLeftovers();
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  /**
   * Last resort, synchronous (process 'exit'): SIGKILL what this run started and
   * may still run, each by its own process id: the worker's group, the Temporal
   * server (its pid file) and the postmaster (its pid file).
   */
  killLeftovers(): void {
    const kill = (pid: number | undefined, group = false) => {
      if (!pid || !processAlive(pid)) return;
      try {
        process.kill(group ? -pid : pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    };
    kill(this.worker?.child.pid, true);
    const pidOf = (file: string) => {
      try {
        return Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
      } catch {
        return undefined;
      }
    };
    kill(pidOf(path.join(this.temporalDataDir, 'temporal', 'server.pid')));
    kill(pidOf(path.join(embeddedClusterDir(this.pgDataDir), 'postmaster.pid')));
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
