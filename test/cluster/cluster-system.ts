/**
 * The drills' production topology: the Temporal server built from Go modules
 * on PostgreSQL (its own two databases, 4 history shards), two worker
 * processes and two API processes of the product on one task queue
 * (platform/topology.ts, as `npm run cluster` runs it), on databases of its
 * own: on DATABASE_URL's server when there is one, else on an embedded
 * PostgreSQL. Its drills SIGKILL a worker and an API process, restart the
 * Temporal server, and restart the workers one at a time.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex from 'knex';
import { embeddedClusterDir, startEmbeddedPostgres, type EmbeddedDatabase } from '../../db/embedded-postgres';
import { loadConfig } from '../../platform/config';
import { withDatabaseName } from '../../platform/database';
import type { Logger } from '../../platform/logger';
import { freePort, processAlive } from '../../platform/processes';
import { dropTemporalDatabases, freeServerPorts, temporalDatabases } from '../../platform/temporal-cluster';
import { Topology, type MemberKind } from '../../platform/topology';
import { ensureWebBuild } from '../../platform/web-build';
import { ErrorLines, type DrillFault, type DrillSystem, type Outage } from '../drills/system';

export interface ClusterSystemOptions {
  log: Logger;
  workingDayMs: number;
  namespace: string;
  taskQueue: string;
  workers: number;
  apis: number;
  shards: number;
  /** More environment for the product processes. */
  env?: Record<string, string>;
  /** Pause between one worker's restart and the next in the rolling restart. */
  rollingGapMs?: number;
}

export class ClusterSystem implements DrillSystem {
  readonly root: string;
  readonly outages: Outage[] = [];
  readonly errors = new ErrorLines();
  private topology?: Topology;
  private pg?: EmbeddedDatabase;
  private adminUrl?: string;
  private productDb?: string;
  private productUrl?: string;
  private readonly prefix = `coord_cluster_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly opts: ClusterSystemOptions) {
    this.log = opts.log.child({ component: 'cluster' });
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'coord-cluster-'));
    // As root, the embedded PostgreSQL runs as the `postgres` user, who must reach its directory.
    fs.chmodSync(this.root, 0o755);
  }

  get crashes(): string[] {
    return this.topology?.crashes ?? [];
  }
  get temporalAddress(): string {
    return (this.topology as Topology).temporalAddress;
  }
  get apiUrls(): string[] {
    return (this.topology as Topology).apiUrls;
  }
  get shardCount(): number {
    return this.topology?.shardCount ?? 0;
  }
  /** Product and server processes still alive after close(): none, if it stopped everything. */
  leftoverProcesses = -1;

  get serverBuildSeconds(): number | undefined {
    return this.topology?.serverBuildSeconds;
  }

  /** The product's database: a new one on DATABASE_URL's server, or an embedded PostgreSQL of this run. */
  async startDatabase(): Promise<string> {
    const given = process.env.DATABASE_URL;
    if (given) {
      this.adminUrl = given;
      this.productDb = this.prefix;
      const admin = knex({ client: 'pg', connection: given, pool: { min: 0, max: 1 } });
      try {
        await admin.raw('create database ?? template template0', [this.productDb as string]);
      } finally {
        await admin.destroy();
      }
      this.productUrl = withDatabaseName(given, this.productDb);
    } else {
      this.pg = await startEmbeddedPostgres({ dataDir: path.join(this.root, 'pg'), port: await freePort(), log: this.opts.log });
      this.adminUrl = this.pg.url;
      this.productUrl = this.pg.url;
    }
    return this.productUrl;
  }

  async startServices(): Promise<void> {
    const cfg = loadConfig();
    const o = this.opts;
    // Before the API processes start, so none of them builds it.
    await ensureWebBuild(this.log);
    const ports = await freeServerPorts();
    const apiPorts = await Promise.all(Array.from({ length: o.apis }, () => freePort()));
    this.topology = new Topology({
      dataDir: path.join(this.root, 'data'),
      cacheDir: cfg.cacheDir,
      serverVersion: cfg.TEMPORAL_SERVER_VERSION,
      databaseUrl: this.productUrl as string,
      temporalDbs: temporalDatabases(this.adminUrl as string, `${this.prefix}_temporal`),
      shards: o.shards,
      ports,
      apiPorts,
      workers: o.workers,
      namespace: o.namespace,
      taskQueue: o.taskQueue,
      retentionDays: 1,
      env: {
        WORKING_DAY_MS: String(o.workingDayMs),
        LOG_LEVEL: 'warn',
        LOG_PRETTY: 'false',
        SECRETS_KEY: crypto.randomBytes(32).toString('hex'),
        WEBHOOK_ALLOW_PRIVATE: 'true',
        NOTIFY_POLL_MS: '500',
        NOTIFY_BACKOFF_BASE_MS: '1000',
        ...o.env,
      },
      onLine: (member, line) => this.line(member, line),
      log: this.opts.log,
    });
    await this.topology.start((step) => this.log.info(`cluster: ${step}`));
  }

  private line(member: string, line: string): void {
    this.errors.take(member, line);
    this.log.debug({ member, line: line.slice(0, 2000) }, 'product process log');
  }

  private async outage<T>(what: Outage['what'][], fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    const marks = what.map((w) => ({ what: w, start: started, end: Infinity }));
    this.outages.push(...marks);
    try {
      return await fn();
    } finally {
      for (const m of marks) m.end = Date.now();
    }
  }

  /** Kills or stops one process and starts it again, its outage recorded until it is ready. */
  restart(kind: MemberKind, index: number, how: 'kill' | 'stop'): Promise<void> {
    return this.outage([kind], () => (this.topology as Topology).restart(kind, index, how));
  }

  get faults(): DrillFault[] {
    const t = () => this.topology as Topology;
    return [
      {
        name: 'worker and API process SIGKILL',
        run: async ({ sleep, rnd }) => {
          await sleep(2_000 + rnd() * 5_000);
          const started = Date.now();
          await Promise.all([this.restart('worker', 1, 'kill'), this.restart('api', 1, 'kill')]);
          this.log.info({ downMs: Date.now() - started }, 'drill: worker-1 and api-1 SIGKILLed and started again');
        },
      },
      {
        name: 'Temporal server restart',
        run: async ({ sleep, rnd }) => {
          await sleep(2_000 + rnd() * 5_000);
          const started = Date.now();
          await this.outage(['temporal'], () => t().restartServer());
          // The workers reconnect by themselves; the drill goes on once they poll again.
          await t().waitForWorkers();
          this.log.info({ downMs: Date.now() - started }, 'drill: Temporal server stopped and started again on its databases');
        },
      },
      {
        name: 'rolling restart of the workers',
        run: async ({ sleep }) => {
          for (let i = 1; i <= t().workerCount; i++) {
            await sleep(i === 1 ? 2_000 : (this.opts.rollingGapMs ?? 5_000));
            const started = Date.now();
            await this.restart('worker', i, 'stop');
            this.log.info({ worker: i, downMs: Date.now() - started }, 'drill: worker drained, stopped and started again');
          }
        },
      },
    ];
  }

  /** The topology, then the run's databases (or its embedded PostgreSQL), then the directory. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.topology?.close().catch((err: unknown) => this.log.warn({ err }, 'stopping the topology failed'));
    this.leftoverProcesses = this.topology?.alivePids().length ?? 0;
    if (this.pg) {
      await this.pg.stop().catch((err: unknown) => this.log.warn({ err }, 'stopping PostgreSQL failed'));
    } else if (this.adminUrl) {
      await dropTemporalDatabases(temporalDatabases(this.adminUrl, `${this.prefix}_temporal`)).catch((err: unknown) => this.log.warn({ err }, 'dropping the Temporal databases failed'));
      const admin = knex({ client: 'pg', connection: this.adminUrl, pool: { min: 0, max: 1 } });
      await admin.raw('drop database if exists ?? with (force)', [this.productDb as string]).catch((err: unknown) => this.log.warn({ err }, 'dropping the product database failed'));
      await admin.destroy();
    }
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  killLeftovers(): void {
    this.topology?.killLeftovers();
    try {
      const pid = Number(fs.readFileSync(path.join(embeddedClusterDir(path.join(this.root, 'pg')), 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid && processAlive(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // No embedded PostgreSQL, or gone already.
    }
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
