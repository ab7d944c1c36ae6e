import pino, { type Logger } from 'pino';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

export type { Logger };

function wantsPretty(setting: string): boolean {
  if (setting === 'true') return true;
  if (setting === 'false') return false;
  return Boolean(process.stdout.isTTY) && process.env.CI !== 'true';
}

/** What replaces a redacted value in a log line. */
export const REDACTED = '[REDACTED]';

/** Field names that carry credentials wherever they appear: sign-in bodies, channel settings, configuration. */
const SECRET_FIELDS = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'webhookSecret',
  'webhook_secret',
  'signingKey',
  'signing_key',
  'apiKey',
  'api_key',
  'authorization',
  'cookie',
  // Configuration that holds a credential (a password inside a URL, a key).
  'SECRETS_KEY',
  'SMTP_URL',
  'DATABASE_URL',
  'METRICS_TOKEN',
  'TEMPORAL_API_KEY',
];

/**
 * Paths pino blanks before a line is written: the credential headers of
 * pino-http's req/res serialisation (and of a bare `headers` object), and the
 * secret field names at the top level and up to three levels down
 * (`{ body: { password } }`, `{ req: { body: { webhookSecret } } }`).
 */
export const REDACT_PATHS: string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]),
];

export function createLogger(
  opts: { level?: string; pretty?: string; name?: string; destination?: pino.DestinationStream } = {},
): Logger {
  const level = opts.level ?? process.env.LOG_LEVEL ?? 'info';
  // A given destination (tests capturing the lines) is written to as JSON, never through pino-pretty.
  const pretty = !opts.destination && wantsPretty(opts.pretty ?? process.env.LOG_PRETTY ?? 'auto');
  const options: pino.LoggerOptions = {
    name: opts.name ?? 'coord',
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

const pinoLevel: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

let runtimeInstalled = false;

/**
 * Routes the Temporal SDK's own logs (worker, workflow and activity context
 * loggers, and the Rust core when forwarded) into pino, so one stream carries
 * workflow ids next to request ids.
 */
export function bridgeTemporalLogs(log: Logger): void {
  if (runtimeInstalled) return;
  const temporalLog = log.child({ component: 'temporal' });
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      const { message, meta } = entry;
      temporalLog[pinoLevel[entry.level]](meta ?? {}, message);
    }),
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} } },
    // The process owns its shutdown order (HTTP, worker, Temporal, PostgreSQL), not the SDK.
    shutdownSignals: [],
  });
  runtimeInstalled = true;
}
