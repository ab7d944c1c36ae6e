/**
 * (a) Baselines: what bare Temporal does on this machine, in this run, on
 * this server, so every other figure is a ratio against it rather than an
 * absolute time on a machine shared with other work.
 *  - the start-to-complete rate of a no-op workflow, closed loop, 50 clients;
 *  - the round trip of an update to a workflow that echoes it (and of a query);
 *  - the lateness of a bare timer workflow, from its due instant to its
 *    activity's row committed: alone, and as a burst of N due in one second.
 */
import { randomUUID } from 'node:crypto';
import { BENCH_TIMER_TABLE } from './activities';
import { type BenchDb, type CpuReport, type Harness, type Sizes, pool, progress, sleep, watchCommits, type WorkerHandle } from './harness';
import { missingAndDuplicates, rate, summarize, type Summary } from './stats';
import { benchEcho, benchNoop, benchTimer } from './workflows';

export const BASELINE_QUEUE = 'bench-baselines';

export interface TimerBurst {
  n: number;
  dueAt: string;
  /** All started and their timers scheduled before the due instant. */
  startedBeforeDue: boolean;
  /** Due instant to the row first seen committed (poller resolution `pollMs`). */
  latenessCommittedMs: Summary;
  /** Due instant to the row's now() (its transaction's start). */
  latenessCreatedMs: Summary;
  missing: number;
  duplicates: number;
  /** Rows committed per second, from the due instant to the last commit. */
  commitsPerSecond: number;
  pollMs: number;
  cpu: CpuReport;
  samples: number[];
}

export interface BaselineResult {
  worker: { maxCachedWorkflows: number };
  noop: { clients: number; seconds: number; completed: number; failed: number; ratePerSecond: number; latencyMs: Summary; cpu: CpuReport; samples: number[] };
  update: { n: number; latencyMs: Summary; samples: number[] };
  query: { n: number; latencyMs: Summary; samples: number[] };
  timerAlone: { n: number; latenessCommittedMs: Summary; latenessCreatedMs: Summary; samples: number[] };
  timerBurst: TimerBurst;
}

/** Closed loop: `clients` lanes each run the next no-op to completion, for `seconds`. */
async function noopLoop(h: Harness, w: WorkerHandle, sizes: Sizes): Promise<BaselineResult['noop']> {
  const { client, log } = h;
  for (let i = 0; i < 20; i++) await client.workflow.execute(benchNoop, { taskQueue: BASELINE_QUEUE, workflowId: `warm-${i}-${randomUUID()}` });
  const latencies: number[] = [];
  let failed = 0;
  const started = Date.now();
  const end = started + sizes.noopSeconds * 1000;
  let lastDone = started;
  const cpu = h.cpu([w]);
  const ticker = setInterval(() => log.info({ step: 'a.noop', done: latencies.length, seconds: Math.round((Date.now() - started) / 1000), of: sizes.noopSeconds }, 'a. no-op workflows: closed loop'), 5_000);
  try {
    await Promise.all(
      Array.from({ length: sizes.clients }, async (_, lane) => {
        for (let i = 0; Date.now() < end; i++) {
          const t0 = performance.now();
          try {
            await client.workflow.execute(benchNoop, { taskQueue: BASELINE_QUEUE, workflowId: `noop-${lane}-${i}-${randomUUID()}` });
            latencies.push(performance.now() - t0);
            lastDone = Date.now();
          } catch (err) {
            failed += 1;
            if (failed === 1) log.warn({ err }, 'a no-op workflow failed');
          }
        }
      }),
    );
  } finally {
    clearInterval(ticker);
  }
  const report = cpu.stop();
  const elapsed = lastDone - started;
  return { clients: sizes.clients, seconds: elapsed / 1000, completed: latencies.length, failed, ratePerSecond: rate(latencies.length, elapsed), latencyMs: summarize(latencies), cpu: report, samples: latencies };
}

async function echo(h: Harness, sizes: Sizes): Promise<{ update: BaselineResult['update']; query: BaselineResult['query'] }> {
  const handle = await h.client.workflow.start(benchEcho, { taskQueue: BASELINE_QUEUE, workflowId: `echo-${randomUUID()}` });
  for (let i = 0; i < 20; i++) await handle.executeUpdate('echo', { args: [i] });
  const updates: number[] = [];
  const queries: number[] = [];
  const p = progress(h.log, 'a.update-round-trip', sizes.echoCount);
  for (let i = 0; i < sizes.echoCount; i++) {
    const t0 = performance.now();
    const got = await handle.executeUpdate<number, [number]>('echo', { args: [i] });
    updates.push(performance.now() - t0);
    if (got !== i) throw new Error(`echo answered ${got} for ${i}`);
    p.tick();
  }
  p.finish();
  for (let i = 0; i < Math.ceil(sizes.echoCount / 2); i++) {
    const t0 = performance.now();
    await handle.query('last');
    queries.push(performance.now() - t0);
  }
  await handle.signal('stop');
  return { update: { n: updates.length, latencyMs: summarize(updates), samples: updates }, query: { n: queries.length, latencyMs: summarize(queries), samples: queries } };
}

/** Timers one at a time (each due 300 ms after the last): their lateness with nothing else going on. */
async function timersAlone(h: Harness, bdb: BenchDb): Promise<BaselineResult['timerAlone']> {
  const n = 10;
  const base = Date.now() + 1_500;
  const prefix = `alone-${randomUUID()}-`;
  for (let i = 0; i < n; i++) {
    await h.client.workflow.start(benchTimer, { taskQueue: BASELINE_QUEUE, workflowId: `${prefix}${i}`, args: [{ key: `${prefix}${i}`, dueAt: base + i * 300 }] });
  }
  await sleep(base + n * 300 + 700 - Date.now());
  const res = (await bdb.db.raw(
    `select extract(epoch from fired_at) * 1000 - extract(epoch from due_at) * 1000 as late from ${BENCH_TIMER_TABLE} where key like ?`,
    [`${prefix}%`],
  )) as { rows: { late: string }[] };
  const created = res.rows.map((r) => Number(r.late));
  // Alone, the row commits right after its one statement starts: the created time is the committed time.
  return { n: created.length, latenessCommittedMs: summarize(created), latenessCreatedMs: summarize(created), samples: created };
}

/** N bare timer workflows all due in the same second: their lateness to committed rows. */
export async function timerBurst(h: Harness, bdb: BenchDb, workers: WorkerHandle[], n: number, perItemMs: number, taskQueue = BASELINE_QUEUE): Promise<TimerBurst> {
  const { client, log } = h;
  // Enough time to start them all first; then the due instant, on a whole second.
  const marginMs = 4_000 + n * Math.min(1_000, Math.max(10, perItemMs));
  const dueAt = Math.ceil((Date.now() + marginMs) / 1000) * 1000;
  const prefix = `burst-${randomUUID().slice(0, 8)}-`;
  const keys = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const p = progress(log, 'a.timer-burst: starting timer workflows', n);
  const started = await pool(n, 20, async (i) => {
    await client.workflow.start(benchTimer, { taskQueue, workflowId: keys[i] as string, args: [{ key: keys[i] as string, dueAt }] });
    p.tick();
  });
  p.finish();
  if (started.errors) throw new Error(`${started.errors} timer workflows failed to start: ${String(started.firstError)}`);
  const startedBeforeDue = Date.now() < dueAt - 1_000;
  log.info({ step: 'a.timer-burst', n, dueAt: new Date(dueAt).toISOString(), inSeconds: Math.round((dueAt - Date.now()) / 1000) }, 'waiting for the burst');
  await sleep(Math.max(0, dueAt - Date.now() - 500));
  const cpu = h.cpu(workers);
  const watched = await watchCommits(
    bdb.db,
    `select key, extract(epoch from fired_at) * 1000 as created_ms from ${BENCH_TIMER_TABLE} where key like ?`,
    [`${prefix}%`],
    { expected: n, dueAt, until: dueAt + 120_000, onProgress: progressEvery(log, 'a.timer-burst: rows committed', n) },
  );
  const report = cpu.stop();
  return burstResult(n, dueAt, startedBeforeDue, keys, watched, report);
}

/** A progress callback for watchCommits: a line at most every 5 s. */
export function progressEvery(log: Harness['log'], step: string, total: number) {
  let last = 0;
  return (seen: number) => {
    if (Date.now() - last >= 5_000 || seen >= total) {
      last = Date.now();
      log.info({ step, done: seen, total }, `${step}: ${seen}/${total}`);
    }
  };
}

export function burstResult(n: number, dueAt: number, startedBeforeDue: boolean, keys: string[], watched: Awaited<ReturnType<typeof watchCommits>>, cpu: CpuReport): TimerBurst {
  const seen = [...watched.rows.values()];
  const seenKeys: string[] = [];
  for (const [k, c] of watched.counts) for (let i = 0; i < c; i++) seenKeys.push(k);
  const { missing, duplicates } = missingAndDuplicates(keys, seenKeys);
  const lastCommit = Math.max(...seen.map((s) => s.seenMs), 1);
  const committed = seen.map((s) => s.seenMs);
  return {
    n,
    dueAt: new Date(dueAt).toISOString(),
    startedBeforeDue,
    latenessCommittedMs: summarize(committed),
    latenessCreatedMs: summarize(seen.map((s) => s.createdMs)),
    missing,
    duplicates,
    commitsPerSecond: rate(seen.length, lastCommit),
    pollMs: watched.pollMs,
    cpu,
    samples: committed,
  };
}

export async function runBaselines(h: Harness, sizes: Sizes): Promise<BaselineResult> {
  const bdb = await h.database('baselines');
  const w = await h.worker({ name: 'baselines', taskQueue: BASELINE_QUEUE, databaseUrl: bdb.url });
  try {
    h.log.info({ step: 'a.noop', clients: sizes.clients, seconds: sizes.noopSeconds }, 'a. no-op workflow start-to-complete rate, closed loop');
    const noop = await noopLoop(h, w, sizes);
    h.log.info({ step: 'a.noop', ratePerSecond: Math.round(noop.ratePerSecond * 10) / 10, p95Ms: Math.round(noop.latencyMs.p95) }, 'a. no-op rate');
    const { update, query } = await echo(h, sizes);
    h.log.info({ step: 'a.timer-alone' }, 'a. bare timers one at a time');
    const timerAlone = await timersAlone(h, bdb);
    // Starting a timer workflow (one call, one workflow task) costs well under a no-op's start to finish.
    const burst = await timerBurst(h, bdb, [w], sizes.deadlines, 600 / noop.ratePerSecond);
    return { worker: { maxCachedWorkflows: w.maxCachedWorkflows }, noop, update, query, timerAlone, timerBurst: burst };
  } finally {
    await w.stop();
  }
}
