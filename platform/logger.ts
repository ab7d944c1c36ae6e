import pino, { type Logger } from 'pino';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

export type { Logger };

function wantsPretty(setting: string): boolean {
  if (setting === 'true') return true;
  if (setting === 'false') return false;
  return Boolean(process.stdout.isTTY) && process.env.CI !== 'true';
}

export function createLogger(opts: { level?: string; pretty?: string; name?: string } = {}): Logger {
  const level = opts.level ?? process.env.LOG_LEVEL ?? 'info';
  const pretty = wantsPretty(opts.pretty ?? process.env.LOG_PRETTY ?? 'auto');
  return pino({
    name: opts.name ?? 'coord',
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  });
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
