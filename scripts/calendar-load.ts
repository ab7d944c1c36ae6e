/**
 * `npm run calendar:load -- <year> [--file arrangement.json]`: loads one year's
 * official working-day arrangement. Without --file the year comes from the
 * `chinese-days` package (2004-2026 only); a later year is loaded from the
 * State Council's published arrangement written as a file
 * ({"year": 2027, "days": [{"date": "2027-01-01", "working": false, "name": "元旦"}, ...]}).
 * Open items are then told to re-time their deadlines. Exit status: 0 when
 * every open item was told (or had closed), 3 when the calendar was loaded but
 * Temporal was unreachable or some items could not be told (they are logged by
 * workflow id; loading the year again tells them), 2 for a refused
 * arrangement, 64 for bad usage.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { officialArrangement } from '../db/calendar/official';
import { arrangementFileSchema, loadCalendarYear } from '../db/calendar/store';
import { formatPath } from '../db/catalog/plan-schema';
import type { Db } from '../db/connection';
import { signalCalendarChanged } from '../api/services/calendar';
import { connectClient, temporalSettings } from '../platform/temporal-connection';
import { loadConfig } from '../platform/config';
import { withDatabase } from '../platform/database';
import { createLogger, type Logger } from '../platform/logger';

/** The load is done, but not every open item heard of it. */
const NOT_ALL_TOLD = 3;

/** Open items re-time their deadlines; whether every one of them was told. Repeating the load tells the rest. */
async function tellOpenItems(cfg: ReturnType<typeof loadConfig>, db: Db, log: Logger): Promise<boolean> {
  const address = cfg.TEMPORAL_ADDRESS ?? `127.0.0.1:${cfg.TEMPORAL_DEV_PORT}`;
  let client: Client;
  try {
    client = await connectClient({ ...temporalSettings(cfg, address) });
  } catch (err) {
    log.error({ err, address }, 'Temporal not reachable: open items were not told; run the load again once it is up');
    return false;
  }
  try {
    const { told, closed, failed } = await signalCalendarChanged(client, db, log);
    const counts = { told, closed, failed: failed.length, failedWorkflowIds: failed.map((f) => f.workflowId) };
    if (failed.length) log.error(counts, 'some open items were not told to re-time their deadlines; run the load again');
    else log.info(counts, 'open items told to re-time their deadlines');
    return failed.length === 0;
  } finally {
    await client.connection.close();
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
    return (await tellOpenItems(cfg, db, log)) ? 0 : NOT_ALL_TOLD;
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    createLogger({ name: 'calendar-load' }).fatal({ err }, 'calendar load failed');
    process.exit(1);
  },
);
