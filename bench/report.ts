/**
 * The run's results: the JSON file (every figure, its ratio to the baseline,
 * and the targets, reported, not asserted) and the summary table printed at
 * the end; for `--target cluster`, (b) and (d) on the dev server and on the
 * production-like server side by side, with their ratios.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../platform/config';
import type { Logger } from '../platform/logger';
import type { AssignmentResult } from './assignment';
import type { BaselineResult } from './baselines';
import { ROUTE_TARGET_P95_MS, type BoardResult } from './board';
import type { DeadlineResult } from './deadlines';
import type { Harness, Sizes, Target } from './harness';
import type { HistoryResult } from './history';
import type { MemoryResult } from './memory';
import type { ScaleOutResult } from './scale-out';
import { ratio, round } from './stats';

export interface Results {
  startedAt: string;
  finishedAt?: string;
  quick: boolean;
  sizes: Sizes;
  a?: BaselineResult;
  b?: AssignmentResult;
  c?: MemoryResult;
  d?: DeadlineResult;
  e?: BoardResult;
  f?: HistoryResult;
  g?: ScaleOutResult;
  errors?: Record<string, string>;
}

export interface TargetCheck {
  figure: string;
  what: string;
  value: number | null;
  target: string;
  met: boolean | null;
}

/** The issue's targets, each checked against this run's figures (null: not measured in this run). */
export function targets(r: Results): TargetCheck[] {
  const out: TargetCheck[] = [];
  const noop = r.a?.noop.ratePerSecond ?? Number.NaN;
  const check = (figure: string, what: string, value: number, target: string, met: (v: number) => boolean) =>
    out.push({ figure, what, value: round(value, 3), target, met: Number.isFinite(value) ? met(value) : null });
  check('b', 'single-item assignment rate / no-op rate', ratio(r.b?.single.ratePerSecond ?? Number.NaN, noop), '≥ 0.5', (v) => v >= 0.5);
  check('b', 'bulk assignment rate / no-op rate', ratio(r.b?.bulk.ratePerSecond ?? Number.NaN, noop), '≥ 0.5', (v) => v >= 0.5);
  check('c', 'MB per cached workflow', r.c?.mbPerCachedWorkflow ?? Number.NaN, '≤ 0.5 MB', (v) => v <= 0.5);
  const bareP95 = r.a?.timerBurst.latenessCommittedMs.p95 ?? Number.NaN;
  check('d', 'reminder lateness p95 − bare timer burst p95 (ms)', (r.d?.latenessCommittedMs.p95 ?? Number.NaN) - bareP95, '≤ 1000 ms', (v) => v <= 1000);
  check('d', 'missing reminders', r.d?.missing ?? Number.NaN, '0', (v) => v === 0);
  check('d', 'duplicate reminders', r.d?.duplicates ?? Number.NaN, '0', (v) => v === 0);
  for (const route of r.e?.routes ?? []) {
    if (route.bare) continue;
    check('e', `${route.name} p95 (ms) at ${r.e?.seeded.items} items`, route.latencyMs.p95, `≤ ${ROUTE_TARGET_P95_MS} ms`, (v) => v <= ROUTE_TARGET_P95_MS);
  }
  check('g', 'two workers / one, single-item assignment rate', r.g?.speedup.assignSingle ?? Number.NaN, '≥ 1.6', (v) => v >= 1.6);
  check('g', 'two workers / one, bulk assignment rate', r.g?.speedup.assignBulk ?? Number.NaN, '≥ 1.6', (v) => v >= 1.6);
  return out;
}

/** Every number rounded, the raw samples dropped (the chart has them). */
function strip(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? v : round(v, 3);
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'samples').map(([k, x]) => [k, strip(x)]));
  return v;
}

/** Rounds every number, drops the raw samples (the chart has them), adds the ratios and the target checks. */
export function toJson(r: Results): unknown {
  const noop = r.a?.noop.ratePerSecond ?? Number.NaN;
  const healthz = r.e?.routes.find((x) => x.path === '/healthz')?.latencyMs.p95 ?? Number.NaN;
  return strip({
    ...r,
    ratios: {
      note: 'every ratio is against the bare-Temporal baselines (a) or the bare route (e) measured in this same run',
      assignSingleToNoop: ratio(r.b?.single.ratePerSecond ?? Number.NaN, noop),
      assignBulkToNoop: ratio(r.b?.bulk.ratePerSecond ?? Number.NaN, noop),
      reminderP95ToBareTimerP95: ratio(r.d?.latenessCommittedMs.p95 ?? Number.NaN, r.a?.timerBurst.latenessCommittedMs.p95 ?? Number.NaN),
      reminderCommitRateToBareTimer: ratio(r.d?.commitsPerSecond ?? Number.NaN, r.a?.timerBurst.commitsPerSecond ?? Number.NaN),
      routeP95ToHealthzP95: Object.fromEntries((r.e?.routes ?? []).map((x) => [x.name, ratio(x.latencyMs.p95, healthz)])),
      // Load-independent: CPU of the bench's own processes (workers, Temporal, PostgreSQL, driver+API) per item done.
      cpuMsPerNoop: cpuPerItem(r.a?.noop.cpu, r.a?.noop.completed),
      cpuMsPerAssignSingle: cpuPerItem(r.b?.single.cpu, r.b?.single.ok),
      cpuMsPerAssignBulk: cpuPerItem(r.b?.bulk.cpu, r.b?.bulk.ok),
      noopToAssignSingleCpu: ratio(cpuPerItem(r.a?.noop.cpu, r.a?.noop.completed), cpuPerItem(r.b?.single.cpu, r.b?.single.ok)),
      cpuMsPerBareTimer: cpuPerItem(r.a?.timerBurst.cpu, r.a?.timerBurst.n),
      cpuMsPerReminder: cpuPerItem(r.d?.cpu, r.d?.n),
      smallCacheQueryP95ToDefaultCache: ratio(r.c?.smallCache.querySweepMs.p95 ?? Number.NaN, r.c?.fullCache.querySweepMs.p95 ?? Number.NaN),
    },
    targets: targets(r),
  });
}

const BENCH_PROCESSES = ['workers', 'temporal', 'postgres', 'driverAndApi'];

/** CPU ms of the bench's own processes (not the rest of the machine), or of some of their groups, per item, over a phase. */
function cpuPerItem(cpu: { cpuSeconds: Record<string, number> } | undefined, items: number | undefined, groups = BENCH_PROCESSES): number {
  if (!cpu || !items) return Number.NaN;
  return (groups.reduce((sum, g) => sum + (cpu.cpuSeconds[g] ?? 0), 0) * 1000) / items;
}

const f = (v: number | null | undefined, d = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));
const ms = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`);

/** The table printed at the end of the run: each figure, its baseline, its ratio, its target. */
export function summaryTable(r: Results): string {
  const rows: string[][] = [['fig', 'figure', 'value', 'baseline (same run)', 'ratio', 'target', 'met']];
  const add = (fig: string, what: string, value: string, baseline = '', rat = '', target = '', met: boolean | null | '' = '') =>
    rows.push([fig, what, value, baseline, rat, target, met === '' ? '' : met === null ? '—' : met ? 'yes' : 'NO']);
  const a = r.a;
  if (a) {
    add('a', `no-op workflow start→complete, ${a.noop.clients} clients`, `${f(a.noop.ratePerSecond)}/s`, `p50 ${ms(a.noop.latencyMs.p50)} p95 ${ms(a.noop.latencyMs.p95)}`);
    add('a', 'update round trip (echo workflow)', `p50 ${ms(a.update.latencyMs.p50)} p95 ${ms(a.update.latencyMs.p95)}`, `query p50 ${ms(a.query.latencyMs.p50)}`);
    add('a', 'bare timer lateness, alone', `p50 ${ms(a.timerAlone.latenessCommittedMs.p50)} p95 ${ms(a.timerAlone.latenessCommittedMs.p95)}`, `max ${ms(a.timerAlone.latenessCommittedMs.max)}`);
    const t = a.timerBurst;
    add('a', `bare timer lateness, ${t.n} due in 1 s`, `p50 ${ms(t.latenessCommittedMs.p50)} p95 ${ms(t.latenessCommittedMs.p95)}`, `max ${ms(t.latenessCommittedMs.max)}, ${f(t.commitsPerSecond)}/s`, '', '', '');
  }
  const noop = a?.noop.ratePerSecond ?? Number.NaN;
  const checks = targets(r);
  const met = (figure: string, what: string) => checks.find((c) => c.figure === figure && c.what.startsWith(what))?.met ?? null;
  if (r.b) {
    add('b', `assign via API, 1 item/request, ${r.b.clients} clients`, `${f(r.b.single.ratePerSecond)}/s`, `no-op ${f(noop)}/s`, `${f(ratio(r.b.single.ratePerSecond, noop), 2)}×`, '≥ 0.5×', met('b', 'single'));
    add('b', `assign via API, bulk ${r.b.bulk.batch}/request`, `${f(r.b.bulk.ratePerSecond)}/s`, `no-op ${f(noop)}/s`, `${f(ratio(r.b.bulk.ratePerSecond, noop), 2)}×`, '≥ 0.5×', met('b', 'bulk'));
    add('b', 'CPU of bench processes per item: no-op / assignment', `${f(cpuPerItem(r.a?.noop.cpu, r.a?.noop.completed), 0)} ms / ${f(cpuPerItem(r.b.single.cpu, r.b.single.ok), 0)} ms`, 'load-independent', `${f(ratio(cpuPerItem(r.a?.noop.cpu, r.a?.noop.completed), cpuPerItem(r.b.single.cpu, r.b.single.ok)), 2)}×`);
    const o = r.b.oneItem;
    add('b', 'one assignment in Temporal: history of an item at rest', `${o.events} events: ${o.workflowTasks} workflow tasks, ${o.byType.MARKER_RECORDED ?? 0} markers, ${o.byType.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES ?? 0} SA upserts`, `activities ${Object.entries(o.activities).map(([k, v]) => `${k}×${v}`).join(' ')}`, '', 'no-op: 5 events, 1 task');
    add('b', 'answers other than 201, single / bulk (by status)', `${JSON.stringify(r.b.single.failures)} / ${JSON.stringify(r.b.bulk.failures)}`, `not assigned: ${r.b.single.failed} / ${r.b.bulk.failed}`);
  }
  if (r.c) {
    add('c', `${r.c.items} open items: worker RSS`, `${f(r.c.steadyRssMb)} MB`, `${f(r.c.baselineRssMb)} MB empty`, '', '', '');
    // A worker's RSS moves by ±20 MB on its own: below ~50 MB of growth the per-workflow figure is noise.
    const noisy = r.c.steadyRssMb - r.c.baselineRssMb < 50 ? ' (NOISY: too few workflows for RSS)' : '';
    add('c', `memory per idle bare workflow (${r.c.bareWorkflows} echo workflows)${noisy}`, `${f(r.c.mbPerBareWorkflow, 3)} MB`, 'the SDK alone', '', '', '');
    add('c', `memory per cached item workflow (maxCachedWorkflows ${r.c.maxCachedWorkflows}, cached ${r.c.cachedWorkflows})${noisy}`, `${f(r.c.mbPerCachedWorkflow, 3)} MB`, '', '', '≤ 0.5 MB', met('c', 'MB'));
    add('c', `cache ${r.c.smallCache.maxCachedWorkflows} < ${r.c.items} items: query p50/p95, RSS`, `${ms(r.c.smallCache.querySweepMs.p50)} / ${ms(r.c.smallCache.querySweepMs.p95)}, ${f(r.c.smallCache.rssMb)} MB`, `cache ${r.c.fullCache.maxCachedWorkflows}: ${ms(r.c.fullCache.querySweepMs.p50)} / ${ms(r.c.fullCache.querySweepMs.p95)}`, `${f(ratio(r.c.smallCache.querySweepMs.p95, r.c.fullCache.querySweepMs.p95), 1)}×`);
  }
  if (r.d) {
    const bare = a?.timerBurst.latenessCommittedMs;
    add('d', `${r.d.n} reminders due in 1 s: due→row committed${r.d.plannedBeforeDue < r.d.n ? ' (NOT VALID)' : ''}`, `p50 ${ms(r.d.latenessCommittedMs.p50)} p95 ${ms(r.d.latenessCommittedMs.p95)} max ${ms(r.d.latenessCommittedMs.max)}`, `bare p95 ${ms(bare?.p95)}`, `${f(ratio(r.d.latenessCommittedMs.p95, bare?.p95 ?? Number.NaN), 1)}×`, '≤ bare + 1 s', met('d', 'reminder lateness'));
    add('d', 'missing / duplicate reminders', `${r.d.missing} / ${r.d.duplicates}`, r.d.plannedBeforeDue < r.d.n ? `only ${r.d.plannedBeforeDue} planned in time` : '', '', '0 / 0', (met('d', 'missing') ?? false) && (met('d', 'duplicate') ?? false));
  }
  if (r.e) {
    const healthz = r.e.routes.find((x) => x.path === '/healthz')?.latencyMs.p95 ?? Number.NaN;
    for (const route of r.e.routes) {
      add(
        'e',
        `${route.name} (${r.e.seeded.items} items, ${r.e.seeded.reports} reports)`,
        `${ms(route.latencyMs.p50)} / ${ms(route.latencyMs.p95)} / ${ms(route.latencyMs.p99)}`,
        route.bare ? 'bare route' : `/healthz p95 ${ms(healthz)}`,
        route.bare ? '' : `${f(ratio(route.latencyMs.p95, healthz), 0)}×`,
        route.bare ? '' : `p95 ≤ ${ROUTE_TARGET_P95_MS} ms`,
        route.bare ? '' : route.latencyMs.p95 <= ROUTE_TARGET_P95_MS,
      );
    }
  }
  if (r.f) {
    add('f', `one item, ${r.f.simulatedYears} simulated years (${r.f.periods} periods, ${r.f.runs} runs)`, `${r.f.totalEvents} events, ${f(r.f.totalBytes / 1024)} KB`, `largest run ${r.f.largestRunEvents} ev / ${f(r.f.largestRunBytes / 1024)} KB`, '', 'report only');
  }
  if (r.g) {
    add('g', '2 workers / 1: single-item assignment rate', `${f(r.g.two.assignSingleRate)}/s`, `${f(r.g.one.assignSingleRate)}/s`, `${f(r.g.speedup.assignSingle, 2)}×`, '≥ 1.6×', met('g', 'two workers / one, single'));
    add('g', '2 workers / 1: bulk assignment rate', `${f(r.g.two.assignBulkRate)}/s`, `${f(r.g.one.assignBulkRate)}/s`, `${f(r.g.speedup.assignBulk, 2)}×`, '≥ 1.6×', met('g', 'two workers / one, bulk'));
    const valid = r.g.one.deadlineValid && r.g.two.deadlineValid ? '' : ' (NOT VALID: not every item was planned before the due instant)';
    add('g', `2 workers / 1: reminders committed per second${valid}`, `${f(r.g.two.deadlineCommitsPerSecond)}/s`, `${f(r.g.one.deadlineCommitsPerSecond)}/s`, `${f(r.g.speedup.deadlineCommits, 2)}×`, '', '');
  }
  for (const [fig, err] of Object.entries(r.errors ?? {})) add(fig, 'FAILED', err.slice(0, 80));
  return renderTable(`bench ${r.quick ? '--quick (reduced sizes)' : '(full sizes)'} ${r.startedAt}`, rows);
}

/** A title, then `rows` in columns (the first is the header), cells cut at 60 characters. */
function renderTable(title: string, rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.min(60, Math.max(...rows.map((row) => (row[i] ?? '').length))));
  const line = (row: string[]) => row.map((c, i) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c.padEnd(widths[i]!))).join(' │ ');
  return [title, line(rows[0]!), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...rows.slice(1).map(line)].join('\n');
}

// ---------- --target cluster: the dev server beside the production-like server ----------

/** (b) and (d) measured on one Temporal server with some bench workers. */
export interface TargetColumn {
  /** dev1, cluster1, cluster2: the key of its errors and of its values in the JSON. */
  key: string;
  title: string;
  target: Target;
  workers: number;
  server?: Harness['temporalServer'];
  b?: AssignmentResult;
  d?: DeadlineResult;
}

export interface ClusterResults {
  target: 'cluster';
  startedAt: string;
  finishedAt?: string;
  quick: boolean;
  sizes: Sizes;
  /** The dev server's column first: the others' ratios are to it. */
  columns: TargetColumn[];
  /** By `<column>.<figure>`, e.g. cluster2.d. */
  errors?: Record<string, string>;
}

interface ComparedFigure {
  figure: 'b' | 'd';
  what: (s: Sizes) => string;
  unit: '/s' | 'ms' | 'count';
  value: (c: TargetColumn) => number | undefined;
  /** Whether a ratio means something (not for counts that should be 0). */
  ratio: boolean;
}

const COMPARED: ComparedFigure[] = [
  { figure: 'b', what: (s) => `assignments via API, 1 item/request, ${s.clients} clients`, unit: '/s', value: (c) => c.b?.single.ratePerSecond, ratio: true },
  { figure: 'b', what: (s) => `assignments via API, bulk ${s.bulkBatch}/request`, unit: '/s', value: (c) => c.b?.bulk.ratePerSecond, ratio: true },
  { figure: 'b', what: () => '1 item/request: request p50', unit: 'ms', value: (c) => c.b?.single.latencyMs.p50, ratio: true },
  { figure: 'b', what: () => '1 item/request: request p95', unit: 'ms', value: (c) => c.b?.single.latencyMs.p95, ratio: true },
  { figure: 'b', what: () => 'CPU per assignment (1 item/request): Temporal server', unit: 'ms', value: (c) => cpuPerItem(c.b?.single.cpu, c.b?.single.ok, ['temporal']), ratio: true },
  { figure: 'b', what: () => 'CPU per assignment (1 item/request): all bench processes', unit: 'ms', value: (c) => cpuPerItem(c.b?.single.cpu, c.b?.single.ok), ratio: true },
  { figure: 'd', what: (s) => `${s.deadlines} reminders due in 1 s: due→row committed p50`, unit: 'ms', value: (c) => c.d?.latenessCommittedMs.p50, ratio: true },
  { figure: 'd', what: (s) => `${s.deadlines} reminders due in 1 s: due→row committed p95`, unit: 'ms', value: (c) => c.d?.latenessCommittedMs.p95, ratio: true },
  { figure: 'd', what: (s) => `${s.deadlines} reminders due in 1 s: due→row committed max`, unit: 'ms', value: (c) => c.d?.latenessCommittedMs.max, ratio: true },
  { figure: 'd', what: () => 'reminders committed per second', unit: '/s', value: (c) => c.d?.commitsPerSecond, ratio: true },
  { figure: 'd', what: () => 'CPU per reminder: Temporal server', unit: 'ms', value: (c) => cpuPerItem(c.d?.cpu, c.d?.n, ['temporal']), ratio: true },
  { figure: 'd', what: () => 'CPU per reminder: all bench processes', unit: 'ms', value: (c) => cpuPerItem(c.d?.cpu, c.d?.n), ratio: true },
  { figure: 'd', what: () => 'missing reminders', unit: 'count', value: (c) => c.d?.missing, ratio: false },
  { figure: 'd', what: () => 'duplicate reminders', unit: 'count', value: (c) => c.d?.duplicates, ratio: false },
  { figure: 'd', what: (s) => `items planned before the due instant (valid: all ${s.deadlines})`, unit: 'count', value: (c) => c.d?.plannedBeforeDue, ratio: false },
];

/** Each compared figure's value per column, and each later column's ratio to the first (the dev server's). */
function comparison(r: ClusterResults) {
  const [base, ...others] = r.columns;
  return COMPARED.map((c) => {
    const values = r.columns.map((col) => c.value(col) ?? Number.NaN);
    const baseValue = base ? (c.value(base) ?? Number.NaN) : Number.NaN;
    return { c, what: c.what(r.sizes), values, ratios: others.map((col) => (c.ratio ? ratio(c.value(col) ?? Number.NaN, baseValue) : Number.NaN)) };
  });
}

export function clusterJson(r: ClusterResults): unknown {
  const keys = r.columns.map((col) => col.key);
  return strip({
    ...r,
    comparison: {
      note: `ratios are each column's value over the first column's (${r.columns[0]?.title ?? '—'}), measured in this same run on the same machine and PostgreSQL`,
      figures: comparison(r).map(({ c, what, values, ratios }) => ({
        figure: c.figure,
        what,
        unit: c.unit,
        values: Object.fromEntries(keys.map((k, i) => [k, values[i]])),
        ...(c.ratio ? { ratiosToFirst: Object.fromEntries(keys.slice(1).map((k, i) => [k, ratios[i]])) } : {}),
      })),
    },
  });
}

/** figure │ dev server, 1 worker │ cluster, 1 worker │ cluster, 2 workers │ cluster, 1 worker / dev │ cluster, 2 workers / dev */
export function clusterTable(r: ClusterResults): string {
  const [base, ...others] = r.columns;
  const value = (unit: ComparedFigure['unit'], v: number) => (unit === '/s' ? `${f(v)}/s` : unit === 'ms' ? ms(v) : Number.isFinite(v) ? String(v) : '—');
  const rows: string[][] = [['fig', 'figure', ...r.columns.map((col) => col.title), ...others.map((col) => `${col.title} / ${base?.target ?? ''}`)]];
  for (const { c, what, values, ratios } of comparison(r)) rows.push([c.figure, what, ...values.map((v) => value(c.unit, v)), ...ratios.map((x) => (c.ratio ? `${f(x, 2)}×` : ''))]);
  for (const [key, err] of Object.entries(r.errors ?? {})) rows.push([key, 'FAILED', err.slice(0, 80)]);
  const servers = r.columns.filter((col, i) => col.server && r.columns.findIndex((x) => x.target === col.target) === i).map((col) => `${col.target}: ${col.server?.server}, ${col.server?.shards} shard(s)`);
  return renderTable(`bench --target cluster ${r.quick ? '--quick (reduced sizes)' : '(full sizes)'} ${r.startedAt} — ${servers.join('; ')}`, rows);
}

/**
 * Writes bench/results/<start>[-quick]<suffix> for each file (a failure is
 * logged, the others are still written), prints the table and logs where
 * the files went.
 */
export function writeResults(log: Logger, r: { startedAt: string; quick: boolean }, files: { key: string; suffix: string; render: () => string }[], table: string): void {
  const stamp = r.startedAt.slice(0, 19).replace(/:/g, '-') + (r.quick ? '-quick' : '');
  const dir = path.join(projectRoot, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const written: Record<string, string> = {};
  for (const file of files) {
    const target = path.join(dir, `${stamp}${file.suffix}`);
    try {
      fs.writeFileSync(target, file.render());
      written[file.key] = path.relative(projectRoot, target);
    } catch (err) {
      log.error({ err, file: target }, `writing the ${file.key} failed`);
    }
  }
  process.stdout.write(`\n${table}\n`);
  log.info({ ...written, minutes: Math.round((Date.now() - Date.parse(r.startedAt)) / 6000) / 10 }, 'bench results written');
}
