/**
 * `npm run test:cluster`: the drills on the production topology (issue 13).
 * The Temporal server built from Go modules on PostgreSQL with 4 history
 * shards, two worker processes and two API processes (platform/topology.ts);
 * live items climbing their ladders on a compressed clock while a worker and
 * an API process are SIGKILLed, the Temporal server restarts and the workers
 * restart one at a time; then every reminder, rung and report is checked
 * against the calendar (exactly once, in time), the mirror against each
 * workflow's state query, the return/批示 scenario, the outbox, the digest
 * Schedule and both API processes' answers (test/cluster/scenario.ts).
 * Prints the table at the end and exits 1 when any check failed. The short
 * version runs inside `npm test` (test/cluster/cluster.test.ts).
 *
 * Options (or CLUSTER_DRILL_* variables): --items, --working-day-ms,
 * --baseline-ms, --after-recovery-ms, --concurrency, --workers, --shards,
 * --seed, --json <file>.
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../../platform/logger';
import { DrillRun } from '../drills/drill';
import { runDrillFromCommandLine } from '../drills/program';
import { ClusterSystem } from './cluster-system';
import { ClusterExtras } from './scenario';

const env = (name: string, fallback: string) => process.env[`CLUSTER_DRILL_${name}`] ?? fallback;
const { values } = parseArgs({
  options: {
    items: { type: 'string', default: env('ITEMS', '300') },
    'working-day-ms': { type: 'string', default: env('WORKING_DAY_MS', '5000') },
    'baseline-ms': { type: 'string', default: env('BASELINE_MS', '15000') },
    'after-recovery-ms': { type: 'string', default: env('AFTER_RECOVERY_MS', '20000') },
    concurrency: { type: 'string', default: env('CONCURRENCY', '16') },
    workers: { type: 'string', default: env('WORKERS', '2') },
    apis: { type: 'string', default: env('APIS', '2') },
    shards: { type: 'string', default: env('SHARDS', '4') },
    seed: { type: 'string', default: env('SEED', String(Date.now() % 1_000_000)) },
    json: { type: 'string' },
  },
});

function num(name: keyof typeof values): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number, got ${String(values[name])}`);
  return n;
}

const log = createLogger({ name: 'cluster-drill', level: process.env.LOG_LEVEL ?? 'info' });
const system = new ClusterSystem({
  log,
  workingDayMs: num('working-day-ms'),
  namespace: 'drill',
  taskQueue: 'drill',
  workers: num('workers'),
  apis: num('apis'),
  shards: num('shards'),
  env: { NOTIFY_MERGE_WINDOW_MS: '1000' },
});
const drill = new DrillRun({
  items: num('items'),
  workingDayMs: num('working-day-ms'),
  kills: 0,
  killGapMs: [0, 0],
  postgresDownMs: 0,
  baselineMs: num('baseline-ms'),
  afterRecoveryMs: num('after-recovery-ms'),
  concurrency: num('concurrency'),
  seed: num('seed'),
  system,
  extras: new ClusterExtras(),
  log,
});

const topology = () => ({ shards: system.shardCount, workers: num('workers'), apis: num('apis'), serverBuildSeconds: system.serverBuildSeconds ?? null, leftoverProcesses: system.leftoverProcesses });
runDrillFromCommandLine(drill, log, {
  json: values.json,
  more: () => ({ topology: topology() }),
  header: () => `Topology: Temporal server with ${topology().shards} history shards on PostgreSQL, ${num('workers')} worker processes, ${num('apis')} API processes\n`,
});
