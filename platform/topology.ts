/**
 * A production-like topology on one machine: the Temporal server (built from
 * Go modules) on PostgreSQL, and the product as separate processes on one
 * task queue, N workers (`scripts/worker.ts`, each with its notification
 * dispatcher) and M API processes (`scripts/api.ts`, each serving the API and
 * the console on its own port), all on one product database. `npm run cluster`
 * runs it; the cluster tests and `npm run bench -- --target cluster` start,
 * kill and restart its parts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Connection, Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { projectRoot } from './config';
import type { Logger } from './logger';
import { processAlive } from './processes';
import { registerSearchAttributes } from './search-attributes';
import {
  ensureNamespace,
  ensureTemporalServer,
  prepareTemporalDatabases,
  recordedShardCount,
  serverConfig,
  startTemporalServer,
  stopLeftover,
  type ServerPorts,
  type TemporalDatabases,
  type TemporalServerBinaries,
  type TemporalServerProcess,
} from './temporal-cluster';

export type MemberKind = 'worker' | 'api';

export interface TopologyOptions {
  /** Pid files, the server's configuration and the shared secrets key live here. */
  dataDir: string;
  cacheDir: string;
  serverVersion: string;
  /** The product's database. */
  databaseUrl: string;
  /** Temporal's two databases, on the same or another PostgreSQL server. */
  temporalDbs: TemporalDatabases;
  /** History shards for a new history database; an existing one keeps its own. */
  shards: number;
  ports: ServerPorts;
  /** One port per API process; its length is the number of API processes. */
  apiPorts: number[];
  workers: number;
  namespace: string;
  taskQueue: string;
  retentionDays: number;
  /** More environment for every product process (WORKING_DAY_MS, LOG_LEVEL, ...). */
  env?: Record<string, string>;
  /** A product process that exits by itself is started again after 2 s (`npm run cluster`); the tests leave it down. */
  restartCrashed?: boolean;
  /** Each process's log lines; unset: straight to this process's stdout and stderr. */
  onLine?: (member: string, line: string) => void;
  log: Logger;
}

interface Member {
  name: string;
  kind: MemberKind;
  index: number;
  child: ChildProcess;
  exited: Promise<void>;
  startedAt: number;
  /** Set when we stopped or killed it: its exit is not a crash. */
  expectedExit: boolean;
}

const SCRIPT: Record<MemberKind, string> = { worker: 'scripts/worker.ts', api: 'scripts/api.ts' };

/** The variables a product process takes from the topology, never from the caller's own environment. */
const OWN = /^(TEMPORAL_|DATABASE_URL$|EMBEDDED_PG_PORT$|DATA_DIR$|PORT$|HOST$)/;

export class Topology {
  private server?: TemporalServerProcess;
  private binaries?: TemporalServerBinaries;
  private readonly members = new Map<string, Member>();
  private closed = false;
  /** Product processes that ended without being stopped or killed by us. */
  readonly crashes: string[] = [];
  shardCount = 0;
  serverBuildSeconds?: number;

  constructor(private readonly o: TopologyOptions) {
    fs.mkdirSync(this.runDir, { recursive: true });
  }

  get temporalAddress(): string {
    return `127.0.0.1:${this.o.ports.frontend}`;
  }
  get apiUrls(): string[] {
    return this.o.apiPorts.map((p) => `http://127.0.0.1:${p}`);
  }
  get workerCount(): number {
    return this.o.workers;
  }
  private get runDir(): string {
    return path.join(this.o.dataDir, 'run');
  }
  private get serverDir(): string {
    return path.join(this.o.dataDir, 'temporal-server');
  }
  private pidFile(name: string): string {
    return path.join(this.runDir, `${name}.pid`);
  }

  /** The server, its databases, namespace and search attributes; then the workers, then the API processes. */
  async start(progress: (step: string) => void = () => undefined): Promise<void> {
    const { log } = this.o;
    for (const kind of ['api', 'worker'] as const) {
      for (let i = 1; i <= 16; i++) await stopLeftover(this.pidFile(`${kind}-${i}`), SCRIPT[kind], log);
    }
    progress(`Temporal server ${this.o.serverVersion}: found or built`);
    const bins = await ensureTemporalServer({ cacheDir: this.o.cacheDir, version: this.o.serverVersion, log });
    this.binaries = bins;
    this.serverBuildSeconds = bins.builtInSeconds;
    progress(`Temporal databases ${this.o.temporalDbs.history} and ${this.o.temporalDbs.visibility}: schemas by temporal-sql-tool`);
    await prepareTemporalDatabases(bins.sqlTool, this.o.temporalDbs, log);
    this.shardCount = (await recordedShardCount(this.o.temporalDbs)) ?? this.o.shards;
    if (this.shardCount !== this.o.shards) log.warn({ asked: this.o.shards, kept: this.shardCount }, 'the history database was made with another shard count, which cannot change: keeping it');
    progress(`Temporal server: frontend, history (${this.shardCount} shards), matching, worker`);
    await this.startServer();
    await this.prepareNamespace();
    for (let i = 1; i <= this.o.workers; i++) this.startMember('worker', i);
    progress(`${this.o.workers} worker processes: waiting for them to poll ${this.o.taskQueue}`);
    await this.waitForWorkers();
    for (let i = 1; i <= this.o.apiPorts.length; i++) this.startMember('api', i);
    progress(`${this.o.apiPorts.length} API processes: waiting for /readyz`);
    await Promise.all(this.o.apiPorts.map((_, i) => this.waitForApi(i + 1)));
  }

  private async startServer(): Promise<void> {
    this.server = await startTemporalServer({
      binary: (this.binaries as TemporalServerBinaries).server,
      dir: this.serverDir,
      config: serverConfig({ dbs: this.o.temporalDbs, shards: this.shardCount, ports: this.o.ports }),
      log: this.o.log,
    });
  }

  private async prepareNamespace(): Promise<void> {
    const connection = await Connection.connect({ address: this.temporalAddress });
    try {
      await ensureNamespace(connection, this.o.namespace, this.o.retentionDays, this.o.log);
      await registerSearchAttributes(new Client({ connection, namespace: this.o.namespace }), this.o.log);
    } finally {
      await connection.close();
    }
  }

  /** A product process in its own process group, so it can be killed with all it started. */
  startMember(kind: MemberKind, index: number): void {
    if (this.closed) throw new Error('the topology is stopped');
    const name = `${kind}-${index}`;
    const current = this.members.get(name);
    if (current && current.child.exitCode === null && current.child.signalCode === null) throw new Error(`${name} is running already`);
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!OWN.test(k)) env[k] = v;
    Object.assign(env, {
      DATABASE_URL: this.o.databaseUrl,
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_NAMESPACE: this.o.namespace,
      TEMPORAL_TASK_QUEUE: this.o.taskQueue,
      DATA_DIR: this.o.dataDir,
      HOST: '127.0.0.1',
      ...(kind === 'api' ? { PORT: String(this.o.apiPorts[index - 1]) } : {}),
      ...this.o.env,
    });
    const pipe = this.o.onLine !== undefined;
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT[kind]], {
      cwd: projectRoot,
      env,
      detached: true,
      stdio: ['ignore', pipe ? 'pipe' : 'inherit', pipe ? 'pipe' : 'inherit'],
    });
    if (child.pid) fs.writeFileSync(this.pidFile(name), String(child.pid));
    if (pipe) {
      for (const stream of [child.stdout, child.stderr]) if (stream) readline.createInterface({ input: stream }).on('line', (line) => this.o.onLine?.(name, line));
    }
    const member: Member = {
      name,
      kind,
      index,
      child,
      startedAt: Date.now(),
      expectedExit: false,
      exited: new Promise<void>((resolve) => child.once('exit', () => resolve())),
    };
    child.once('exit', (code, signal) => {
      fs.rmSync(this.pidFile(name), { force: true });
      if (!member.expectedExit && !this.closed) {
        this.o.log.error({ member: name, code, signal }, 'a product process exited by itself');
        this.crashes.push(`${name} exited by itself at ${new Date().toISOString()} (code ${code}, signal ${signal})`);
        if (this.o.restartCrashed) {
          setTimeout(() => {
            if (this.closed || this.members.get(name) !== member) return;
            this.o.log.warn({ member: name }, 'starting it again');
            this.startMember(kind, index);
          }, 2_000).unref();
        }
      }
    });
    this.members.set(name, member);
    this.o.log.debug({ member: name, pid: child.pid }, 'started');
  }

  pidOf(kind: MemberKind, index: number): number | undefined {
    return this.members.get(`${kind}-${index}`)?.child.pid;
  }

  private signal(m: Member, signal: NodeJS.Signals): boolean {
    if (m.child.exitCode !== null || m.child.signalCode !== null || !m.child.pid) return false;
    m.expectedExit = true;
    try {
      process.kill(-m.child.pid, signal);
    } catch {
      // Gone already.
    }
    return true;
  }

  /** SIGKILL to the process group: no drain, whatever it was doing. */
  async kill(kind: MemberKind, index: number): Promise<void> {
    const m = this.members.get(`${kind}-${index}`);
    if (!m) return;
    this.signal(m, 'SIGKILL');
    await m.exited;
  }

  /** SIGTERM (a worker drains its tasks, an API process answers what it has), SIGKILL after 30 s. */
  async stop(kind: MemberKind, index: number): Promise<void> {
    const m = this.members.get(`${kind}-${index}`);
    if (!m) return;
    if (this.signal(m, 'SIGTERM')) {
      const timer = setTimeout(() => this.signal(m, 'SIGKILL'), 30_000);
      await m.exited;
      clearTimeout(timer);
    }
  }

  /** Started again, and ready: a worker polling, an API process answering /readyz. */
  async restart(kind: MemberKind, index: number, how: 'kill' | 'stop'): Promise<void> {
    await (how === 'kill' ? this.kill(kind, index) : this.stop(kind, index));
    this.startMember(kind, index);
    await (kind === 'worker' ? this.waitForWorkers() : this.waitForApi(index));
  }

  /** The whole Temporal server stopped (SIGTERM) and started again on its databases. */
  async restartServer(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
    await this.startServer();
    const connection = await Connection.connect({ address: this.temporalAddress });
    try {
      await ensureNamespace(connection, this.o.namespace, this.o.retentionDays, this.o.log);
    } finally {
      await connection.close();
    }
  }

  /** Until every running worker process polls the task queue (by its identity, pid@host). */
  async waitForWorkers(timeoutMs = 180_000): Promise<void> {
    const connection = await Connection.connect({ address: this.temporalAddress });
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const running = [...this.members.values()].filter((m) => m.kind === 'worker' && m.child.exitCode === null && m.child.signalCode === null);
        const { pollers } = await connection.workflowService
          .describeTaskQueue({ namespace: this.o.namespace, taskQueue: { name: this.o.taskQueue }, taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW })
          .catch(() => ({ pollers: [] as { identity?: string | null; lastAccessTime?: unknown }[] }));
        const polling = new Set((pollers ?? []).map((p) => String(p.identity ?? '').split('@')[0]));
        const startedAfter = (m: Member) => polling.has(String(m.child.pid));
        if (running.every(startedAfter)) return;
        if (Date.now() > deadline) throw new Error(`worker processes not polling after ${timeoutMs / 1000} s: ${running.filter((m) => !startedAfter(m)).map((m) => m.name).join(', ')}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      await connection.close();
    }
  }

  async waitForApi(index: number, timeoutMs = 120_000): Promise<void> {
    const url = `${this.apiUrls[index - 1]}/readyz`;
    const m = this.members.get(`api-${index}`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (m && (m.child.exitCode !== null || m.child.signalCode !== null)) throw new Error(`api-${index} exited at start`);
      const ok = await fetch(url, { signal: AbortSignal.timeout(5_000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`api-${index} did not answer ${url} within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  /** The API processes first (no new work), then the workers (they drain), then the server. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const each = (kind: MemberKind) => [...this.members.values()].filter((m) => m.kind === kind);
    await Promise.all(each('api').map((m) => this.stop('api', m.index)));
    await Promise.all(each('worker').map((m) => this.stop('worker', m.index)));
    await this.server?.stop();
    this.server = undefined;
  }

  /** Processes this topology started that are still alive: none once close() has returned. */
  alivePids(): number[] {
    const pids = [...this.members.values()].map((m) => m.child.pid);
    if (this.server) pids.push(this.server.pid);
    return pids.filter((p): p is number => !!p && processAlive(p));
  }

  /** Last resort, synchronous (process 'exit'): SIGKILL every process this topology started. */
  killLeftovers(): void {
    const pids = [...this.members.values()].map((m) => m.child.pid).filter((p): p is number => !!p && processAlive(p));
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    if (this.server && processAlive(this.server.pid)) process.kill(this.server.pid, 'SIGKILL');
  }
}
