/**
 * The drills' scenario: enough distinct items (copies of the default plan
 * under other plan codes), each given a persona and a start date that spreads
 * its deadlines over the whole run, and the people who act on them: the
 * secretariat assigns, the lead departments acknowledge and file, co-operating
 * departments send inputs, the secretariat accepts. Everything goes through
 * the real HTTP API (in this process, on a local port) with an Idempotency-Key,
 * retried with the same key through every outage, as a client would.
 */
import crypto from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { API_BASE, createApp } from '../../api/app';
import { hashPassword } from '../../api/auth/passwords';
import { type Keyring } from '../../api/auth/signing-keys';
import { issueToken, openKeyring } from '../../api/auth/tokens';
import { seedOfficialCalendar } from '../../db/calendar/store';
import { importPlan } from '../../db/catalog/import';
import { parsePlanText } from '../../db/catalog/plan-file';
import type { Db } from '../../db/connection';
import { migrateLatest } from '../../db/connection';
import type { WorkingCalendar } from '../../domain/calendar';
import { createClock, type Clock } from '../../domain/clock';
import type { Logger } from '../../platform/logger';
import { createSecretBox } from '../../platform/secrets';
import { itemWorkflowId, type Cadence } from '../../workflows/definitions';
import { defaultPlanData } from '../helpers/plans';
import { modelItem, type ItemActions, type ItemSpec, type ModelContext, type Span } from './expected';
import { TEST_POLICY } from '../helpers/policy';
import { random } from '../helpers/random';

export type Persona = 'never-acknowledges' | 'silent' | 'reporting';

export interface DrillItem extends ItemSpec {
  persona: Persona;
  actions: ItemActions;
}

/** One report the drill filed, as the API answered it. */
export interface FiledReport {
  itemKey: string;
  seq: number;
  kind: 'input' | 'consolidated';
  department: string;
  span: Span;
  receiptId?: string;
}


const BASE_PLAN = 'sd-internet-plus-2016-2018';
/** Far beyond any run: the final deadline's own ladder never comes due in a drill (the model would still say so). */
const FINAL_DEADLINE = '2025-12-31';

interface CatalogItem {
  planCode: string;
  itemCode: string;
  lead: string;
  cooperating: string[];
}

/**
 * The schema, the official calendar, and as many copies of the default plan
 * (under plan codes of their own) as `items` needs; the items in order.
 */
export async function buildCatalog(db: Db, items: number): Promise<CatalogItem[]> {
  await migrateLatest(db);
  await seedOfficialCalendar(db);
  const data = defaultPlanData();
  const perPlan = [...data.actions.flatMap((a) => a.tasks), ...data.safeguards.flatMap((s) => s.items)];
  const copies = Math.ceil(items / perPlan.length);
  const out: CatalogItem[] = [];
  for (let c = 0; c < copies; c++) {
    const planCode = c === 0 ? BASE_PLAN : `${BASE_PLAN}-c${String(c).padStart(2, '0')}`;
    const copy = { ...data, plan: { ...data.plan, code: planCode, title: `${String(data.plan.title)}(演练副本${c})` } };
    await importPlan(db, parsePlanText(JSON.stringify(copy), `${planCode}.json`), { actor: 'drill' });
    for (const it of perPlan) {
      out.push({ planCode, itemCode: it.code, lead: it.proposal.lead, cooperating: it.proposal.cooperating.filter((x) => x !== it.proposal.lead) });
    }
  }
  return out.slice(0, items);
}

/**
 * Personas and start dates. One in ten items is never acknowledged (its
 * acknowledgement ladder climbs at the start); three in ten are acknowledged
 * and never report (a yearly item whose first due date falls anywhere in the
 * run, so its ladder climbs while the drills go on); the rest report every
 * quarter, some on time, most after a reminder or a rung or two, and are
 * accepted, so a new period and its ladder follow each acceptance.
 */
export function drillItems(
  catalog: CatalogItem[],
  cal: WorkingCalendar,
  rnd: () => number,
  opts: { spanWorkingDays: number; soonestWorkingDays: number; ackWithin: number },
): DrillItem[] {
  const { spanWorkingDays, soonestWorkingDays, ackWithin } = opts;
  const yearEnd = cal.addWorkingDays(cal.addWorkingDays('2016-12-31', 0), 5);
  const quarterDue = cal.addWorkingDays('2016-06-30', 5);
  // Quarter 2 of 2016 begins on April 1st: the first period of a reporting item ends on June 30th.
  const longestInQuarter = cal.workingDaysBetween('2016-04-01', quarterDue);
  const items = catalog.map((c, i): DrillItem => {
    const persona: Persona = i % 10 === 0 ? 'never-acknowledges' : i % 10 <= 3 ? 'silent' : 'reporting';
    let cadence: Cadence = 'quarterly';
    let startDate: string;
    if (persona === 'silent') {
      cadence = 'yearly';
      startDate = cal.addWorkingDays(yearEnd, -Math.min(240, soonestWorkingDays + Math.floor(rnd() * spanWorkingDays)));
    } else if (persona === 'reporting') {
      startDate = cal.addWorkingDays(quarterDue, -(soonestWorkingDays + Math.floor(rnd() * Math.max(1, longestInQuarter - soonestWorkingDays))));
    } else {
      startDate = cal.addWorkingDays('2016-04-05', Math.floor(rnd() * 40));
    }
    return {
      itemKey: itemWorkflowId(c.planCode, c.itemCode),
      planCode: c.planCode,
      itemCode: c.itemCode,
      lead: c.lead,
      cooperating: c.cooperating,
      startDate,
      finalDeadline: FINAL_DEADLINE,
      policy: { cadence, ...TEST_POLICY, acknowledgeWithinWorkingDays: Math.max(TEST_POLICY.acknowledgeWithinWorkingDays, ackWithin) },
      persona,
      actions: { submits: new Map(), accepts: new Map() },
    };
  });
  // Assigned in this order: the reporting ones first (their departments start filing at once), the silent ones last,
  // so that their deadlines, spread over the run, fall due after setting up, whatever time that takes.
  const order: Persona[] = ['reporting', 'never-acknowledges', 'silent'];
  return items.sort((a, b) => order.indexOf(a.persona) - order.indexOf(b.persona));
}

/** A write through the API: its span, and the answer or the refusal. */
interface WriteResult {
  span: Span;
  answer?: Record<string, unknown>;
  refused?: { status: number; body: string };
}

/** Counts a semaphore's holders: the drill's departments do not flood a machine that is meant to be recovering. */
class Limit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await fn();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

export interface ApiOptions {
  db: Db;
  client: Client;
  taskQueue: string;
  workingDayMs: number;
  log: Logger;
  /** How many writes are in flight at once. */
  concurrency?: number;
  /** API processes to talk to (each `http://host:port`), in turn; unset: the API served in this process. */
  urls?: string[];
}

/**
 * The product's HTTP API on a local port, the users the drill acts as (the
 * secretariat and one user per department, with tokens issued directly) and a
 * client that retries 5xx answers and lost connections with the same
 * Idempotency-Key until it gets an answer.
 */
export class DrillApi {
  private server?: Server;
  private bases: string[] = [];
  private turn = 0;
  private readonly tokens = new Map<string, string>();
  private readonly limit: Limit;
  /** Attempts answered 5xx or lost, retried. */
  retries = 0;
  stopping = false;

  constructor(private readonly opts: ApiOptions) {
    this.limit = new Limit(opts.concurrency ?? 16);
  }

  async start(): Promise<void> {
    const { db } = this.opts;
    const keyring = await openKeyring(db);
    if (this.opts.urls?.length) this.bases = this.opts.urls.map((u) => `${u}${API_BASE}`);
    else await this.serve(keyring);

    // One password hash for all (the drill signs nobody in): tokens are issued as sign-in would.
    const hash = await hashPassword(crypto.randomBytes(18).toString('base64url'));
    const departments = (await db('departments').select('id', 'code')) as { id: number; code: string }[];
    const users = [
      { username: 'drill-secretariat', role: 'secretariat', department_id: null, key: 'secretariat' },
      { username: 'drill-leader', role: 'leadership', department_id: null, key: 'leadership' },
      { username: 'drill-admin', role: 'admin', department_id: null, key: 'admin' },
      ...departments.map((d) => ({ username: `drill-${d.code}`, role: 'department', department_id: d.id, key: d.code })),
    ];
    for (const u of users) {
      const [row] = (await db('users').insert({ username: u.username, password_hash: hash, role: u.role, department_id: u.department_id }).returning('id')) as { id: number }[];
      this.tokens.set(u.key, (await issueToken(db, keyring, (row as { id: number }).id, 86_400)).token);
    }
  }

  /** The API processes (or the one in this process), as base URLs ending in /api/v1. */
  get urls(): string[] {
    return this.bases;
  }

  /** The product's API in this process, on a local port. */
  private async serve(keyring: Keyring): Promise<void> {
    const { db } = this.opts;
    const app = createApp({
      log: this.opts.log.child({ component: 'api' }, { level: 'silent' }),
      readiness: {},
      api: {
        db,
        client: this.opts.client,
        taskQueue: this.opts.taskQueue,
        log: this.opts.log.child({ component: 'api' }, { level: 'silent' }),
        keyring,
        tokenTtlSeconds: 86_400,
        workingDayMs: this.opts.workingDayMs,
        updateWaitMs: 10_000,
        secrets: createSecretBox(crypto.randomBytes(32)),
        checkResponses: false,
      },
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
    this.server = server;
    this.bases = [`http://127.0.0.1:${(server.address() as AddressInfo).port}${API_BASE}`];
  }

  /** A GET as `who` from one API process (by index), answered with its status and JSON body. */
  async read(who: string, path: string, base = 0): Promise<{ status: number; body: unknown }> {
    const token = this.tokens.get(who);
    if (!token) throw new Error(`no drill user for ${who}`);
    const res = await fetch(`${this.bases[base]}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      // Requests under way finish first (each waits at most UPDATE_WAIT_MS for Temporal), so none outlives the client.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), 15_000);
      await closed;
      clearTimeout(timer);
    }
  }

  /**
   * POSTs as `who` (a department code, 'secretariat', 'leadership' or 'admin') until answered; 4xx is a
   * refusal, 5xx and lost connections are retried, each time at the next API process, as a load
   * balancer would.
   */
  write(who: string, path: string, body: unknown, idempotencyKey: string, span: Span = { start: Date.now(), end: Infinity }, method: 'POST' | 'PUT' = 'POST'): Promise<WriteResult> {
    return this.limit.run(async () => {
      const token = this.tokens.get(who);
      if (!token) throw new Error(`no drill user for ${who}`);
      // The span is the caller's, visible to the checks while the write is under way.
      span.start = Date.now();
      const answered = () => {
        span.end = Date.now();
        return span;
      };
      for (;;) {
        if (this.stopping) return { span };
        try {
          const base = this.bases[this.turn++ % this.bases.length] as string;
          const res = await fetch(`${base}${path}`, {
            method,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(30_000),
          });
          const text = await res.text();
          if (res.ok) return { span: answered(), answer: JSON.parse(text) as Record<string, unknown> };
          if (res.status < 500) return { span: answered(), refused: { status: res.status, body: text.slice(0, 500) } };
        } catch {
          // Lost connection or our own timeout: the same key again.
        }
        this.retries += 1;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    });
  }
}

export interface DriverOptions {
  api: DrillApi;
  db: Db;
  calendar: WorkingCalendar;
  workingDayMs: number;
  log: Logger;
  /** Each item's filing choices come from a stream of their own, made from this. */
  seed: number;
  model: ModelContext;
}

/** Working days before (-) or after (+) the due date after whose events a period's report is filed, with their weights. */
const FILING: [number, number][] = [
  [-5, 1],
  [-3, 1],
  [-1, 1],
  [0, 2],
  [1, 2],
  [3, 2],
  [5, 1],
];

/**
 * The departments and the secretariat: assigns and acknowledges at setup,
 * then files and accepts reports item by item, each period on its own
 * schedule, until stopped. Everything it did is in each item's `actions` and
 * in `reports`; refusals it did not expect are in `problems`.
 */
export class Driver {
  readonly reports: FiledReport[] = [];
  readonly problems: string[] = [];
  private readonly lanes: Promise<void>[] = [];
  private stopped = false;
  private readonly wakers = new Set<() => void>();

  constructor(private readonly opts: DriverOptions) {}

  private clockOf(item: DrillItem): Clock {
    return createClock(this.opts.calendar, { date: item.startDate, at: item.actions.anchorAt as number }, this.opts.workingDayMs);
  }

  /** Sleeps until `t` or until stopped; false when stopped. */
  private async until(t: number): Promise<boolean> {
    while (!this.stopped && Date.now() < t) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(t - Date.now(), 60_000));
        const wakers = this.wakers;
        function done() {
          clearTimeout(timer);
          wakers.delete(done);
          resolve();
        }
        this.wakers.add(done);
      });
    }
    return !this.stopped;
  }

  private refused(item: DrillItem, what: string, r: WriteResult): void {
    this.problems.push(`${item.itemKey}: ${what}, sent ${new Date(r.span.start).toISOString()}, refused at ${new Date(r.span.end).toISOString()} with ${r.refused?.status}: ${r.refused?.body}`);
  }

  /** Assigns one item (and acknowledges it, unless its persona never does). */
  async setUp(item: DrillItem): Promise<void> {
    const { api, db } = this.opts;
    const body = { lead: item.lead, cooperating: item.cooperating, ...item.policy, startDate: item.startDate, finalDeadline: item.finalDeadline };
    const assigned = await api.write('secretariat', `/plans/${item.planCode}/items/${item.itemCode}/assign`, body, `drill-assign-${item.itemCode}-${item.planCode}`);
    if (assigned.refused) return this.refused(item, 'assignment', assigned);
    if (assigned.span.end === Infinity) return;
    item.actions.assign = assigned.span;
    const row = (await db('assignments').where({ workflow_id: item.itemKey }).first('assigned_at')) as { assigned_at: Date } | undefined;
    const anchorAt = row ? new Date(row.assigned_at).getTime() : undefined;
    // The item's timeline began when its workflow started: between the request and its answer.
    if (anchorAt === undefined || anchorAt < assigned.span.start - 1_000 || anchorAt > assigned.span.end + 1_000) {
      this.problems.push(`${item.itemKey}: assignment record at ${anchorAt} is outside the assignment request ${assigned.span.start}..${assigned.span.end}`);
    }
    item.actions.anchorAt = anchorAt;
    if (item.persona === 'never-acknowledges') return;
    const acked = await api.write(item.lead, `/plans/${item.planCode}/items/${item.itemCode}/acknowledge`, {}, `drill-ack-${item.itemCode}-${item.planCode}`);
    if (acked.refused) return this.refused(item, 'acknowledgement', acked);
    item.actions.ack = acked.span;
  }

  /** Starts filing and accepting a reporting item's reports on its own schedule (right after it is set up). */
  start(item: DrillItem, index: number): void {
    if (item.persona === 'reporting' && item.actions.ack && item.actions.anchorAt !== undefined) this.lanes.push(this.lane(item, random(this.opts.seed + 7919 * (index + 1))));
  }

  /** Stops starting new writes and lets those under way finish (or gives up on them after `graceMs`). */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.wakers]) wake();
    const all = Promise.all(this.lanes);
    const timer = setTimeout(() => {
      this.opts.api.stopping = true;
    }, graceMs);
    await all;
    clearTimeout(timer);
  }

  /** A report, known to the checks from the moment it is sent (in flight until answered). */
  private async file(item: DrillItem, seq: number, kind: FiledReport['kind'], department: string, send: (span: Span) => Promise<WriteResult>): Promise<WriteResult> {
    const filed: FiledReport = { itemKey: item.itemKey, seq, kind, department, span: { start: Date.now(), end: Infinity } };
    this.reports.push(filed);
    // The lead's report stops the ladder from the moment it is sent.
    if (kind === 'consolidated') item.actions.submits.set(seq, filed.span);
    const result = await send(filed.span);
    filed.receiptId = result.answer?.receiptId as string | undefined;
    if (result.refused) item.actions.submits.delete(seq);
    return result;
  }

  private async lane(item: DrillItem, rnd: () => number): Promise<void> {
    const { api, workingDayMs: W, calendar: cal } = this.opts;
    const clock = this.clockOf(item);
    const path = `/plans/${item.planCode}/items/${item.itemCode}`;
    const totalWeight = FILING.reduce((n, [, w]) => n + w, 0);
    for (let seq = 1; !this.stopped; seq++) {
      // The period as the calendar has it, opened by the acceptance before it.
      const period = modelItem(this.opts.model, item, item.actions).periods.find((p) => p.seq === seq);
      if (!period) return;
      let pick = rnd() * totalWeight;
      const after = (FILING.find(([, w]) => (pick -= w) < 0) ?? FILING[0]!)[0];
      // Just before the events of the next working day, long after those of the chosen day.
      const fileAt = clock.startOf(cal.addWorkingDays(period.dueOn, after + 1)) - Math.floor(W * 0.15);
      const coop = item.cooperating[0];
      if (coop && rnd() < 0.5) {
        if (!(await this.until(fileAt - W / 2))) return;
        const input = await this.file(item, seq, 'input', coop, (span) =>
          api.write(coop, `${path}/reports`, { periodSeq: seq, progress: `第${seq}期配合单位进展(演练)`, percentDone: 40 }, `drill-input-${item.itemCode}-${item.planCode}-p${seq}`, span),
        );
        if (input.refused) return this.refused(item, `input for period ${seq}`, input);
      }
      if (!(await this.until(fileAt))) return;
      const report = await this.file(item, seq, 'consolidated', item.lead, (span) =>
        api.write(item.lead, `${path}/reports`, { periodSeq: seq, progress: `第${seq}期牵头单位汇总进展(演练)`, percentDone: Math.min(100, seq * 20) }, `drill-report-${item.itemCode}-${item.planCode}-p${seq}`, span),
      );
      if (report.refused) return this.refused(item, `report for period ${seq}`, report);
      if (report.span.end === Infinity) return;

      if (!(await this.until(report.span.end + W * (1 + rnd())))) return;
      // The next period opens from the moment the acceptance is sent.
      const accepting: Span = { start: Date.now(), end: Infinity };
      item.actions.accepts.set(seq, accepting);
      const review = await api.write('secretariat', `${path}/review`, { decision: 'accept', comment: '同意(演练)' }, `drill-accept-${item.itemCode}-${item.planCode}-p${seq}`, accepting);
      if (review.refused) {
        item.actions.accepts.delete(seq);
        return this.refused(item, `acceptance of period ${seq}`, review);
      }
      if (review.span.end === Infinity) return;
    }
  }
}
