import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../platform/config';
import type { DrillReport } from './drill';

/**
 * The fault drills at `npm test` size (issue 10): 100 live items part-way up
 * their ladders on a compressed clock, on their own PostgreSQL, Temporal dev
 * server and worker process; the worker SIGKILLed three times, Temporal
 * stopped and restarted on its database, PostgreSQL down for 10 s. After each
 * drill every reminder, rung and report is checked against the calendar, and
 * the mirror against each workflow's state query. `npm run drill` is the full
 * size; this runs the same program (its own process: embedded PostgreSQL is
 * an ES module that jest's VM cannot load) and reads its report.
 */
const SEED = process.env.DRILL_SEED ?? '20161';

function runDrill(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/drills/run.ts', ...args], {
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

describe('fault drills (100 items)', () => {
  let report: DrillReport;

  beforeAll(async () => {
    const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'drill-test-')), 'report.json');
    const { code, output } = await runDrill([
      '--items', '100',
      // Long enough that a busy CI machine running another test file beside this one keeps to the 60 s allowance.
      '--working-day-ms', '3000',
      '--kills', '3',
      '--kill-gap-ms', '4000-9000',
      '--postgres-down-ms', '10000',
      '--baseline-ms', '10000',
      '--after-recovery-ms', '12000',
      '--concurrency', '8',
      '--seed', SEED,
      '--json', json,
    ]);
    // The table and any findings, in the test's output whatever the verdict.
    process.stderr.write(`drill exited ${code}\n${output.split('\n').slice(-80).join('\n')}\n`);
    report = JSON.parse(fs.readFileSync(json, 'utf8')) as DrillReport;
  }, 900_000);

  test('runs all four drills, each with reminders, rungs, reports filed and accepted', () => {
    expect(report.problems).toEqual([]);
    expect([...new Set(report.rows.map((r) => r.drill))]).toEqual(['baseline (no fault)', 'worker SIGKILL x3', 'Temporal restart', 'PostgreSQL down 10 s']);
    expect(report.outages.map((o) => o.what)).toEqual(['worker', 'worker', 'worker', 'temporal', 'postgres']);
    // The drills are only worth something if the ladder was actually climbing while they ran.
    const total = (what: string) => report.rows.filter((r) => r.what === what).reduce((n, r) => n + r.counts.expected, 0);
    expect(total('reminders')).toBeGreaterThan(0);
    expect(total('rungs')).toBeGreaterThan(0);
    expect(total('reports accepted')).toBeGreaterThan(0);
  });

  test('nothing missing, duplicated, late or unexpected after any drill', () => {
    const bad = report.rows
      .filter((r) => r.counts.missing + r.counts.duplicate + r.counts.late + r.counts.unexpected > 0)
      .map((r) => `${r.drill} ${r.what}: ${JSON.stringify(r.counts)}`);
    expect({ bad, details: bad.length ? report.details.slice(0, 20) : [] }).toEqual({ bad: [], details: [] });
    for (const r of report.rows) expect(r.counts.found).toBe(r.counts.expected);
  });

  test('the mirror matches every workflow after every drill', () => {
    expect(report.mirror.map((m) => [m.drill, m.checked, m.mismatched])).toEqual(report.mirror.map((m) => [m.drill, 100, 0]));
    expect(report.ok).toBe(true);
  });
});
