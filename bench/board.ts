/**
 * (e) Read routes at scale: the board, the items list with filters, the
 * scorecard and the ledger export, with 10,000 items and 100,000 reports
 * seeded straight into PostgreSQL (bench/seed.ts), measured over HTTP on the
 * product's app (createApp, in this process, a real secretariat token),
 * against a bare route (/healthz) on the same server. For each route one more
 * request is profiled: every query it ran, timed, and EXPLAIN ANALYZEd; what
 * is left of the route's time is JavaScript.
 */
import type { Knex } from 'knex';
import { shanghaiDate } from '../domain/clock';
import type { Db } from '../db/connection';
import { onTimeCountsBy } from '../db/on-time';
import { colourColumn, itemFacts } from '../db/plan-items';
import { leadDepartments, progress, type Harness, type Sizes, timedRequest, timeRoute } from './harness';
import { seedBoard, seedPlan, type BoardSeedCounts } from './seed';
import { summarize, type Summary } from './stats';

export const ROUTE_TARGET_P95_MS = 50;

interface RouteSpec {
  name: string;
  path: string;
  auth: boolean;
  bare?: boolean;
  requests: number;
}

export interface QueryProfile {
  sql: string;
  ms: number;
  rows?: number;
  executionMs?: number;
  planningMs?: number;
  /** The plan's top node and every sequential scan in it, with actual rows. */
  plan?: string[];
}

export interface RouteResult {
  name: string;
  path: string;
  bare: boolean;
  n: number;
  errors: number;
  status: number;
  bytes: number;
  latencyMs: Summary;
  profile?: { totalMs: number; queriesMs: number; otherMs: number; queries: QueryProfile[] };
  samples: number[];
}

export interface BoardResult {
  seeded: BoardSeedCounts & { seconds: number };
  /** The board summary's parts, each the product's own function or query called directly (median of 5, ms). */
  summaryParts: Record<string, number>;
  routes: RouteResult[];
}

function planLines(node: Record<string, unknown>, depth = 0, out: string[] = []): string[] {
  const type = String(node['Node Type']);
  const rel = node['Relation Name'] ? ` on ${String(node['Relation Name'])}` : '';
  const idx = node['Index Name'] ? ` using ${String(node['Index Name'])}` : '';
  const line = `${'  '.repeat(depth)}${type}${rel}${idx} rows=${String(node['Actual Rows'])} loops=${String(node['Actual Loops'])} time=${String(node['Actual Total Time'])}ms`;
  if (depth <= 2 || type === 'Seq Scan' || type === 'Sort' || type.includes('Hash')) out.push(line);
  for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) planLines(child, depth + 1, out);
  return out;
}

/** One request with every knex query it ran captured, timed, and explained. */
async function profile(db: Db, url: string, token: string | undefined): Promise<RouteResult['profile']> {
  type Q = { __knexQueryUid: string; sql: string; bindings?: unknown[] };
  const seen = new Map<string, { sql: string; bindings: unknown[]; t0: number; ms: number; rows?: number }>();
  const onQuery = (q: Q) => seen.set(q.__knexQueryUid, { sql: q.sql, bindings: q.bindings ?? [], t0: performance.now(), ms: Number.NaN });
  const onResponse = (res: unknown, q: Q) => {
    const e = seen.get(q.__knexQueryUid);
    if (!e) return;
    e.ms = performance.now() - e.t0;
    e.rows = Array.isArray(res) ? res.length : (res as { rows?: unknown[] } | undefined)?.rows?.length;
  };
  db.on('query', onQuery);
  db.on('query-response', onResponse);
  let total: number;
  try {
    total = (await timedRequest(url, { token })).ms;
  } finally {
    db.removeListener('query', onQuery);
    db.removeListener('query-response', onResponse);
  }
  const queries: QueryProfile[] = [];
  for (const q of seen.values()) {
    const entry: QueryProfile = { sql: q.sql.replace(/\s+/g, ' ').slice(0, 400), ms: Math.round(q.ms * 10) / 10, rows: q.rows };
    if (/^\s*(select|with)\b/i.test(q.sql)) {
      try {
        // The event carries PostgreSQL's $n placeholders; knex.raw takes ? in the same order.
        const res = (await db.raw(`explain (analyze, format json) ${q.sql.replace(/\$\d+/g, '?')}`, q.bindings as Knex.RawBinding[])) as { rows: { 'QUERY PLAN': Record<string, unknown>[] }[] };
        const top = res.rows[0]?.['QUERY PLAN'][0] as Record<string, unknown>;
        entry.executionMs = Number(top['Execution Time']);
        entry.planningMs = Number(top['Planning Time']);
        entry.plan = planLines(top.Plan as Record<string, unknown>).slice(0, 12);
      } catch (err) {
        entry.plan = [`(explain failed: ${err instanceof Error ? err.message : String(err)})`];
      }
    }
    queries.push(entry);
  }
  const queriesMs = queries.reduce((a, q) => a + (Number.isFinite(q.ms) ? q.ms : 0), 0);
  return { totalMs: Math.round(total * 10) / 10, queriesMs: Math.round(queriesMs * 10) / 10, otherMs: Math.round((total - queriesMs) * 10) / 10, queries };
}

export async function runBoard(h: Harness, sizes: Sizes): Promise<BoardResult> {
  const { log } = h;
  const bdb = await h.database('board');
  const planCode = 'bench-board';
  const today = shanghaiDate(Date.now());
  log.info({ step: 'e.seed', items: sizes.boardItems, reports: sizes.boardReports }, 'e. seeding items, assignments, periods, reports, escalations with set-based SQL');
  const t0 = Date.now();
  const plan = await seedPlan(bdb.db, { code: planCode, items: sizes.boardItems, periodStart: '2025-01-01', periodEnd: '2026-12-31' });
  const counts = await seedBoard(bdb.db, plan, { reports: sizes.boardReports, today });
  const seeded = { ...counts, seconds: (Date.now() - t0) / 1000 };
  log.info({ step: 'e.seed', ...seeded }, 'e. seeded');

  // Reads only: the real clock (no WORKING_DAY_MS), as in production.
  const api = await h.api(bdb, { taskQueue: 'bench-board-unused', log: log.child({ component: 'api' }, { level: 'error' }) });
  const token = await api.token('secretariat');
  const [dept] = await leadDepartments(bdb.db);
  const n = sizes.routeRequests;
  const items = `/api/v1/plans/${planCode}/items`;
  const routes: RouteSpec[] = [
    { name: 'bare: /healthz', path: '/healthz', auth: false, bare: true, requests: n },
    { name: 'bare signed-in: /auth/me', path: '/api/v1/auth/me', auth: true, bare: true, requests: n },
    { name: 'board summary', path: '/api/v1/board/summary', auth: true, requests: n },
    { name: 'board summary (plan)', path: `/api/v1/board/summary?plan=${planCode}`, auth: true, requests: n },
    { name: 'board matrix', path: `/api/v1/board/matrix?plan=${planCode}`, auth: true, requests: n },
    { name: 'open escalations', path: '/api/v1/board/escalations', auth: true, requests: n },
    { name: 'on-time by period', path: '/api/v1/board/on-time-by-period', auth: true, requests: n },
    { name: 'review queue', path: `/api/v1/review/queue?plan=${planCode}`, auth: true, requests: n },
    { name: 'items: department+status', path: `${items}?department=${dept}&status=in_progress`, auth: true, requests: n },
    { name: 'items: action+due range', path: `${items}?action=BA0002&dueFrom=${today.slice(0, 8)}01&dueTo=${today.slice(0, 4)}-12-31`, auth: true, requests: n },
    { name: 'items: colour=red', path: `${items}?colour=red`, auth: true, requests: n },
    { name: 'items: page 20', path: `${items}?page=20&pageSize=50`, auth: true, requests: n },
    { name: 'scorecard', path: '/api/v1/scorecard', auth: true, requests: n },
    { name: 'ledger export (xlsx)', path: `/api/v1/ledger.xlsx?plan=${planCode}`, auth: true, requests: sizes.ledgerRequests },
  ];
  const results: RouteResult[] = [];
  try {
    const p = progress(log, 'e.routes', routes.reduce((a, r) => a + r.requests, 0));
    for (const r of routes) {
      const url = `${api.url}${r.path}`;
      const auth = r.auth ? token : undefined;
      const { status, bytes, errors, latencies } = await timeRoute(url, auth, r.requests, () => p.tick());
      if (status !== 200) log.warn({ route: r.name, status }, 'e. route does not answer 200');
      const result: RouteResult = { name: r.name, path: r.path, bare: r.bare ?? false, n: latencies.length, errors, status, bytes, latencyMs: summarize(latencies), samples: latencies };
      if (!r.bare) result.profile = await profile(bdb.db, url, auth);
      log.info({ step: 'e.route', route: r.name, p50: Math.round(result.latencyMs.p50), p95: Math.round(result.latencyMs.p95), p99: Math.round(result.latencyMs.p99), kb: Math.round(bytes / 1024) }, `e. ${r.name}`);
      results.push(result);
    }
    p.finish();
  } finally {
    await api.close();
  }
  const median = async (fn: () => Promise<unknown>) => {
    const t: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await fn();
      t.push(performance.now() - t0);
    }
    return Math.round((t.sort((a, b) => a - b)[2] as number) * 10) / 10;
  };
  const db = bdb.db;
  const colour = await colourColumn(db);
  const summaryParts = {
    rows: Number(((await db('items').whereNull('retired_at').count({ n: '*' }).first()) as { n: string }).n),
    colourColumnMs: await median(() => colourColumn(db)),
    // Every item's facts (colour, status, group, lead, on-time counts, open escalations), all rows read out.
    itemFactsMs: await median(() => db.with('f', itemFacts(db, colour)).from('f').select('*')),
    // The same facts grouped in PostgreSQL, as the board summary reads them.
    itemFactsGroupedMs: await median(() => db.with('f', itemFacts(db, colour)).from('f').groupByRaw('grouping sets ((plan_code, group_code, group_title, status), (lead_code, lead_name, status))').select(db.raw('count(*)'))),
    onTimeCountsByLeadMs: await median(() => onTimeCountsBy(db, 'lead')),
  };
  log.info({ step: 'e.summary-parts', ...summaryParts }, 'e. board summary, part by part');
  return { seeded, summaryParts, routes: results };
}
