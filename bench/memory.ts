/**
 * (c) N open item workflows held by one worker process: its RSS before and at
 * steady state, and so the memory per cached workflow, with the worker's
 * maxCachedWorkflows (the SDK default, derived from the heap limit, as the
 * product's createWorker leaves it). Then the same items served by a worker
 * whose cache is a tenth of them: its RSS, and what the evictions cost (a
 * state query on every item, each a replay of the item's history).
 */
import { assignItem } from '../api/services/assignments';
import { stateQuery } from '../workflows/definitions';
import { QUIET_WORKING_DAY_MS } from './assignment';
import { leadDepartments, pool, progress, sleep, type CpuReport, type Harness, type Sizes, until, type WorkerHandle } from './harness';
import { partiesFor, seedPlan } from './seed';
import { summarize, type Summary } from './stats';
import type { WorkerStats } from './worker-process';
import { benchEcho, benchNoop } from './workflows';

const MB = 1024 * 1024;

export interface CacheRun {
  maxCachedWorkflows: number;
  cachedAtSteadyState: number;
  rssMb: number;
  /** A state query on every open item, twice; the second pass is the one that counts (the first warms what fits). */
  querySweepMs: Summary;
  sweepSeconds: number;
  cpu: CpuReport;
  samples: number[];
}

export interface MemoryResult {
  items: number;
  startRatePerSecond: number;
  /** The worker warmed up, no workflow cached. */
  baselineRssMb: number;
  /** Idle bare (echo) workflows started first, and what each adds: the SDK's own cost of a cached workflow. */
  bareWorkflows: number;
  rssWithBareMb: number;
  mbPerBareWorkflow: number;
  /** With the bare workflows and the N items cached. */
  steadyRssMb: number;
  cachedWorkflows: number;
  maxCachedWorkflows: number;
  /** (steady RSS − RSS with the bare workflows) / item workflows cached. */
  mbPerCachedWorkflow: number;
  heapUsedDeltaMb: number;
  fullCache: CacheRun;
  smallCache: CacheRun;
}

async function steadyStats(w: WorkerHandle): Promise<WorkerStats> {
  const samples: WorkerStats[] = [];
  for (let i = 0; i < 3; i++) {
    samples.push(await w.stats({ gc: true }));
    await sleep(1_000);
  }
  samples.sort((a, b) => a.rss - b.rss);
  return samples[1] as WorkerStats;
}

async function sweep(h: Harness, w: WorkerHandle, workflowIds: string[], label: string): Promise<CacheRun> {
  const run = async (pass: number) => {
    const latencies: number[] = [];
    const p = progress(h.log, `c.${label}: state query on every item, pass ${pass}`, workflowIds.length);
    const t0 = Date.now();
    const r = await pool(workflowIds.length, 10, async (i) => {
      const q0 = performance.now();
      await h.client.workflow.getHandle(workflowIds[i] as string).query(stateQuery);
      latencies.push(performance.now() - q0);
      p.tick();
    });
    p.finish();
    if (r.errors) h.log.warn({ errors: r.errors, err: r.firstError }, 'some state queries failed');
    return { latencies, seconds: (Date.now() - t0) / 1000 };
  };
  await run(1);
  const cpu = h.cpu([w]);
  const second = await run(2);
  const report = cpu.stop();
  const stats = await steadyStats(w);
  return {
    maxCachedWorkflows: w.maxCachedWorkflows,
    cachedAtSteadyState: stats.numCachedWorkflows,
    rssMb: stats.rss / MB,
    querySweepMs: summarize(second.latencies),
    sweepSeconds: second.seconds,
    cpu: report,
    samples: second.latencies,
  };
}

export async function runMemory(h: Harness, sizes: Sizes): Promise<MemoryResult> {
  const { log } = h;
  const n = sizes.items;
  const taskQueue = 'bench-memory';
  const bdb = await h.database('memory');
  const planCode = 'bench-memory';
  const plan = await seedPlan(bdb.db, { code: planCode, items: n, periodStart: '2016-01-01', periodEnd: '2018-12-31' });
  const departments = await leadDepartments(bdb.db);
  let w = await h.worker({ name: 'memory-default-cache', taskQueue, databaseUrl: bdb.url, workingDayMs: QUIET_WORKING_DAY_MS });
  try {
    // Warm the workflow runtime (bundle loaded, context built) before the baseline.
    for (let i = 0; i < 20; i++) await h.client.workflow.execute(benchNoop, { taskQueue, workflowId: `memory-warm-${i}` });
    const empty = await steadyStats(w);
    log.info({ step: 'c.baseline', rssMb: Math.round(empty.rss / MB), cached: empty.numCachedWorkflows, maxCachedWorkflows: w.maxCachedWorkflows }, 'c. worker RSS before any item');

    // What any open workflow costs the SDK: idle echo workflows (no state, no activities), as many as fit beside the items.
    const bare = Math.max(0, Math.min(n, Math.floor(w.maxCachedWorkflows / 2)));
    const pe = progress(log, 'c.start idle bare workflows', bare);
    await pool(bare, 20, async (i) => {
      await h.client.workflow.start(benchEcho, { taskQueue, workflowId: `memory-echo-${i}` });
      pe.tick();
    });
    pe.finish();
    await until(async () => (await w.stats()).numCachedWorkflows, (c) => c >= bare, 60_000, 500);
    const before = await steadyStats(w);
    const bareMb = bare > 0 ? (before.rss - empty.rss) / bare / MB : Number.NaN;
    log.info({ step: 'c.bare', workflows: bare, rssMb: Math.round(before.rss / MB), mbPerBareWorkflow: Math.round(bareMb * 1000) / 1000 }, 'c. worker RSS with idle bare workflows');

    // The product's assignment service (what the API calls), 20 at a time.
    const p = progress(log, 'c.assign open items', n);
    const t0 = Date.now();
    const workflowIds: string[] = [];
    const started = await pool(n, 20, async (i) => {
      const { workflowId } = await assignItem(
        { client: h.client, db: bdb.db, taskQueue, actor: 'bench', workingDayMs: QUIET_WORKING_DAY_MS },
        { planCode, itemCode: plan.itemCodes[i] as string, ...partiesFor(i, departments), startDate: '2016-03-28' },
      );
      workflowIds.push(workflowId);
      p.tick();
    });
    p.finish();
    if (started.errors) throw new Error(`${started.errors} assignments failed: ${String(started.firstError)}`);
    const startRate = (n * 1000) / (Date.now() - t0);

    // Steady state: every item has planned its acknowledgement window, and the worker is idle.
    await until(
      async () => Number(((await bdb.db('assignments').whereNotNull('next_due_at').count({ n: '*' }).first()) as { n: string }).n),
      (c) => c >= n,
      120_000,
    );
    await sleep(3_000);
    const after = await steadyStats(w);
    const cached = after.numCachedWorkflows - before.numCachedWorkflows;
    const perWorkflow = cached > 0 ? (after.rss - before.rss) / cached / MB : Number.NaN;
    log.info({ step: 'c.steady', items: n, rssMb: Math.round(after.rss / MB), cached, maxCachedWorkflows: w.maxCachedWorkflows, mbPerCachedWorkflow: Math.round(perWorkflow * 1000) / 1000 }, 'c. worker RSS at steady state');
    const fullCache = await sweep(h, w, workflowIds, `cache ${w.maxCachedWorkflows}`);
    await w.stop();

    // The same items, with a cache a tenth of their number.
    const small = Math.max(2, Math.floor(n / 10));
    w = await h.worker({ name: 'memory-small-cache', taskQueue, databaseUrl: bdb.url, workingDayMs: QUIET_WORKING_DAY_MS, maxCachedWorkflows: small });
    const smallCache = await sweep(h, w, workflowIds, `cache ${small}`);
    return {
      items: n,
      startRatePerSecond: startRate,
      baselineRssMb: empty.rss / MB,
      bareWorkflows: bare,
      rssWithBareMb: before.rss / MB,
      mbPerBareWorkflow: bareMb,
      steadyRssMb: after.rss / MB,
      cachedWorkflows: cached,
      maxCachedWorkflows: fullCache.maxCachedWorkflows,
      mbPerCachedWorkflow: perWorkflow,
      heapUsedDeltaMb: (after.heapUsed - before.heapUsed) / MB,
      fullCache,
      smallCache,
    };
  } finally {
    await w.stop();
  }
}
