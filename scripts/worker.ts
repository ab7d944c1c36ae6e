/**
 * `npm run worker`: a worker process on its own (and the notification
 * dispatcher), for running more workers beside `npm start` or on other hosts.
 * Needs a Temporal server (TEMPORAL_ADDRESS, default the dev server of
 * `npm start` on 127.0.0.1:7233) and the database (DATABASE_URL, or the
 * embedded one `npm start` runs).
 */
import { createDb, migrateLatest } from '../db/connection';
import { loadConfig } from '../platform/config';
import { resolveDatabase } from '../platform/database';
import { bridgeTemporalLogs, createLogger } from '../platform/logger';
import { startDispatcherFromConfig } from '../notifications';
import { prepareSecrets } from '../platform/secrets';
import { connectWorker, temporalSettings } from '../platform/temporal-connection';
import { createWorker, workerSettings } from '../platform/worker';

async function main(): Promise<void> {
  const cfg = loadConfig();
  const log = createLogger({ level: cfg.LOG_LEVEL, pretty: cfg.LOG_PRETTY, name: 'worker' });
  bridgeTemporalLogs(log);
  const settings = temporalSettings(cfg, cfg.TEMPORAL_ADDRESS ?? `127.0.0.1:${cfg.TEMPORAL_DEV_PORT}`);
  const database = await resolveDatabase(cfg, log);
  const db = createDb(database.url);
  await migrateLatest(db);
  const secrets = await prepareSecrets(cfg, db, log);
  const connection = await connectWorker(settings);
  const worker = await createWorker({ connection, db, log, ...workerSettings(cfg) });
  const dispatcher = startDispatcherFromConfig(cfg, db, log, secrets);
  const stop = () => worker.getState() === 'RUNNING' && worker.shutdown();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  log.info({ address: settings.address, taskQueue: cfg.TEMPORAL_TASK_QUEUE }, 'worker running');
  await worker.run();
  await dispatcher.stop();
  await connection.close();
  await db.destroy();
  await database.stop();
  log.info('worker stopped');
}

main().catch((err: unknown) => {
  createLogger({ name: 'worker' }).fatal({ err }, 'worker failed');
  process.exit(1);
});
