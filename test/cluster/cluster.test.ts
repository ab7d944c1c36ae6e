import type { DrillReport } from '../drills/drill';
import { expectLadderClimbed, expectNoFindings, runDrillProgram } from '../drills/program';

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

type ClusterReport = DrillReport & { topology: { shards: number; workers: number; apis: number; leftoverProcesses: number } };

describe('production topology: Temporal server on PostgreSQL, two workers, two API processes (60 items)', () => {
  let report: ClusterReport;

  beforeAll(async () => {
    report = await runDrillProgram<ClusterReport>('test/cluster/run.ts', [
      '--items', '60',
      '--working-day-ms', '3000',
      '--baseline-ms', '10000',
      '--after-recovery-ms', '12000',
      '--concurrency', '8',
      '--seed', SEED,
    ]);
  }, 900_000);

  test('runs on the production topology and through all its drills', () => {
    expect(report.problems).toEqual([]);
    // Stopped in order at the end: nothing it started is left running.
    expect(report.topology).toMatchObject({ workers: 2, apis: 2, leftoverProcesses: 0 });
    expect(report.topology.shards).toBeGreaterThanOrEqual(4);
    expect([...new Set(report.rows.map((r) => r.drill))]).toEqual(['baseline (no fault)', 'worker and API process SIGKILL', 'Temporal server restart', 'rolling restart of the workers']);
    expect(report.outages.map((o) => o.what)).toEqual(['worker', 'api', 'temporal', 'worker', 'worker']);
    expectLadderClimbed(report);
  });

  test('every reminder, rung and report exactly once and in time, and the mirror equal to each state query, after every fault', () => {
    expectNoFindings(report, 60);
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
