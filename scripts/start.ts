/**
 * `npm start`: brings up Temporal (or connects to it), PostgreSQL (or connects
 * to it), migrations and the default plan, the worker and the HTTP server; and
 * takes all of it down again on Ctrl-C or SIGTERM.
 */
import type { Client } from '@temporalio/client';
import { createDb, pingDb, type Db } from '../db/connection';
import { loadConfig } from '../platform/config';
import { prepareProductDatabase } from '../platform/first-start';
import { redactUrl, resolveDatabase } from '../platform/database';
import { bridgeTemporalLogs, createLogger } from '../platform/logger';
import { ensureTemporalCli } from '../platform/temporal-cli';
import { connectClient, connectWorker, temporalSettings } from '../platform/temporal-connection';
import { startHttpServer } from '../platform/http-server';
import { orderlyShutdown } from '../platform/shutdown';
import { startDevServer } from '../platform/temporal-server';
import { createWorker, workerSettings } from '../platform/worker';
import { ensureDigestSchedule } from '../platform/digest-schedule';
import { startDispatcherFromConfig } from '../notifications';
import { ensureSearchAttributes } from '../platform/search-attributes';
import { catalogCheck } from '../workflows';

async function main(): Promise<void> {
  const cfg = loadConfig();
  const log = createLogger({ level: cfg.LOG_LEVEL, pretty: cfg.LOG_PRETTY });
  bridgeTemporalLogs(log);
  const started = Date.now();
  // Stopped in reverse order of start: HTTP, worker, connections, Temporal, PostgreSQL.
  const shutdown = orderlyShutdown(log, { stopping: 'shutting down', stopped: 'stopped' });

  // Closed last: the client's gRPC retry timers throw if they fire on a closed
  // channel, so nothing may be awaited after the close but the exit itself.
  let client: Client | undefined;
  shutdown.add('temporal-client', async () => client?.connection.close());

  try {
    // Temporal first: on a fresh machine its build is the long step, and it says so.
    let temporalAddress = cfg.TEMPORAL_ADDRESS;
    let uiUrl: string | undefined;
    if (!temporalAddress) {
      log.info('[1/6] Temporal: no TEMPORAL_ADDRESS, starting the embedded dev server');
      const cli = await ensureTemporalCli({ cacheDir: cfg.cacheDir, version: cfg.TEMPORAL_CLI_VERSION, explicit: cfg.TEMPORAL_CLI, log });
      const server = await startDevServer({
        cli,
        dataDir: cfg.DATA_DIR,
        namespace: cfg.TEMPORAL_NAMESPACE,
        port: cfg.TEMPORAL_DEV_PORT,
        uiPort: cfg.TEMPORAL_UI_PORT,
        log,
      });
      shutdown.add('temporal-server', server.stop);
      temporalAddress = server.address;
      uiUrl = server.uiUrl;
    } else {
      log.info({ address: temporalAddress, namespace: cfg.TEMPORAL_NAMESPACE }, '[1/6] Temporal: connecting to TEMPORAL_ADDRESS');
    }
    const settings = temporalSettings(cfg, temporalAddress);

    log.info('[2/6] PostgreSQL');
    const database = await resolveDatabase(cfg, log);
    shutdown.add('postgres', database.stop);
    const db: Db = createDb(database.url);
    shutdown.add('db-pool', () => db.destroy());
    await pingDb(db);

    log.info('[3/6] migrations and catalog');
    const secrets = await prepareProductDatabase(cfg, db, log);

    log.info('[4/6] worker');
    client = await connectClient(settings);
    // Also on the dev server: a SQLite file from an older version may predate an attribute.
    await ensureSearchAttributes(client, log);
    const workerConnection = await connectWorker(settings);
    shutdown.add('worker-connection', () => workerConnection.close());
    if (cfg.WORKING_DAY_MS) log.warn({ workingDayMs: cfg.WORKING_DAY_MS }, 'compressed clock: one working day lasts WORKING_DAY_MS (demo and test mode)');
    const worker = await createWorker({ connection: workerConnection, db, log, ...workerSettings(cfg) });
    const running = worker.run();
    shutdown.add('worker', async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      // Drains in-flight tasks; bounded, since a server that went away keeps polls retrying.
      await Promise.race([running.catch(() => undefined), new Promise((r) => setTimeout(r, 15_000).unref())]);
    });
    running.catch((err) => {
      log.error({ err }, 'worker stopped unexpectedly');
      void shutdown.run('worker failure', 1);
    });

    await ensureDigestSchedule(client, { taskQueue: cfg.TEMPORAL_TASK_QUEUE, cron: cfg.DIGEST_CRON, log });

    // Delivers the notification outbox (webhooks, e-mail) beside the worker.
    const dispatcher = startDispatcherFromConfig(cfg, db, log, secrets);
    shutdown.add('notification-dispatcher', dispatcher.stop);

    log.info('[5/6] web console and HTTP server');
    const temporal = client;
    const http = await startHttpServer({ cfg, db, client: temporal, log, secrets, temporalUiUrl: uiUrl });
    shutdown.add('http', http.stop);
    const port = http.port;

    log.info('[6/6] self-check: a workflow round trip through the worker');
    const defaultPlan = (await db('plans').orderBy('id').first('code')) as { code: string };
    const summary = await temporal.workflow.execute(catalogCheck, {
      taskQueue: cfg.TEMPORAL_TASK_QUEUE,
      workflowId: `self-check-${Date.now()}`,
      args: [defaultPlan.code],
      workflowExecutionTimeout: '1 minute',
    });

    log.info({ console: `http://localhost:${port}/` }, `web console (中文): http://localhost:${port}/`);
    log.info(
      {
        console: `http://localhost:${port}/`,
        api: `http://localhost:${port}/api/v1`,
        docs: `http://localhost:${port}/api/docs`,
        health: `http://localhost:${port}/healthz`,
        ready: `http://localhost:${port}/readyz`,
        temporal: temporalAddress,
        temporalUi: uiUrl,
        namespace: cfg.TEMPORAL_NAMESPACE,
        taskQueue: cfg.TEMPORAL_TASK_QUEUE,
        database: `${redactUrl(database.url)} (${database.source})`,
        dataDir: cfg.DATA_DIR,
        catalog: summary,
        startSeconds: (Date.now() - started) / 1000,
      },
      'coordination engine is up; Ctrl-C stops everything',
    );
  } catch (err) {
    log.fatal({ err }, 'start failed');
    await shutdown.run('start failed', 1);
  }
}

void main();
