/**
 * `npm run drill`: the fault drills at full size (1,000 items, 10 worker
 * SIGKILLs, a Temporal restart, PostgreSQL down 30 s). Logs progress as it
 * goes, prints the table of counts at the end, and exits 1 when any check
 * failed. Options (or DRILL_* variables): --items, --working-day-ms, --kills,
 * --postgres-down-ms, --seed, --json <file> (the report as JSON).
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../../platform/logger';
import { DrillRun } from './drill';
import { runDrillFromCommandLine } from './program';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: process.env.DRILL_ITEMS ?? '1000' },
    'working-day-ms': { type: 'string', default: process.env.DRILL_WORKING_DAY_MS ?? '10000' },
    kills: { type: 'string', default: process.env.DRILL_KILLS ?? '10' },
    'kill-gap-ms': { type: 'string', default: process.env.DRILL_KILL_GAP_MS ?? '5000-20000' },
    'postgres-down-ms': { type: 'string', default: process.env.DRILL_POSTGRES_DOWN_MS ?? '30000' },
    'baseline-ms': { type: 'string', default: process.env.DRILL_BASELINE_MS ?? '15000' },
    'after-recovery-ms': { type: 'string', default: process.env.DRILL_AFTER_RECOVERY_MS ?? '20000' },
    concurrency: { type: 'string', default: process.env.DRILL_CONCURRENCY ?? '16' },
    seed: { type: 'string', default: process.env.DRILL_SEED ?? String(Date.now() % 1_000_000) },
    json: { type: 'string' },
  },
});

function num(name: keyof typeof values): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number, got ${String(values[name])}`);
  return n;
}

const log = createLogger({ name: 'drill', level: process.env.LOG_LEVEL ?? 'info' });
const [gapMin, gapMax] = String(values['kill-gap-ms']).split('-').map(Number) as [number, number];
const drill = new DrillRun({
  items: num('items'),
  workingDayMs: num('working-day-ms'),
  kills: num('kills'),
  killGapMs: [gapMin, gapMax ?? gapMin],
  postgresDownMs: num('postgres-down-ms'),
  baselineMs: num('baseline-ms'),
  afterRecoveryMs: num('after-recovery-ms'),
  concurrency: num('concurrency'),
  seed: num('seed'),
  log,
});

runDrillFromCommandLine(drill, log, { json: values.json });
