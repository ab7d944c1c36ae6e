import crypto from 'node:crypto';
import express, { type RequestHandler, type Router } from 'express';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/connection';

/** One registry for the process: the API's own metrics, scraped at /metrics. */
export const registry = new Registry();

const requestSeconds = new Histogram({
  name: 'coord_http_request_duration_seconds',
  help: 'HTTP request latency by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

const workflowOperations = new Counter({
  name: 'coord_workflow_operations_total',
  help: 'Workflow operations (updates, signals, starts) requested by the API',
  labelNames: ['operation'] as const,
  registers: [registry],
});

const notificationsSent = new Gauge({
  name: 'coord_notifications_sent',
  help: 'Notification deliveries sent, per channel (read from notification_deliveries at scrape time)',
  labelNames: ['channel'] as const,
  registers: [registry],
});

/** Called where an item route hands an operation to its workflow. */
export function countWorkflowOperation(name: string): void {
  workflowOperations.inc({ operation: name });
}

/**
 * The route label is the declared pattern, never the concrete URL, so item
 * codes and ids do not explode the label set. The router restores baseUrl on
 * an error, so the /api/v1 prefix is taken from the URL instead.
 */
function routeLabel(req: express.Request, apiBase: string): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern !== 'string') return 'unmatched';
  return `${req.originalUrl.startsWith(`${apiBase}/`) ? apiBase : ''}${pattern}`;
}

export function metricsMiddleware(apiBase: string): RequestHandler {
  return (req, res, next) => {
    const end = requestSeconds.startTimer();
    res.on('finish', () => {
      end({ method: req.method, route: routeLabel(req, apiBase), status: String(res.statusCode) });
    });
    next();
  };
}

async function refreshDeliveries(db: Db): Promise<void> {
  const rows = (await db('notification_deliveries').where({ status: 'sent' }).groupBy('channel').select('channel', db.raw('count(*)::int as n'))) as { channel: string; n: number }[];
  notificationsSent.reset();
  for (const channel of ['webhook', 'email']) notificationsSent.set({ channel }, 0);
  for (const r of rows) notificationsSent.set({ channel: r.channel }, r.n);
}

/** Whether the request carries `Authorization: Bearer <token>`, compared in constant time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  // Hashing first gives equal lengths, so timingSafeEqual never leaks the token's length either.
  const given = crypto.createHash('sha256').update(match[1] as string).digest();
  const expected = crypto.createHash('sha256').update(token).digest();
  return crypto.timingSafeEqual(given, expected);
}

/**
 * GET /metrics in the Prometheus text format; the delivery counts come from
 * PostgreSQL, where the worker records them. With a token (METRICS_TOKEN) a
 * scrape without `Authorization: Bearer <token>` answers 401.
 */
export function metricsRoutes(db: Db | undefined, token?: string): Router {
  const router = express.Router();
  router.get('/metrics', async (req, res) => {
    if (token && !bearerMatches(req.headers.authorization, token)) {
      res.setHeader('www-authenticate', 'Bearer realm="metrics"');
      res.status(401).json({ error: { code: 'unauthorized', message: 'metrics need a bearer token' } });
      return;
    }
    if (db) await refreshDeliveries(db);
    res.setHeader('content-type', registry.contentType);
    res.send(await registry.metrics());
  });
  return router;
}
