/**
 * `npm start`: brings up Temporal (or connects to it), PostgreSQL (or connects
 * to it), migrations and the default plan, the worker and the HTTP server; and
 * takes all of it down again on Ctrl-C or SIGTERM.
 */
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { createApp } from '../api/app';
import { ensureWebBuild, webDist } from '../platform/web-build';
import { startExpiryPurge } from '../api/auth/signing-keys';
import { openKeyring } from '../api/auth/tokens';
import { createDemoUsers, shouldCreateDemoUsers } from '../api/auth/users';
import { readPlanFile } from '../db/catalog/plan-file';
import { importPlan } from '../db/catalog/import';
import { createDb, migrateLatest, pingDb, type Db } from '../db/connection';
import { loadConfig, type Config } from '../platform/config';
import { redactUrl, resolveDatabase } from '../platform/database';
import { bridgeTemporalLogs, createLogger, type Logger } from '../platform/logger';
import { prepareSecrets } from '../platform/secrets';
import { ensureTemporalCli } from '../platform/temporal-cli';
import { connectClient, connectWorker, pingTemporal, temporalSettings } from '../platform/temporal-connection';
import { startDevServer } from '../platform/temporal-server';
import { createWorker, workerSettings } from '../platform/worker';
import { ensureDigestSchedule } from '../platform/digest-schedule';
import { startDispatcherFromConfig } from '../platform/notification-dispatcher';
import { ensureSearchAttributes } from '../platform/search-attributes';
import { seedOfficialCalendar } from '../db/calendar/store';
import { leadingGroupRecipients } from '../db/leading-group';

type Step = { name: string; stop: () => Promise<void> };

/**
 * With no user yet: demo accounts where shouldCreateDemoUsers says so (their
 * passwords shown once), else how to add the first administrator.
 */
async function firstUsers(cfg: Config, db: Db, log: Logger): Promise<void> {
  if ((await db('users').first('id')) !== undefined) return;
  if (!shouldCreateDemoUsers(cfg)) {
    log.warn(
      'no users yet, and no demo accounts (they are made only under the embedded defaults or with DEMO_USERS=true): add the first administrator with `npm run user:add -- <username> --role admin`, run with the same DATABASE_URL; it reads the password from standard input',
    );
    return;
  }
  const firstPlan = (await db('plans').orderBy('id').first('code')) as { code: string };
  const demo = await createDemoUsers(db, firstPlan.code);
  if (demo.length) {
    // Shown once: the passwords are stored only as scrypt hashes.
    log.warn({ users: demo.map((u) => `${u.username} (${u.role}${u.department ? `, ${u.department}` : ''}): ${u.password}`) }, 'demo users created; note their passwords now, they are not shown again');
  }
}

async function main(): Promise<void> {
  const cfg = loadConfig();
  const log = createLogger({ level: cfg.LOG_LEVEL, pretty: cfg.LOG_PRETTY });
  bridgeTemporalLogs(log);
  const started = Date.now();
  // Stopped in reverse order of start: HTTP, worker, connections, Temporal, PostgreSQL.
  const steps: Step[] = [];
  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string, code: number) => {
    stopping ??= (async () => {
      log.info({ reason }, 'shutting down');
      for (const step of steps.reverse()) {
        try {
          await step.stop();
          log.debug({ step: step.name }, 'stopped');
        } catch (err) {
          log.warn({ err, step: step.name }, 'error while stopping');
        }
      }
      log.info('stopped');
      log.flush();
      process.exit(code);
    })();
    return stopping;
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

  // Closed last: the client's gRPC retry timers throw if they fire on a closed
  // channel, so nothing may be awaited after the close but the exit itself.
  let client: Client | undefined;
  steps.push({ name: 'temporal-client', stop: async () => client?.connection.close() });

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
      steps.push({ name: 'temporal-server', stop: server.stop });
      temporalAddress = server.address;
      uiUrl = server.uiUrl;
    } else {
      log.info({ address: temporalAddress, namespace: cfg.TEMPORAL_NAMESPACE }, '[1/6] Temporal: connecting to TEMPORAL_ADDRESS');
    }
    const settings = temporalSettings(cfg, temporalAddress);

    log.info('[2/6] PostgreSQL');
    const database = await resolveDatabase(cfg, log);
    steps.push({ name: 'postgres', stop: database.stop });
    const db: Db = createDb(database.url);
    steps.push({ name: 'db-pool', stop: () => db.destroy() });
    await pingDb(db);

    log.info('[3/6] migrations and catalog');
    const applied = await migrateLatest(db);
    if (applied.length) log.info({ applied }, 'migrations applied');
    const secrets = await prepareSecrets(cfg, db, log);
    const seeded = await seedOfficialCalendar(db);
    if (seeded.length) log.info({ years: `${seeded[0]}-${seeded[seeded.length - 1]}` }, 'official working-day calendar loaded');
    const plans = Number(((await db('plans').count({ n: '*' }).first()) as { n: string }).n);
    if (plans === 0) {
      log.info({ file: cfg.defaultPlanFile }, 'first start: importing the default plan');
      const result = await importPlan(db, readPlanFile(cfg.defaultPlanFile), { actor: 'system:first-start', source: cfg.defaultPlanFile });
      log.info({ plan: result.planCode, counts: result.counts }, 'default plan imported');
    }
    // The digest's second recipient, there before the first digest so the administrator can give it channels.
    await leadingGroupRecipients(db);
    await firstUsers(cfg, db, log);

    log.info('[4/6] worker');
    client = await connectClient(settings);
    // Also on the dev server: a SQLite file from an older version may predate an attribute.
    await ensureSearchAttributes(client, log);
    const workerConnection = await connectWorker(settings);
    steps.push({ name: 'worker-connection', stop: () => workerConnection.close() });
    if (cfg.WORKING_DAY_MS) log.warn({ workingDayMs: cfg.WORKING_DAY_MS }, 'compressed clock: one working day lasts WORKING_DAY_MS (demo and test mode)');
    const worker = await createWorker({ connection: workerConnection, db, log, ...workerSettings(cfg) });
    const running = worker.run();
    steps.push({
      name: 'worker',
      stop: async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        // Drains in-flight tasks; bounded, since a server that went away keeps polls retrying.
        await Promise.race([running.catch(() => undefined), new Promise((r) => setTimeout(r, 15_000).unref())]);
      },
    });
    running.catch((err) => {
      log.error({ err }, 'worker stopped unexpectedly');
      void shutdown('worker failure', 1);
    });

    await ensureDigestSchedule(client, { taskQueue: cfg.TEMPORAL_TASK_QUEUE, cron: cfg.DIGEST_CRON, log });

    // Delivers the notification outbox (webhooks, e-mail) beside the worker.
    const dispatcher = startDispatcherFromConfig(cfg, db, log, secrets);
    steps.push({ name: 'notification-dispatcher', stop: dispatcher.stop });

    // Expired sessions and retired signing keys, hourly; the process is kept alive by the server, not this.
    const purge = startExpiryPurge(db, { maxTokenTtlSeconds: cfg.TOKEN_TTL_SECONDS, log });
    steps.push({ name: 'expiry-purge', stop: purge.stop });

    log.info('[5/6] web console and HTTP server');
    await ensureWebBuild(log);
    const temporal = client;
    const app = createApp({
      log,
      web: { dist: webDist, temporalUiUrl: uiUrl, namespace: cfg.TEMPORAL_NAMESPACE },
      readiness: { database: () => pingDb(db), temporal: () => pingTemporal(temporal) },
      metricsToken: cfg.METRICS_TOKEN,
      trustProxy: cfg.TRUST_PROXY,
      api: { db, client: temporal, taskQueue: cfg.TEMPORAL_TASK_QUEUE, log, keyring: await openKeyring(db, { maxTokenTtlSeconds: cfg.TOKEN_TTL_SECONDS }), tokenTtlSeconds: cfg.TOKEN_TTL_SECONDS, workingDayMs: cfg.WORKING_DAY_MS, updateWaitMs: cfg.UPDATE_WAIT_MS, allowPrivateWebhooks: cfg.WEBHOOK_ALLOW_PRIVATE, secrets },
    });
    const server: Server = await new Promise((resolve, reject) => {
      const s = app.listen(cfg.PORT, cfg.HOST, () => resolve(s));
      s.once('error', reject);
    });
    steps.push({ name: 'http', stop: () => new Promise<void>((r) => server.close(() => r())) });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : cfg.PORT;

    log.info('[6/6] self-check: a workflow round trip through the worker');
    const defaultPlan = (await db('plans').orderBy('id').first('code')) as { code: string };
    const summary = await temporal.workflow.execute('catalogCheck', {
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
    await shutdown('start failed', 1);
  }
}

void main();
