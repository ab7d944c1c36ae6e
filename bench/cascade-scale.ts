/**
 * `npm run bench:cascade` — issue 12, point 4: the default plan cascaded in
 * full. Every item of the default plan is assigned (lead: its proposal's
 * lead) and cascaded to all 17 cities through the HTTP API (createApp, in
 * this process, a real secretariat token), on a fresh Temporal dev server and
 * PostgreSQL (DATABASE_URL's, or an embedded one), with the product's worker
 * in its own process (bench/worker-process.ts) whose RSS is sampled all
 * along. On a quiet working day (an hour) nothing falls due during the run.
 *
 * Once every workflow runs and every assignment row exists (items + items ×
 * cities): the worker's RSS (max and at rest), the time to assign and to
 * cascade, workflows per second, and p50/p95/p99 of the board, the items
 * list, the cities and the scorecard, with /healthz as the bare baseline on
 * the same server. Writes bench/results/<date>-cascade.json and prints a
 * table; everything is taken down at the end, also on Ctrl-C.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../platform/config';
import { createLogger } from '../platform/logger';
import { ITEM_WORKFLOW_TYPE } from '../workflows/definitions';
import { QUIET_WORKING_DAY_MS } from './assignment';
import { Harness, Interruption, pool, progress, sleep, timeRoute, until, type CpuReport, type WorkerHandle } from './harness';
import { rate, round, roundSummary, summarize, type Summary } from './stats';
import type { WorkerStats } from './worker-process';
import { benchNoop } from './workflows';

const MB = 1024 * 1024;
/** Items cascaded at once (each cascade starts 17 child workflows). */
const CASCADE_CLIENTS = 4;
const REQUESTS_PER_ROUTE = Number(process.env.BENCH_CASCADE_REQUESTS ?? 50);
const START_DATE = '2016-03-28';
const TASK_QUEUE = 'bench-cascade';
/** Attempts of one write answered 503 (Retry-After waited out between them). */
const WRITE_ATTEMPTS = 8;

interface RouteFigure {
  name: string;
  path: string;
  bare: boolean;
  errors: number;
  status: number;
  bytes: number;
  latencyMs: Summary;
}

interface CascadeScaleResult {
  startedAt: string;
  finishedAt?: string;
  cores: number;
  plan: string;
  items: number;
  cities: number;
  expectedWorkflows: number;
  workingDayMs: number;
  worker: {
    maxCachedWorkflows: number;
    cachedAtRest?: number;
    baselineRssMb?: number;
    maxRssMb?: number;
    restRssMb?: number;
    restHeapUsedMb?: number;
    rssSamples: number;
  };
  assign?: { seconds: number; ratePerSecond: number; failures: Record<string, number> };
  cascade?: { seconds: number; requestsSeconds: number; sharesPerSecond: number; failures: Record<string, number>; started: number; existing: number };
  total?: { seconds: number; workflowsPerSecond: number };
  rows?: { assignments: number; shares: number };
  running?: { count: number; ok: boolean; how: string };
  cpu?: CpuReport;
  routes: RouteFigure[];
  errors?: string[];
}

/** A write to the API, retried on 503 after its Retry-After (the same Idempotency-Key, so a retry attaches to the first attempt). */
async function write(url: string, token: string, key: string, json: unknown, failures: Record<string, number>): Promise<{ status: number; body: unknown }> {
  let last: { status: number; body: unknown } = { status: 0, body: undefined };
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(json) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      // not JSON: kept as text for the error message
    }
    last = { status: res.status, body };
    if (res.status !== 503) return last;
    failures['503'] = (failures['503'] ?? 0) + 1;
    const after = Number(res.headers.get('retry-after') ?? 1);
    await sleep(Math.max(0.2, Number.isFinite(after) ? after : 1) * 1000);
  }
  return last;
}

/** The worker's RSS every second while `sampling` (no GC forced: what the process really holds). */
function rssSampler(w: WorkerHandle) {
  const samples: WorkerStats[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      try {
        samples.push(await w.stats());
      } catch {
        // a missed sample
      }
      await sleep(1_000);
    }
  })();
  return {
    samples,
    max: () => samples.reduce((m, s) => Math.max(m, s.rss), 0),
    async stop() {
      on = false;
      await loop;
    },
  };
}

/** The median of three GC'd samples a second apart: the worker at rest. */
async function atRest(w: WorkerHandle): Promise<WorkerStats> {
  const s: WorkerStats[] = [];
  for (let i = 0; i < 3; i++) {
    s.push(await w.stats({ gc: true }));
    await sleep(1_000);
  }
  return s.sort((a, b) => a.rss - b.rss)[1] as WorkerStats;
}

const fmt = (v: number | null | undefined, d = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));

function table(r: CascadeScaleResult): string {
  const lines: string[] = [];
  lines.push(`cascade scale: ${r.plan}, ${r.items} items × ${r.cities} cities = ${r.expectedWorkflows} workflows, ${r.cores} cores, working day ${r.workingDayMs} ms`);
  lines.push('');
  const kv: [string, string][] = [
    ['workflows running / expected', `${r.running?.count ?? '—'} / ${r.expectedWorkflows} (${r.running?.how ?? '—'})`],
    ['assignment rows (parents + shares)', r.rows ? `${r.rows.assignments} (${r.rows.assignments - r.rows.shares} + ${r.rows.shares})` : '—'],
    ['assign 56 items (s, items/s)', r.assign ? `${fmt(r.assign.seconds)} s, ${fmt(r.assign.ratePerSecond)}/s` : '—'],
    ['cascade to cities (s, shares/s)', r.cascade ? `${fmt(r.cascade.seconds)} s, ${fmt(r.cascade.sharesPerSecond)}/s (requests answered in ${fmt(r.cascade.requestsSeconds)} s)` : '—'],
    ['all workflows (s, workflows/s)', r.total ? `${fmt(r.total.seconds)} s, ${fmt(r.total.workflowsPerSecond)}/s` : '—'],
    ['503 retries (assign / cascade)', `${r.assign?.failures['503'] ?? 0} / ${r.cascade?.failures['503'] ?? 0}`],
    ['worker RSS before items (MB)', fmt(r.worker.baselineRssMb, 0)],
    ['worker RSS max during run (MB)', fmt(r.worker.maxRssMb, 0)],
    ['worker RSS at rest (MB, after GC)', `${fmt(r.worker.restRssMb, 0)} (heap used ${fmt(r.worker.restHeapUsedMb, 0)})`],
    ['workflows cached / maxCachedWorkflows', `${r.worker.cachedAtRest ?? '—'} / ${r.worker.maxCachedWorkflows}`],
    ['CPU s (workers / temporal / postgres / api)', r.cpu ? `${fmt(r.cpu.cpuSeconds.workers)} / ${fmt(r.cpu.cpuSeconds.temporal)} / ${fmt(r.cpu.cpuSeconds.postgres)} / ${fmt(r.cpu.cpuSeconds.driverAndApi)} of ${fmt(r.cpu.wallSeconds)} s wall, machine ${Math.round((r.cpu.machineBusyShare ?? 0) * 100)}% busy` : '—'],
  ];
  const w = Math.max(...kv.map(([k]) => k.length));
  for (const [k, v] of kv) lines.push(`${k.padEnd(w)}  ${v}`);
  lines.push('');
  const head = ['route', 'n', 'err', 'KB', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'];
  const rows = r.routes.map((x) => [x.name, String(x.latencyMs.n), String(x.errors), fmt(x.bytes / 1024, 0), fmt(x.latencyMs.p50), fmt(x.latencyMs.p95), fmt(x.latencyMs.p99), fmt(x.latencyMs.max)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  lines.push(line(head));
  lines.push(widths.map((n) => '-'.repeat(n)).join('  '));
  for (const row of rows) lines.push(line(row));
  if (r.errors?.length) lines.push('', ...r.errors.map((e) => `error: ${e}`));
  return lines.join('\n');
}

const interruption = new Interruption();

async function main(): Promise<void> {
  const log = createLogger({ name: 'bench-cascade', level: process.env.LOG_LEVEL ?? 'info' });
  const started = new Date();
  const h = new Harness(log);
  interruption.watch(h, 'the worker, servers and database');

  const result: CascadeScaleResult = {
    startedAt: started.toISOString(),
    cores: os.cpus().length,
    plan: '',
    items: 0,
    cities: 0,
    expectedWorkflows: 0,
    workingDayMs: QUIET_WORKING_DAY_MS,
    worker: { maxCachedWorkflows: 0, rssSamples: 0 },
    routes: [],
  };
  const fail = (what: string) => {
    result.errors = [...(result.errors ?? []), what];
    log.error({ error: what }, 'cascade scale: something went wrong');
  };
  let sampler: ReturnType<typeof rssSampler> | undefined;
  try {
    await h.start();
    const bdb = await h.database('cascade');
    const db = bdb.db;

    // The default plan (the bench template's) and each item's proposed lead and co-operating departments.
    const plan = (await db('plans').orderBy('id').first('id', 'code')) as { id: number; code: string };
    const cities = (await db('departments').where('kind', 'city').orderBy('code').pluck('code')) as string[];
    const proposals = (await db('items as i')
      .join('item_owner_proposals as p', 'p.item_id', 'i.id')
      .join('departments as d', 'd.id', 'p.department_id')
      .where('i.plan_id', plan.id)
      .whereNull('i.retired_at')
      .orderBy(['i.action_id', 'i.measure_id', 'i.seq', 'd.code'])
      .select('i.code as item', 'p.role', 'd.code as department', 'd.kind')) as { item: string; role: string; department: string; kind: string }[];
    const byItem = new Map<string, { lead?: string; cooperating: string[] }>();
    for (const p of proposals) {
      const e = byItem.get(p.item) ?? { cooperating: [] };
      if (p.role === 'lead') e.lead = p.department;
      // A city co-operating on an item could not also get a share of it: the cities come in by the cascade only.
      else if (p.kind !== 'city') e.cooperating.push(p.department);
      byItem.set(p.item, e);
    }
    const items = [...byItem.entries()].filter(([, e]) => e.lead !== undefined).map(([code, e]) => ({ code, lead: e.lead as string, cooperating: e.cooperating }));
    result.plan = plan.code;
    result.items = items.length;
    result.cities = cities.length;
    result.expectedWorkflows = items.length * (1 + cities.length);
    log.info({ plan: plan.code, items: items.length, cities: cities.length, workflows: result.expectedWorkflows }, 'cascade scale: the default plan, every item to every city');

    const w = await h.worker({ name: 'cascade', taskQueue: TASK_QUEUE, databaseUrl: bdb.url, workingDayMs: QUIET_WORKING_DAY_MS });
    result.worker.maxCachedWorkflows = w.maxCachedWorkflows;
    const api = await h.api(bdb, { taskQueue: TASK_QUEUE, workingDayMs: QUIET_WORKING_DAY_MS, log: log.child({ component: 'api' }, { level: 'error' }) });
    const token = await api.token('secretariat');

    // Warm the workflow runtime before the baseline, as (c) does.
    for (let i = 0; i < 20; i++) await h.client.workflow.execute(benchNoop, { taskQueue: TASK_QUEUE, workflowId: `cascade-warm-${i}` });
    const baseline = await atRest(w);
    result.worker.baselineRssMb = baseline.rss / MB;
    log.info({ rssMb: Math.round(baseline.rss / MB), maxCachedWorkflows: w.maxCachedWorkflows }, 'cascade scale: worker RSS before any item');

    const rows = async () => {
      const res = (await db.raw('select count(*)::int as n, count(parent_assignment_id)::int as shares from assignments')) as { rows: { n: number; shares: number }[] };
      const r = res.rows[0] ?? { n: 0, shares: 0 };
      return { assignments: r.n, shares: r.shares };
    };

    sampler = rssSampler(w);
    const cpu = h.cpu([w]);
    const t0 = Date.now();

    // 1. Assign every item, CASCADE_CLIENTS at a time.
    const assignFailures: Record<string, number> = {};
    const pa = progress(log, 'assign the plan', items.length);
    const assigned = await pool(items.length, CASCADE_CLIENTS, async (i) => {
      const it = items[i] as (typeof items)[number];
      const r = await write(`${api.url}/api/v1/plans/${plan.code}/items/${it.code}/assign`, token, `bench-assign-${it.code}`, { lead: it.lead, cooperating: it.cooperating, startDate: START_DATE }, assignFailures);
      const ok = r.status === 201 || r.status === 409;
      if (r.status !== 201) assignFailures[String(r.status)] = (assignFailures[String(r.status)] ?? 0) + 1;
      pa.tick(1, ok);
      if (!ok) throw new Error(`assign ${it.code}: ${r.status} ${JSON.stringify(r.body)}`);
    });
    pa.finish();
    if (assigned.errors) fail(`${assigned.errors} assignments failed: ${String(assigned.firstError)}`);
    const tAssigned = Date.now();
    result.assign = { seconds: (tAssigned - t0) / 1000, ratePerSecond: rate(items.length - assigned.errors, tAssigned - t0), failures: assignFailures };

    // 2. Cascade every item to all the cities, CASCADE_CLIENTS items at a time.
    const cascadeFailures: Record<string, number> = {};
    let startedShares = 0;
    let existingShares = 0;
    const pc = progress(log, 'cascade to the cities', items.length);
    const cascaded = await pool(items.length, CASCADE_CLIENTS, async (i) => {
      const it = items[i] as (typeof items)[number];
      const r = await write(`${api.url}/api/v1/plans/${plan.code}/items/${it.code}/cascade`, token, `bench-cascade-${it.code}`, { cities: cities.map((code) => ({ code })) }, cascadeFailures);
      if (r.status !== 200) {
        cascadeFailures[String(r.status)] = (cascadeFailures[String(r.status)] ?? 0) + 1;
        pc.tick(1, false);
        throw new Error(`cascade ${it.code}: ${r.status} ${JSON.stringify(r.body)}`);
      }
      const body = r.body as { started: string[]; existing: string[] };
      startedShares += body.started.length;
      existingShares += body.existing.length;
      pc.tick();
    });
    pc.finish();
    if (cascaded.errors) fail(`${cascaded.errors} cascades failed: ${String(cascaded.firstError)}`);
    const tCascadeAnswered = Date.now();

    // 3. Every share's assignment row (written by its own workflow once started).
    const expectedShares = items.length * cities.length;
    const pr = progress(log, 'assignment rows', result.expectedWorkflows);
    let seen = 0;
    const done = await until(
      async () => {
        const r = await rows();
        pr.tick(r.assignments - seen);
        seen = r.assignments;
        return r;
      },
      (r) => r.assignments >= result.expectedWorkflows,
      15 * 60_000,
      500,
    );
    pr.finish();
    const tRows = Date.now();
    result.rows = done.value;
    if (!done.ok) fail(`only ${done.value.assignments} of ${result.expectedWorkflows} assignment rows after 15 minutes`);
    result.cascade = {
      seconds: (tRows - tAssigned) / 1000,
      requestsSeconds: (tCascadeAnswered - tAssigned) / 1000,
      sharesPerSecond: rate(done.value.shares, tRows - tAssigned),
      failures: cascadeFailures,
      started: startedShares,
      existing: existingShares,
    };
    result.total = { seconds: (tRows - t0) / 1000, workflowsPerSecond: rate(done.value.assignments, tRows - t0) };
    log.info({ ...result.rows, expectedShares, cascadeSeconds: round(result.cascade.seconds, 1), totalSeconds: round(result.total.seconds, 1), workflowsPerSecond: round(result.total.workflowsPerSecond, 1) }, 'cascade scale: every assignment row is in');

    // 4. Every workflow running, by Temporal's visibility (eventually consistent: polled), or else by describing each.
    const query = `WorkflowType = "${ITEM_WORKFLOW_TYPE}" AND ExecutionStatus = "Running"`;
    try {
      const running = await until(async () => Number((await h.client.workflow.count(query)).count), (n) => n >= result.expectedWorkflows, 60_000, 1_000);
      result.running = { count: running.value, ok: running.ok, how: 'visibility count' };
    } catch (err) {
      log.warn({ err }, 'visibility count failed: describing every workflow instead');
      const ids = (await db('assignments').pluck('workflow_id')) as string[];
      let n = 0;
      await pool(ids.length, 10, async (i) => {
        const d = await h.client.workflow.getHandle(ids[i] as string).describe();
        if (d.status.name === 'RUNNING') n += 1;
      });
      result.running = { count: n, ok: n >= result.expectedWorkflows, how: 'describe each' };
    }
    if (!result.running.ok) fail(`${result.running.count} of ${result.expectedWorkflows} workflows running`);
    log.info(result.running, 'cascade scale: workflows running');

    // The worker settles (every share has planned its acknowledgement window), then at rest.
    await until(
      async () => Number(((await db('assignments').whereNotNull('next_due_at').count({ n: '*' }).first()) as { n: string }).n),
      (c) => c >= result.expectedWorkflows,
      60_000,
      1_000,
    );
    await sleep(5_000);
    await sampler.stop();
    result.cpu = cpu.stop();
    result.worker.maxRssMb = sampler.max() / MB;
    result.worker.rssSamples = sampler.samples.length;
    const rest = await atRest(w);
    result.worker.restRssMb = rest.rss / MB;
    result.worker.restHeapUsedMb = rest.heapUsed / MB;
    result.worker.cachedAtRest = rest.numCachedWorkflows;
    log.info({ baselineRssMb: Math.round(baseline.rss / MB), maxRssMb: Math.round(result.worker.maxRssMb), restRssMb: Math.round(rest.rss / MB), cached: rest.numCachedWorkflows, maxCachedWorkflows: w.maxCachedWorkflows }, 'cascade scale: worker memory');

    // 5. Read routes at this size, one request at a time, as a secretariat user; /healthz the bare baseline.
    const routes = [
      { name: 'bare: /healthz', path: '/healthz', auth: false },
      { name: 'board summary', path: '/api/v1/board/summary', auth: true },
      { name: 'items list (pageSize=50)', path: `/api/v1/plans/${plan.code}/items?pageSize=50`, auth: true },
      { name: 'cities', path: '/api/v1/cities', auth: true },
      { name: 'scorecard', path: '/api/v1/scorecard', auth: true },
    ];
    const pl = progress(log, 'read routes', routes.length * REQUESTS_PER_ROUTE);
    for (const r of routes) {
      const url = `${api.url}${r.path}`;
      const auth = r.auth ? token : undefined;
      const { status, bytes, errors, latencies } = await timeRoute(url, auth, REQUESTS_PER_ROUTE, () => pl.tick());
      if (status !== 200) fail(`${r.name} answers ${status}`);
      const fig: RouteFigure = { name: r.name, path: r.path, bare: !r.auth, errors, status, bytes, latencyMs: summarize(latencies) };
      log.info({ route: r.name, p50: round(fig.latencyMs.p50, 1), p95: round(fig.latencyMs.p95, 1), p99: round(fig.latencyMs.p99, 1), kb: Math.round(bytes / 1024) }, `route ${r.name}`);
      result.routes.push(fig);
    }
    pl.finish();
  } catch (err) {
    if (interruption.promise) throw err;
    fail(err instanceof Error ? err.message : String(err));
  } finally {
    if (sampler) {
      await sampler.stop();
      result.worker.maxRssMb ??= sampler.max() / MB;
      result.worker.rssSamples = sampler.samples.length;
    }
    result.finishedAt = new Date().toISOString();
    if (!interruption.promise) {
      const dir = path.join(projectRoot, 'bench', 'results');
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${started.toISOString().slice(0, 19).replace(/:/g, '-')}-cascade.json`);
      const json = {
        ...result,
        worker: Object.fromEntries(Object.entries(result.worker).map(([k, v]) => [k, typeof v === 'number' && k.endsWith('Mb') ? round(v, 1) : v])),
        routes: result.routes.map((r) => ({ ...r, latencyMs: roundSummary(r.latencyMs) })),
      };
      fs.writeFileSync(file, `${JSON.stringify(json, null, 1)}\n`);
      process.stdout.write(`\n${table(result)}\n\n`);
      log.info({ json: path.relative(projectRoot, file), minutes: Math.round((Date.now() - started.getTime()) / 6000) / 10 }, 'cascade scale: results written');
      await h.stop();
      log.info('cascade scale: everything stopped and dropped');
      log.flush();
    }
  }
  if (result.errors?.length) process.exitCode = 1;
}

main().then(
  async () => {
    if (interruption.promise) await interruption.promise;
    process.exit(process.exitCode ?? 0);
  },
  async (err: unknown) => {
    if (interruption.promise) return interruption.promise;
    process.stderr.write(`bench:cascade failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
