/** `npm run db:migrate [-- --down]`: migrations up to the latest, or all the way down. */
import { migrateRollbackAll } from '../db/connection';
import { loadConfig } from '../platform/config';
import { withDatabase } from '../platform/database';
import { createLogger } from '../platform/logger';

async function main(): Promise<void> {
  const cfg = loadConfig();
  const log = createLogger({ level: cfg.LOG_LEVEL, pretty: cfg.LOG_PRETTY, name: 'migrate' });
  await withDatabase(cfg, log, async (db) => {
    if (process.argv.includes('--down')) log.info({ reverted: await migrateRollbackAll(db) }, 'migrations rolled back');
    else log.info('migrations up to date');
  });
}

main().catch((err: unknown) => {
  createLogger({ name: 'migrate' }).fatal({ err }, 'migration failed');
  process.exit(1);
});
