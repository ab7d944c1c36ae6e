/**
 * `npm run plan:import -- <file>`: validates a plan file and imports it in one
 * transaction. A bad file is refused whole: every bad field is listed with its
 * path and nothing is written (exit code 2).
 */
import path from 'node:path';
import { importPlan } from '../db/catalog/import';
import { PlanValidationError, readPlanFile } from '../db/catalog/plan-file';
import { loadConfig } from '../platform/config';
import { withDatabase } from '../platform/database';
import { createLogger } from '../platform/logger';

async function main(): Promise<number> {
  const cfg = loadConfig();
  const log = createLogger({ level: cfg.LOG_LEVEL, pretty: cfg.LOG_PRETTY, name: 'plan-import' });
  const file = process.argv[2];
  if (!file) {
    log.error('usage: npm run plan:import -- <plan.yaml|plan.json>');
    return 64;
  }
  const absolute = path.resolve(file);
  let loaded;
  try {
    log.info({ file: absolute }, 'validating plan file');
    loaded = readPlanFile(absolute);
  } catch (err) {
    if (!(err instanceof PlanValidationError)) throw err;
    log.error({ file: absolute, issues: err.issues }, `plan refused: ${err.issues.length} problem(s), nothing written`);
    for (const issue of err.issues) process.stderr.write(`  ${issue.path}: ${issue.message}\n`);
    return 2;
  }
  return withDatabase(cfg, log, async (db) => {
    log.info({ plan: loaded.plan.plan.code }, 'importing');
    const result = await importPlan(db, loaded, { actor: `cli:${process.env.USER ?? 'unknown'}`, source: absolute });
    log.info(
      { plan: result.planCode, counts: result.counts, changes: result.changes },
      result.changes ? `plan imported: ${result.changes} row(s) changed` : 'plan already up to date: nothing changed',
    );
    return 0;
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    createLogger({ name: 'plan-import' }).fatal({ err }, 'plan import failed');
    process.exit(1);
  },
);
