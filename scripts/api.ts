/**
 * `npm run api`: one API process on its own (the HTTP API, the web console,
 * /healthz and /readyz), for running several behind a load balancer beside
 * worker processes (`npm run worker`). Needs a Temporal server
 * (TEMPORAL_ADDRESS, default 127.0.0.1:TEMPORAL_DEV_PORT) and the database
 * (DATABASE_URL, or the embedded one `npm start` runs). Each makes sure of the
 * digest Schedule and the search attributes: the server keeps one of each,
 * however many processes ask.
 */
import type { Client } from '@temporalio/client';
import { createDb, pingDb } from '../db/connection';
import { loadConfig } from '../platform/config';
import { resolveDatabase } from '../platform/database';
import { ensureDigestSchedule } from '../platform/digest-schedule';
import { prepareProductDatabase } from '../platform/first-start';
import { startHttpServer, type HttpServer } from '../platform/http-server';
import { bridgeTemporalLogs, createLogger } from '../platform/logger';
import { ensureSearchAttributes } from '../platform/search-attributes';
import { connectClient, temporalSettings } from '../platform/temporal-connection';

async function main(): Promise<void> {
  const cfg = loadConfig();
  const log = createLogger({ level: cfg.LOG_LEVEL, pretty: cfg.LOG_PRETTY, name: 'api' });
  bridgeTemporalLogs(log);
  const settings = temporalSettings(cfg, cfg.TEMPORAL_ADDRESS ?? `127.0.0.1:${cfg.TEMPORAL_DEV_PORT}`);
  const database = await resolveDatabase(cfg, log);
  const db = createDb(database.url);
  let client: Client | undefined;
  let http: HttpServer | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await http?.stop().catch((err: unknown) => log.warn({ err }, 'closing the HTTP server failed'));
    await client?.connection.close().catch(() => undefined);
    await db.destroy();
    await database.stop();
    log.info('API process stopped');
    log.flush();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    await pingDb(db);
    // Its own first start too (plan, calendar, directory, first users), so API processes need nothing before them.
    const secrets = await prepareProductDatabase(cfg, db, log);
    client = await connectClient(settings);
    await ensureSearchAttributes(client, log);
    await ensureDigestSchedule(client, { taskQueue: cfg.TEMPORAL_TASK_QUEUE, cron: cfg.DIGEST_CRON, log });
    http = await startHttpServer({ cfg, db, client, log, secrets });
    log.info({ port: http.port, address: settings.address, namespace: cfg.TEMPORAL_NAMESPACE }, `API process listening on http://${cfg.HOST}:${http.port}/`);
  } catch (err) {
    log.fatal({ err }, 'API process failed to start');
    await stop(1);
  }
}

void main();
