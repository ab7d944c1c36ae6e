import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { createApp } from '../api/app';
import { startExpiryPurge } from '../api/auth/signing-keys';
import { openKeyring } from '../api/auth/tokens';
import { pingDb, type Db } from '../db/connection';
import type { Config } from './config';
import type { Logger } from './logger';
import type { SecretBox } from './secrets';
import { pingTemporal } from './temporal-connection';
import { ensureWebBuild, webDist } from './web-build';

export interface HttpServer {
  port: number;
  /** Stops the hourly purge, then closes the listener after requests under way have been answered. */
  stop(): Promise<void>;
}

/**
 * The HTTP side of a process: the API, the web console, /healthz and /readyz,
 * and the hourly purge of expired sessions and retired keys. `npm start` runs
 * it beside the worker; `npm run api` (scripts/api.ts) on its own, as many
 * times as a deployment needs, all on one database and one namespace.
 */
export async function startHttpServer(o: { cfg: Config; db: Db; client: Client; log: Logger; secrets: SecretBox; temporalUiUrl?: string; port?: number }): Promise<HttpServer> {
  const { cfg, db, client, log } = o;
  const purge = startExpiryPurge(db, { maxTokenTtlSeconds: cfg.TOKEN_TTL_SECONDS, log });
  await ensureWebBuild(log);
  const app = createApp({
    log,
    web: { dist: webDist, temporalUiUrl: o.temporalUiUrl, namespace: cfg.TEMPORAL_NAMESPACE },
    readiness: { database: () => pingDb(db), temporal: () => pingTemporal(client) },
    metricsToken: cfg.METRICS_TOKEN,
    trustProxy: cfg.TRUST_PROXY,
    api: {
      db,
      client,
      taskQueue: cfg.TEMPORAL_TASK_QUEUE,
      log,
      keyring: await openKeyring(db, { maxTokenTtlSeconds: cfg.TOKEN_TTL_SECONDS }),
      tokenTtlSeconds: cfg.TOKEN_TTL_SECONDS,
      workingDayMs: cfg.WORKING_DAY_MS,
      updateWaitMs: cfg.UPDATE_WAIT_MS,
      allowPrivateWebhooks: cfg.WEBHOOK_ALLOW_PRIVATE,
      secrets: o.secrets,
    },
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(o.port ?? cfg.PORT, cfg.HOST, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (o.port ?? cfg.PORT);
  return {
    port,
    stop: async () => {
      await purge.stop();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
