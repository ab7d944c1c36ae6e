/**
 * (g) Scale-out: the assignment rate of (b) and the deadline burst of (d)
 * with two bench worker processes polling one task queue, against one worker
 * (the (b) and (d) figures of this run, or measured here when they were not
 * run). Everything else (the Temporal server, PostgreSQL, the API and the
 * load) stays one process each, on the same machine.
 */
import { runAssignment, type AssignmentResult } from './assignment';
import { runDeadlines, type DeadlineResult } from './deadlines';
import type { Harness, Sizes } from './harness';
import { ratio } from './stats';

export interface ScaleOutResult {
  one: { assignSingleRate: number; assignBulkRate: number; deadlineCommitsPerSecond: number; deadlineP95Ms: number; deadlineValid: boolean };
  two: { assignSingleRate: number; assignBulkRate: number; deadlineCommitsPerSecond: number; deadlineP95Ms: number; deadlineValid: boolean };
  speedup: { assignSingle: number; assignBulk: number; deadlineCommits: number };
  assignment: AssignmentResult;
  deadlines: DeadlineResult;
}

export async function runScaleOut(h: Harness, sizes: Sizes, oneWorker: { b?: AssignmentResult; d?: DeadlineResult }): Promise<ScaleOutResult> {
  const b1 = oneWorker.b ?? (await runAssignment(h, sizes, { workers: 1, label: 'g1' }));
  const d1 = oneWorker.d ?? (await runDeadlines(h, sizes, { workers: 1, label: 'g1' }));
  const b2 = await runAssignment(h, sizes, { workers: 2, label: 'g2' });
  const d2 = await runDeadlines(h, sizes, { workers: 2, label: 'g2', perItemMs: (d1.plannedSeconds * 2_000) / d1.n });
  const one = { assignSingleRate: b1.single.ratePerSecond, assignBulkRate: b1.bulk.ratePerSecond, deadlineCommitsPerSecond: d1.commitsPerSecond, deadlineP95Ms: d1.latenessCommittedMs.p95, deadlineValid: d1.plannedBeforeDue >= d1.n };
  const two = { assignSingleRate: b2.single.ratePerSecond, assignBulkRate: b2.bulk.ratePerSecond, deadlineCommitsPerSecond: d2.commitsPerSecond, deadlineP95Ms: d2.latenessCommittedMs.p95, deadlineValid: d2.plannedBeforeDue >= d2.n };
  return {
    one,
    two,
    speedup: {
      assignSingle: ratio(two.assignSingleRate, one.assignSingleRate),
      assignBulk: ratio(two.assignBulkRate, one.assignBulkRate),
      deadlineCommits: ratio(two.deadlineCommitsPerSecond, one.deadlineCommitsPerSecond),
    },
    assignment: b2,
    deadlines: d2,
  };
}
