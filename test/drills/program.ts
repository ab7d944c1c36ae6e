/**
 * A drill as a program of its own (embedded PostgreSQL is an ES module that
 * jest's VM cannot load): run from the command line (`npm run drill`,
 * `npm run test:cluster`) or spawned by a test, which reads its JSON report.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import { formatReport, type DrillReport, type DrillRun } from './drill';

/**
 * Runs the drill, prints the table (and `header` above it), writes the report
 * to `json` with `more()` merged in, and exits 1 when a check failed. Ctrl-C
 * or SIGTERM stops it where it is and takes everything down; a second one
 * leaves at once.
 */
export function runDrillFromCommandLine(drill: DrillRun, log: Logger, opts: { json?: string; header?: () => string; more?: () => Record<string, unknown> }): void {
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) {
        drill.killLeftovers();
        process.exit(130);
      }
      interrupted = true;
      log.warn({ signal }, 'drill: interrupted; stopping everything it started');
      drill.abort();
    });
  }
  // Whatever happens, nothing this run started outlives it.
  process.on('exit', () => drill.killLeftovers());
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'drill failed');
    process.exit(1);
  });
  drill
    .run()
    .then((report) => {
      if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ ...report, ...opts.more?.() }, null, 1));
      for (const line of report.details.slice(0, 60)) log.warn(line);
      process.stdout.write(`\n${opts.header?.() ?? ''}${formatReport(report)}`);
      process.exit(interrupted ? 130 : report.ok ? 0 : 1);
    })
    .catch((err: unknown) => {
      log.fatal({ err }, 'drill failed');
      process.exit(1);
    });
}

/** Spawns a drill program (`test/drills/run.ts`, `test/cluster/run.ts`) and answers its report; its table goes to the test's output whatever the verdict. */
export async function runDrillProgram<R extends DrillReport>(script: string, args: string[]): Promise<R> {
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'drill-test-')), 'report.json');
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args, '--json', json], {
      cwd: projectRoot,
      env: { ...process.env, LOG_LEVEL: process.env.DRILL_LOG_LEVEL ?? 'warn', LOG_PRETTY: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (b: Buffer) => (text += b.toString()));
    child.stderr.on('data', (b: Buffer) => (text += b.toString()));
    child.once('error', reject);
    child.once('exit', (exit) => resolve({ code: exit, output: text }));
  });
  process.stderr.write(`${script} exited ${code}\n${output.split('\n').slice(-80).join('\n')}\n`);
  return JSON.parse(fs.readFileSync(json, 'utf8')) as R;
}

/** The drills were only worth something if the ladder was climbing while they ran. */
export function expectLadderClimbed(report: DrillReport): void {
  const total = (what: string) => report.rows.filter((r) => r.what === what).reduce((n, r) => n + r.counts.expected, 0);
  expect(total('reminders')).toBeGreaterThan(0);
  expect(total('rungs')).toBeGreaterThan(0);
  expect(total('reports accepted')).toBeGreaterThan(0);
}

/** Nothing missing, duplicated, late or unexpected; everything expected found; the mirror equal to each state. */
export function expectNoFindings(report: DrillReport, items: number): void {
  const bad = report.rows
    .filter((r) => r.counts.missing + r.counts.duplicate + r.counts.late + r.counts.unexpected > 0)
    .map((r) => `${r.drill} ${r.what}: ${JSON.stringify(r.counts)}`);
  expect({ bad, details: bad.length ? report.details.slice(0, 20) : [] }).toEqual({ bad: [], details: [] });
  for (const r of report.rows) expect(r.counts.found).toBe(r.counts.expected);
  expect(report.mirror.map((m) => [m.drill, m.checked, m.mismatched])).toEqual(report.mirror.map((m) => [m.drill, items, 0]));
}
