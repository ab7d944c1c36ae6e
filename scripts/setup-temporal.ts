/**
 * `npm run setup:temporal`: finds the Temporal CLI, or builds it with Go into
 * the cache (the step `npm start` and `npm test` would otherwise do first).
 */
import { loadConfig } from '../platform/config';
import { createLogger } from '../platform/logger';
import { ensureTemporalCli } from '../platform/temporal-cli';

async function main(): Promise<void> {
  const cfg = loadConfig();
  const log = createLogger({ level: cfg.LOG_LEVEL, pretty: cfg.LOG_PRETTY, name: 'setup' });
  const cli = await ensureTemporalCli({ cacheDir: cfg.cacheDir, version: cfg.TEMPORAL_CLI_VERSION, explicit: cfg.TEMPORAL_CLI, log });
  if (cli) log.info({ path: cli.path, source: cli.source }, 'Temporal CLI ready');
  else log.info("no Temporal CLI: the SDK's download will be used (needs internet)");
}

main().catch((err: unknown) => {
  createLogger({ name: 'setup' }).fatal({ err }, 'Temporal CLI setup failed');
  process.exit(1);
});
