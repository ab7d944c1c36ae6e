import type { DrillReport } from './drill';
import { expectLadderClimbed, expectNoFindings, runDrillProgram } from './program';

/**
 * The fault drills at `npm test` size (issue 10): 100 live items part-way up
 * their ladders on a compressed clock, on their own PostgreSQL, Temporal dev
 * server and worker process; the worker SIGKILLed three times, Temporal
 * stopped and restarted on its database, PostgreSQL down for 10 s. After each
 * drill every reminder, rung and report is checked against the calendar, and
 * the mirror against each workflow's state query. `npm run drill` is the full
 * size; this runs the same program in its own process and reads its report.
 */
const SEED = process.env.DRILL_SEED ?? '20161';

describe('fault drills (100 items)', () => {
  let report: DrillReport;

  beforeAll(async () => {
    report = await runDrillProgram('test/drills/run.ts', [
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
    ]);
  }, 900_000);

  test('runs all four drills, each with reminders, rungs, reports filed and accepted', () => {
    expect(report.problems).toEqual([]);
    expect([...new Set(report.rows.map((r) => r.drill))]).toEqual(['baseline (no fault)', 'worker SIGKILL x3', 'Temporal restart', 'PostgreSQL down 10 s']);
    expect(report.outages.map((o) => o.what)).toEqual(['worker', 'worker', 'worker', 'temporal', 'postgres']);
    expectLadderClimbed(report);
  });

  test('nothing missing, duplicated, late or unexpected after any drill; the mirror matches every workflow', () => {
    expectNoFindings(report, 100);
    expect(report.ok).toBe(true);
  });
});
