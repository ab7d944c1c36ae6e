/** `npm run db:migrate [-- --down]`: migrations up to the latest, or all the way down. */
import { createDb, migrateLatest, migrateRollbackAll } from '../db/connection';
import { loadConfig } from '../platform/config';
import { resolveDatabase } from '../platform/database';
import { createLogger } from '../platform/logger';

async function main(): Promise<void> {
  const cfg = loadConfig();
  const log = createLogger({ level: cfg.LOG_LEVEL, pretty: cfg.LOG_PRETTY, name: 'migrate' });
  const database = await resolveDatabase(cfg, log);
  const db = createDb(database.url, { poolMax: 3 });
  try {
    if (process.argv.includes('--down')) log.info({ reverted: await migrateRollbackAll(db) }, 'migrations rolled back');
    else log.info({ applied: await migrateLatest(db) }, 'migrations up to date');
  } finally {
    await db.destroy();
    await database.stop();
  }
}

main().catch((err: unknown) => {
  createLogger({ name: 'migrate' }).fatal({ err }, 'migration failed');
  process.exit(1);
});
