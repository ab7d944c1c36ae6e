import crypto from 'node:crypto';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { REDACT_PATHS, REDACTED, type Logger } from '../platform/logger';
import helmet from 'helmet';
import { HttpError } from './errors';
import { metricsMiddleware, metricsRoutes } from './metrics';
import { mountRoutes, openApiDocument, type ApiDeps, type RouteSpec } from './route';
import { apiRoutes } from './routes';
import { docsRoutes } from './routes/docs';
import { healthRoutes, type ReadinessCheck } from './routes/health';
import { webConsole, type WebConsole } from './web-console';

export interface AppDeps {
  log: Logger;
  readiness: Record<string, ReadinessCheck>;
  /** The web console: its built files (web/dist, built fresh by the caller) and what it links to. */
  web?: WebConsole;
  /** The /api/v1 routes, their OpenAPI document and docs; absent where only health is served. */
  api?: ApiDeps;
  /** The /api/v1 routes; default all of them (tests of the app's machinery give their own). */
  routes?: RouteSpec[];
  /** When set, /metrics answers only `Authorization: Bearer <metricsToken>` (METRICS_TOKEN). */
  metricsToken?: string;
  /** Which proxy hops are trusted for the client address (TRUST_PROXY): express's `trust proxy`. Default: none. */
  trustProxy?: boolean | number | string;
}

export const API_BASE = '/api/v1';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  if (deps.trustProxy !== undefined) app.set('trust proxy', deps.trustProxy);
  app.use(
    pinoHttp({
      // Redacts credential headers and secret fields whatever logger the caller gave (createLogger's does too).
      logger: deps.log.child({ component: 'http' }, { redact: { paths: REDACT_PATHS, censor: REDACTED } }),
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // 503 is the bounded wait for Temporal answering "retry" (UPDATE_WAIT_MS), not a failure of ours.
      customLogLevel: (_req, res, err) => (err || (res.statusCode >= 500 && res.statusCode !== 503) ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => req.url === '/healthz' },
    }),
  );
  app.use(metricsMiddleware(API_BASE));
  app.use(helmet());
  app.use(express.json({ limit: '256kb' }));
  app.use(healthRoutes(deps.readiness));
  app.use(metricsRoutes(deps.api?.db, deps.metricsToken));
  if (deps.api) {
    const routes = deps.routes ?? apiRoutes;
    const document = openApiDocument(routes, API_BASE);
    app.get(`${API_BASE}/openapi.json`, (_req, res) => {
      res.json(document);
    });
    app.use(docsRoutes(`${API_BASE}/openapi.json`));
    app.use(API_BASE, mountRoutes(routes, deps.api));
  }

  if (deps.web) app.use(webConsole(deps.web));

  app.use((req, _res, next) => next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`)));
  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    // The router's decoding of a path parameter (`%E0%A4%A`, `%zz`) throws a URIError: the client's bad path, not a crash.
    const err = (error instanceof URIError ? new HttpError(400, 'bad_path', 'the path has a malformed percent-escape') : error) as typeof error;
    const known = err instanceof HttpError;
    // body-parser marks its own errors (bad JSON, too large) with a status and `expose`.
    const parserStatus = !known && typeof err?.status === 'number' && err.expose ? (err.status as number) : undefined;
    const status = known ? err.status : (parserStatus ?? 500);
    const code = known ? err.code : parserStatus ? String(err.type ?? 'bad_request').replace(/\./g, '_') : 'internal';
    // A known 5xx (503 busy: Temporal did not answer in time) is the API's own answer, not a crash.
    if (status >= 500 && !known) req.log.error({ err }, 'request failed');
    else if (status >= 500) req.log.warn({ code, message: (err as Error).message }, 'request answered with a retryable error');
    if (known && err.headers) res.set(err.headers);
    res.status(status).json({
      error: {
        code,
        message: status >= 500 && !known ? 'internal error' : (err as Error).message,
        details: known ? err.details : undefined,
      },
    });
  };
  app.use(onError);
  return app;
}
