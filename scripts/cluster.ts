/**
 * `npm run cluster`: the production topology on one machine. The Temporal
 * server built from Go modules (go.temporal.io/server) on PostgreSQL, with
 * its schemas made by Temporal's SQL tool in two databases and at least 4
 * history shards; two worker processes and two API processes of the product
 * on one task queue and one product database. Ctrl-C or SIGTERM stops the API
 * processes, then the workers (they drain), then the server, then an embedded
 * PostgreSQL; a second start reuses all of it.
 *
 * Defaults: DATA_DIR=./data/cluster, the embedded PostgreSQL on port 55433
 * (or DATABASE_URL's server, where Temporal's databases are made beside the
 * product's), Temporal's frontend on TEMPORAL_DEV_PORT (7233), API processes
 * on PORT, PORT+1, ...
 */
import path from 'node:path';
import { createDb, pingDb } from '../db/connection';
import { loadConfig, projectRoot } from '../platform/config';
import { redactUrl, resolveDatabase } from '../platform/database';
import { prepareProductDatabase } from '../platform/first-start';
import { createLogger } from '../platform/logger';
import { loadSecretsKey } from '../platform/secrets';
import { orderlyShutdown } from '../platform/shutdown';
import { defaultServerPorts, temporalDatabases } from '../platform/temporal-cluster';
import { Topology } from '../platform/topology';
import { ensureWebBuild } from '../platform/web-build';

async function main(): Promise<void> {
  process.env.DATA_DIR ??= path.join(projectRoot, 'data', 'cluster');
  process.env.EMBEDDED_PG_PORT ??= '55433';
  const cfg = loadConfig();
  const log = createLogger({ level: cfg.LOG_LEVEL, pretty: cfg.LOG_PRETTY, name: 'cluster' });
  const started = Date.now();
  const shutdown = orderlyShutdown(log, { stopping: 'stopping the cluster: API processes, workers, Temporal server, PostgreSQL', stopped: 'cluster stopped' });

  let n = 0;
  const progress = (step: string) => log.info(`[${++n}/8] ${step}`);
  try {
    progress('PostgreSQL');
    const database = await resolveDatabase(cfg, log);
    shutdown.add('postgres', database.stop);
    const db = createDb(database.url, { poolMax: 3 });
    shutdown.add('db-pool', () => db.destroy());
    await pingDb(db);

    progress('the product database: migrations, calendar, plan, users');
    await prepareProductDatabase(cfg, db, log);
    progress('the web console build');
    await ensureWebBuild(log);

    const apiPorts = Array.from({ length: cfg.CLUSTER_APIS }, (_, i) => cfg.PORT + i);
    const topology = new Topology({
      dataDir: cfg.DATA_DIR,
      cacheDir: cfg.cacheDir,
      serverVersion: cfg.TEMPORAL_SERVER_VERSION,
      databaseUrl: database.url,
      temporalDbs: temporalDatabases(database.url, cfg.CLUSTER_TEMPORAL_DB),
      shards: cfg.CLUSTER_SHARDS,
      ports: defaultServerPorts(cfg.TEMPORAL_DEV_PORT),
      apiPorts,
      workers: cfg.CLUSTER_WORKERS,
      namespace: cfg.TEMPORAL_NAMESPACE,
      taskQueue: cfg.TEMPORAL_TASK_QUEUE,
      retentionDays: cfg.TEMPORAL_RETENTION_DAYS,
      // One key for every process, as a deployment sets SECRETS_KEY on each.
      env: { SECRETS_KEY: loadSecretsKey(cfg).key.toString('hex') },
      restartCrashed: true,
      log,
    });
    shutdown.add('topology', () => topology.close());
    process.once('exit', () => topology.killLeftovers());
    await topology.start(progress);

    log.info(
      {
        consoles: topology.apiUrls.map((u) => `${u}/`),
        apis: topology.apiUrls.map((u) => `${u}/api/v1`),
        ready: topology.apiUrls.map((u) => `${u}/readyz`),
        temporal: topology.temporalAddress,
        shards: topology.shardCount,
        workers: cfg.CLUSTER_WORKERS,
        namespace: cfg.TEMPORAL_NAMESPACE,
        taskQueue: cfg.TEMPORAL_TASK_QUEUE,
        database: `${redactUrl(database.url)} (${database.source})`,
        temporalDatabases: [cfg.CLUSTER_TEMPORAL_DB, `${cfg.CLUSTER_TEMPORAL_DB}_visibility`],
        dataDir: cfg.DATA_DIR,
        startSeconds: (Date.now() - started) / 1000,
      },
      `cluster is up: web console (中文) on ${topology.apiUrls.map((u) => `${u}/`).join(' and ')}; Ctrl-C stops everything`,
    );
  } catch (err) {
    log.fatal({ err }, 'cluster start failed');
    await shutdown.run('start failed', 1);
  }
}

void main();
