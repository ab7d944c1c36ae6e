/**
 * `npm run setup:temporal`: finds the Temporal CLI (the dev server of
 * `npm start` and the tests) and the Temporal server with its SQL tool (the
 * production topology of `npm run cluster` and its tests), or builds them
 * with Go into the cache: the steps those commands would otherwise do first.
 */
import { loadConfig } from '../platform/config';
import { createLogger } from '../platform/logger';
import { ensureTemporalCli, goAvailable } from '../platform/temporal-cli';
import { ensureTemporalServer } from '../platform/temporal-cluster';

async function main(): Promise<void> {
  const cfg = loadConfig();
  const log = createLogger({ level: cfg.LOG_LEVEL, pretty: cfg.LOG_PRETTY, name: 'setup' });
  const cli = await ensureTemporalCli({ cacheDir: cfg.cacheDir, version: cfg.TEMPORAL_CLI_VERSION, explicit: cfg.TEMPORAL_CLI, log });
  if (cli) log.info({ path: cli.path, source: cli.source }, 'Temporal CLI ready');
  else log.info("no Temporal CLI: the SDK's download will be used (needs internet)");
  if (!goAvailable()) {
    log.warn('no Go toolchain: the Temporal server for `npm run cluster` and its tests cannot be built here');
    return;
  }
  const server = await ensureTemporalServer({ cacheDir: cfg.cacheDir, version: cfg.TEMPORAL_SERVER_VERSION, log });
  log.info({ server: server.server, sqlTool: server.sqlTool, builtInSeconds: server.builtInSeconds }, 'Temporal server ready');
}

main().catch((err: unknown) => {
  createLogger({ name: 'setup' }).fatal({ err }, 'Temporal setup failed');
  process.exit(1);
});
