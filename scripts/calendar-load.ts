/**
 * `npm run calendar:load -- <year> [--file arrangement.json]`: loads one year's
 * official working-day arrangement. Without --file the year comes from the
 * `chinese-days` package (2004-2026 only); a later year is loaded from the
 * State Council's published arrangement written as a file
 * ({"year": 2027, "days": [{"date": "2027-01-01", "working": false, "name": "元旦"}, ...]}).
 * Items in flight re-time their deadlines when they next hear of the change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { officialArrangement } from '../db/calendar/official';
import { arrangementFileSchema, loadCalendarYear } from '../db/calendar/store';
import { formatPath } from '../db/catalog/plan-schema';
import type { Db } from '../db/connection';
import { signalCalendarChanged } from '../api/services/calendar';
import { connectClient, temporalSettings } from '../platform/temporal-connection';
import { loadConfig } from '../platform/config';
import { withDatabase } from '../platform/database';
import { createLogger, type Logger } from '../platform/logger';

/** Open items re-time their deadlines; without a reachable Temporal, repeating the load tells them later. */
async function tellOpenItems(cfg: ReturnType<typeof loadConfig>, db: Db, log: Logger): Promise<void> {
  const address = cfg.TEMPORAL_ADDRESS ?? `127.0.0.1:${cfg.TEMPORAL_DEV_PORT}`;
  try {
    const client = await connectClient({ ...temporalSettings(cfg, address) });
    try {
      log.info({ items: await signalCalendarChanged(client, db) }, 'open items told to re-time their deadlines');
    } finally {
      await client.connection.close();
    }
  } catch (err) {
    log.warn({ err, address }, 'Temporal not reachable: open items were not told; run the load again once it is up');
  }
}

async function main(): Promise<number> {
  const cfg = loadConfig();
  const log = createLogger({ level: cfg.LOG_LEVEL, pretty: cfg.LOG_PRETTY, name: 'calendar-load' });
  const [yearArg, flag, file] = process.argv.slice(2);
  const year = Number(yearArg);
  if (!Number.isInteger(year) || (flag !== undefined && (flag !== '--file' || !file))) {
    log.error('usage: npm run calendar:load -- <year> [--file arrangement.json]');
    return 64;
  }
  let arrangement;
  let source: string;
  try {
    if (file) {
      source = path.resolve(file);
      const parsed = arrangementFileSchema.safeParse(JSON.parse(fs.readFileSync(source, 'utf8')));
      if (!parsed.success) {
        for (const i of parsed.error.issues) process.stderr.write(`  ${formatPath(i.path)}: ${i.message}\n`);
        log.error({ file: source }, 'arrangement refused, nothing written');
        return 2;
      }
      if (parsed.data.year !== year) {
        process.stderr.write(`  year: the file is for ${parsed.data.year}, not ${year}\n`);
        return 2;
      }
      arrangement = parsed.data;
    } else {
      source = 'chinese-days';
      arrangement = { year, days: officialArrangement(year) };
    }
  } catch (err) {
    process.stderr.write(`  ${(err as Error).message}\n`);
    return 2;
  }
  return withDatabase(cfg, log, async (db) => {
    const result = await loadCalendarYear(db, arrangement, { actor: `cli:${process.env.USER ?? 'unknown'}`, source });
    log.info(result, result.changed ? `calendar for ${year} loaded` : `calendar for ${year} already up to date`);
    // Told even when nothing changed: a load repeated after Temporal was down still reaches the items.
    await tellOpenItems(cfg, db, log);
    return 0;
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    createLogger({ name: 'calendar-load' }).fatal({ err }, 'calendar load failed');
    process.exit(1);
  },
);
