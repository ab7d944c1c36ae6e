import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../platform/config';
import type { DrillReport } from '../drills/drill';

/**
 * The production topology at `npm test` size (issue 13): the Temporal server
 * built from Go modules on PostgreSQL with 4 history shards, two worker
 * processes and two API processes; 60 live items on a compressed clock while
 * a worker and an API process are SIGKILLed and started again, the Temporal
 * server restarts, and the workers restart one at a time. Then: every
 * reminder, rung and report exactly once and in time, the mirror equal to
 * each workflow's state query, a report returned and accepted and a 批示
 * through both API processes, the outbox delivered once by two dispatchers,
 * one digest Schedule and one digest, and both API processes answering the
 * same. `npm run test:cluster` is the full size; this runs the same program
 * in its own process and reads its report.
 */
const SEED = process.env.CLUSTER_DRILL_SEED ?? '2018';

function runClusterDrill(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/cluster/run.ts', ...args], {
      cwd: projectRoot,
      env: { ...process.env, LOG_LEVEL: process.env.DRILL_LOG_LEVEL ?? 'warn', LOG_PRETTY: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

type ClusterReport = DrillReport & { topology: { shards: number; workers: number; apis: number } };

describe('production topology: Temporal server on PostgreSQL, two workers, two API processes (60 items)', () => {
  let report: ClusterReport;

  beforeAll(async () => {
    const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-test-')), 'report.json');
    const { code, output } = await runClusterDrill([
      '--items', '60',
      '--working-day-ms', '3000',
      '--baseline-ms', '10000',
      '--after-recovery-ms', '12000',
      '--concurrency', '8',
      '--seed', SEED,
      '--json', json,
    ]);
    process.stderr.write(`cluster drill exited ${code}\n${output.split('\n').slice(-60).join('\n')}\n`);
    report = JSON.parse(fs.readFileSync(json, 'utf8')) as ClusterReport;
  }, 900_000);

  test('runs on the production topology and through all its drills', () => {
    expect(report.problems).toEqual([]);
    expect(report.topology).toMatchObject({ workers: 2, apis: 2 });
    expect(report.topology.shards).toBeGreaterThanOrEqual(4);
    expect([...new Set(report.rows.map((r) => r.drill))]).toEqual(['baseline (no fault)', 'worker and API process SIGKILL', 'Temporal server restart', 'rolling restart of the workers']);
    expect(report.outages.map((o) => o.what)).toEqual(['worker', 'api', 'temporal', 'worker', 'worker']);
    const total = (what: string) => report.rows.filter((r) => r.what === what).reduce((n, r) => n + r.counts.expected, 0);
    expect(total('reminders')).toBeGreaterThan(0);
    expect(total('rungs')).toBeGreaterThan(0);
    expect(total('reports accepted')).toBeGreaterThan(0);
  });

  test('every reminder, rung and report exactly once and in time, after every fault', () => {
    const bad = report.rows
      .filter((r) => r.counts.missing + r.counts.duplicate + r.counts.late + r.counts.unexpected > 0)
      .map((r) => `${r.drill} ${r.what}: ${JSON.stringify(r.counts)}`);
    expect({ bad, details: bad.length ? report.details.slice(0, 20) : [] }).toEqual({ bad: [], details: [] });
    for (const r of report.rows) expect(r.counts.found).toBe(r.counts.expected);
  });

  test('the mirror equals every workflow\'s state query after every fault', () => {
    expect(report.mirror.map((m) => [m.drill, m.checked, m.mismatched])).toEqual(report.mirror.map((m) => [m.drill, 60, 0]));
  });

  test('return, accept, 批示; the outbox once; one digest Schedule; both API processes agree', () => {
    expect(report.extras.map((c) => [c.name, c.ok, c.details])).toEqual([
      ['return, accept and 批示 through both API processes', true, []],
      ['outbox: two dispatchers deliver each notice once', true, []],
      ['weekly digest: one Schedule, one digest per week', true, []],
      ['both API processes answer the same', true, []],
    ]);
    const figures = Object.fromEntries(report.extras.map((c) => [c.name.split(':')[0], c.figures]));
    expect(figures.outbox).toMatchObject({ missing: 0, duplicate: 0, unknown: 0, failed: 0 });
    expect(figures.outbox?.sent).toBeGreaterThan(0);
    expect(figures['weekly digest']).toMatchObject({ schedules: 1, digests: 1 });
    expect(report.ok).toBe(true);
  });
});
