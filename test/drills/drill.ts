/**
 * Fault drills (issue 10): many live items part-way up their ladders under a
 * compressed clock, departments filing and the secretariat accepting through
 * the API, while the worker is SIGKILLed and restarted, the Temporal dev server
 * is stopped and restarted on its persistent database, and PostgreSQL is
 * stopped and started again. After each drill the reminders, rungs and
 * reports in PostgreSQL are checked against what the calendar says (expected.ts),
 * and the mirror against each workflow's `state` query.
 *
 * `npm run drill` runs it at full size (test/drills/run.ts); `--items 100
 * --kills 3 --postgres-down-ms 10000` is the smaller run.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { readCalendar } from '../../db/calendar/store';
import { createDb, type Db } from '../../db/connection';
import type { Logger } from '../../platform/logger';
import * as d from '../../workflows/definitions';
import { checkLadder, checkMirror, checkReports, loadEngineRows, LATE_AFTER_MS, type Counts } from './check';
import { DevSystem } from './dev-system';
import type { DrillSystem, Outage } from './system';
import { modelItem, type ModelContext, type ModelEvent, type ModelPeriod } from './expected';
import { TEST_POLICY } from '../helpers/policy';
import { random } from '../helpers/random';
import { buildCatalog, DrillApi, drillItems, Driver, type DrillItem } from './scenario';

export interface DrillOptions {
  /** Live items (1,000 for `npm run drill`, 100 in `npm test`). */
  items: number;
  /** The compressed clock: one working day lasts this long. */
  workingDayMs: number;
  /** Worker SIGKILLs (each followed at once by a restart). */
  kills: number;
  /** Time between one worker start and the next kill, drawn from this range. */
  killGapMs: [number, number];
  /** How long PostgreSQL stays down. */
  postgresDownMs: number;
  seed: number;
  log: Logger;
  /** The run before the first fault, checked like a drill: the model's own control. */
  baselineMs?: number;
  /** How long each drill goes on after its last recovery before it is checked (deadlines keep falling due). */
  afterRecoveryMs?: number;
  /** API writes in flight at once. */
  concurrency?: number;
  /** What it runs on; unset: the dev-server system with the kills and outage above. */
  system?: DrillSystem;
  /** More to do and check on the same system, beside the modelled items (the cluster's scenario). */
  extras?: DrillExtras;
  /** The namespace and task queue of the drill's workflows. */
  namespace?: string;
}

/** What extras get to work with. */
export interface DrillContext {
  db: Db;
  client: Client;
  api: DrillApi;
  system: DrillSystem;
  log: Logger;
  sleep(ms: number): Promise<void>;
  /** Catalog items the drill leaves alone, for the extras' own scenario. */
  spareItems: { planCode: string; itemCode: string; lead: string; cooperating: string[] }[];
}

export interface ExtraCheck {
  name: string;
  ok: boolean;
  /** Counts behind the verdict, for the report. */
  figures: Record<string, number>;
  details: string[];
}

export interface DrillExtras {
  /** Catalog items the extras need beside the drill's own. */
  spareItems: number;
  /** After the drill's items are assigned: the extras' own scenario starts. */
  setUp(ctx: DrillContext): Promise<void>;
  /** After the last drill's check: their own checks. */
  check(ctx: DrillContext): Promise<ExtraCheck[]>;
}

export interface DrillRow {
  drill: string;
  what: 'reminders' | 'rungs' | 'reports filed' | 'reports accepted';
  counts: Counts;
}

export interface DrillReport {
  seed: number;
  items: number;
  workingDayMs: number;
  rows: DrillRow[];
  mirror: { drill: string; checked: number; mismatched: number }[];
  /** Phases and their wall-clock times. */
  timings: { phase: string; ms: number }[];
  outages: Outage[];
  /** Anything else that went wrong: refusals the scenario did not expect, anchors outside their requests, a drill that stopped. */
  problems: string[];
  /**
   * Periods whose deadlines the model could not pin down (an outage or a slow
   * start left it unsure when they opened): their events count as uncertain.
   */
  unmodelled: string[];
  /** The first lines of each kind of finding, for the log. */
  details: string[];
  apiRetries: number;
  workerErrorLines: number;
  /** Co-operating inputs' reminders and 催办 written by the end (EngineRows.inputNotices): not modelled, counted. */
  inputNotices: number;
  /** The extras' checks (the cluster's scenario, outbox, digest, both API processes). */
  extras: ExtraCheck[];
  ok: boolean;
}

/** After an action, the engine has done what follows from it (planned the next period, say) within this, outages aside. */
const SETTLE_MS = 15_000;


export class DrillRun {
  private readonly system: DrillSystem;
  private readonly namespace: string;
  private spare: DrillContext['spareItems'] = [];
  private readonly log: Logger;
  private readonly rnd: () => number;
  private readonly faults: () => number;
  private db?: Db;
  private connection?: Connection;
  private client?: Client;
  private api?: DrillApi;
  private driver?: Driver;
  private items: DrillItem[] = [];
  private model?: ModelContext;
  private closing?: Promise<void>;
  private readonly report: DrillReport;
  private readonly aborted = new AbortController();

  constructor(private readonly opts: DrillOptions) {
    this.log = opts.log;
    // Separate streams, so the items and the faults replay from the seed whatever the lanes did in between.
    this.rnd = random(opts.seed);
    this.faults = random(opts.seed ^ 0x5eed);
    this.namespace = opts.namespace ?? 'drill';
    this.system =
      opts.system ??
      new DevSystem({
        log: opts.log,
        workingDayMs: opts.workingDayMs,
        namespace: this.namespace,
        taskQueue: 'drill',
        workerEnv: { NOTIFY_MERGE_WINDOW_MS: '1000' },
        kills: opts.kills,
        killGapMs: opts.killGapMs,
        postgresDownMs: opts.postgresDownMs,
      });
    this.report = {
      seed: opts.seed,
      items: opts.items,
      workingDayMs: opts.workingDayMs,
      rows: [],
      mirror: [],
      timings: [],
      outages: this.system.outages,
      problems: [],
      unmodelled: [],
      details: [],
      apiRetries: 0,
      inputNotices: 0,
      extras: [],
      workerErrorLines: 0,
      ok: false,
    };
  }

  /** Synchronous last resort for process 'exit': kills what this run started and removes its directory. */
  killLeftovers(): void {
    this.system.killLeftovers();
  }

  /** Ctrl-C: the run stops where it is, takes everything down, and answers with what it has. */
  abort(): void {
    this.aborted.abort();
    // Writes under way give up at once rather than retry through an overloaded system.
    if (this.api) this.api.stopping = true;
  }

  /** Waits, unless the run is aborted (then it throws). */
  private sleep(ms: number): Promise<void> {
    return delay(Math.max(0, ms), undefined, { signal: this.aborted.signal });
  }

  async run(): Promise<DrillReport> {
    const o = this.opts;
    const started = Date.now();
    const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const t = Date.now();
      try {
        return await fn();
      } finally {
        this.report.timings.push({ phase: name, ms: Date.now() - t });
      }
    };
    try {
      const windowStart = Date.now();
      await phase('setup', () => this.setUp());
      let from = windowStart;

      await this.sleep(o.baselineMs ?? 10_000);
      from = await phase('check: baseline', () => this.check('baseline (no fault)', from));

      for (const fault of this.system.faults) {
        await phase(`drill: ${fault.name}`, async () => {
          await fault.run({ sleep: (ms) => this.sleep(ms), rnd: this.faults, signal: this.aborted.signal });
          await this.sleep(o.afterRecoveryMs ?? 20_000);
        });
        from = await phase(`check: ${fault.name}`, () => this.check(fault.name, from));
      }
      if (o.extras) {
        const checks = await phase('check: extras', () => (o.extras as DrillExtras).check(this.context()));
        this.report.extras.push(...checks);
        for (const c of checks) for (const line of c.details.slice(0, 20)) this.report.details.push(`${c.name}: ${line}`);
      }
    } catch (err) {
      this.report.problems.push(this.aborted.signal.aborted ? 'the drill was interrupted' : `the drill stopped: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    } finally {
      await this.close();
    }
    this.report.timings.push({ phase: 'total', ms: Date.now() - started });
    this.report.apiRetries = this.api?.retries ?? 0;
    this.report.workerErrorLines = this.system.errors.count;
    this.report.problems.push(...this.system.crashes);
    this.report.details.push(...this.system.errors.samples.map((s) => `error line: ${s}`));
    const bad = (c: Counts) => c.missing + c.duplicate + c.late + c.unexpected;
    this.report.ok =
      this.report.problems.length === 0 &&
      this.report.rows.length === (this.system.faults.length + 1) * 4 &&
      this.report.rows.every((r) => bad(r.counts) === 0) &&
      this.report.mirror.every((m) => m.mismatched === 0) &&
      (!o.extras || this.report.extras.length > 0) &&
      this.report.extras.every((c) => c.ok);
    return this.report;
  }

  private async setUp(): Promise<void> {
    const o = this.opts;
    this.log.info({ items: o.items, workingDayMs: o.workingDayMs, seed: o.seed, dir: this.system.root }, 'drill: starting PostgreSQL, Temporal and the workers');
    this.db = createDb(await this.system.startDatabase(), { poolMax: 8 });
    const spare = o.extras?.spareItems ?? 0;
    const everything = await buildCatalog(this.db, o.items + spare);
    const catalog = everything.slice(0, o.items);
    this.spare = everything.slice(o.items);
    const calendar = await readCalendar(this.db);
    await this.system.startServices();
    this.connection = await Connection.connect({ address: this.system.temporalAddress });
    this.client = new Client({ connection: this.connection, namespace: this.namespace });
    await this.workerPolling();

    this.model = {
      // Ten minutes ahead: beyond any window checked, and beyond the next period the departments plan for.
      get horizon() {
        return Date.now() + 600_000;
      },
      calendar,
      workingDayMs: o.workingDayMs,
      marginBeforeMs: Math.floor(o.workingDayMs * 0.8),
      settledBy: (t) => {
        let end = t + SETTLE_MS;
        for (const out of [...this.system.outages].sort((a, b) => a.start - b.start)) {
          if (out.start <= end && out.end > t) end = Math.max(end, out.end + SETTLE_MS);
        }
        return end;
      },
    };
    this.api = new DrillApi({ db: this.db, client: this.client, taskQueue: 'drill', workingDayMs: o.workingDayMs, log: this.log, concurrency: o.concurrency ?? 16, urls: this.system.apiUrls });
    await this.api.start();
    // The run's span in working days: silent items' first due dates are spread over it.
    const expectedRunMs = (o.baselineMs ?? 10_000) + o.kills * (o.killGapMs[0] + o.killGapMs[1]) / 2 + o.postgresDownMs + this.system.faults.length * ((o.afterRecoveryMs ?? 20_000) + 30_000);
    // The first reminder of a first period comes after the window in which acknowledging it may still be settling.
    const soonest = Math.ceil((SETTLE_MS + 15_000) / o.workingDayMs) + Math.max(...TEST_POLICY.reminderOffsetsWorkingDays) + 2;
    // Acknowledging takes a few seconds on a busy machine: the acknowledgement ladder starts after that.
    this.items = drillItems(catalog, calendar, this.rnd, {
      spanWorkingDays: Math.ceil(expectedRunMs / o.workingDayMs),
      soonestWorkingDays: soonest,
      ackWithin: Math.ceil(12_000 / o.workingDayMs),
    });
    this.driver = new Driver({ api: this.api, db: this.db, calendar, workingDayMs: o.workingDayMs, log: this.log, seed: o.seed, model: this.model });

    // Lanes, each assigning an item and acknowledging it at once, as its department would on receiving it.
    let done = 0;
    let next = 0;
    const ticker = setInterval(() => this.log.info({ assigned: done, of: this.items.length }, 'drill: assigning items'), 5_000);
    try {
      await Promise.all(
        Array.from({ length: o.concurrency ?? 16 }, async () => {
          while (next < this.items.length && !this.aborted.signal.aborted) {
            const index = next++;
            const item = this.items[index] as DrillItem;
            await this.driver?.setUp(item);
            // Its departments act from now on, while the rest are still being assigned.
            this.driver?.start(item, index);
            done += 1;
          }
        }),
      );
    } finally {
      clearInterval(ticker);
    }
    const personas = this.items.reduce<Record<string, number>>((n, i) => ({ ...n, [i.persona]: (n[i.persona] ?? 0) + 1 }), {});
    this.aborted.signal.throwIfAborted();
    this.log.info({ assigned: done, personas }, 'drill: items assigned');
    await o.extras?.setUp(this.context());
  }

  private context(): DrillContext {
    return { db: this.db as Db, client: this.client as Client, api: this.api as DrillApi, system: this.system, log: this.log, sleep: (ms) => this.sleep(ms), spareItems: this.spare };
  }

  /** Until the worker polls the drill's task queue (it bundles the workflows first): assignments then go straight through. */
  private async workerPolling(): Promise<void> {
    const client = this.client as Client;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { pollers } = await client.workflowService.describeTaskQueue({ namespace: this.namespace, taskQueue: { name: 'drill' }, taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW });
      if (pollers?.length) return;
      if (Date.now() > deadline) throw new Error('the worker did not poll its task queue within 120 s');
      await this.sleep(500);
    }
  }

  /**
   * Checks the window [from, now): reminders and rungs due in it, reports
   * answered in it, and the mirror. Waits while some expected event is still
   * within its allowance, so a check never calls missing what may yet come in
   * time. Returns the end of the window, where the next one starts.
   */
  private async check(drill: string, from: number): Promise<number> {
    const to = Date.now();
    const db = this.db as Db;
    const outages = this.system.outages;
    for (;;) {
      const now = Date.now();
      const events: ModelEvent[] = [];
      const periods = new Map<string, ModelPeriod>();
      const unmodelled: string[] = [];
      for (const item of this.items) {
        const m = modelItem(this.model as ModelContext, item, item.actions);
        events.push(...m.events);
        for (const p of m.periods) periods.set(`${item.itemKey}|${p.seq}`, p);
        unmodelled.push(...m.unmodelled);
      }
      const rows = await loadEngineRows(db, new Set(this.items.map((i) => i.itemKey)));
      this.report.inputNotices = rows.inputNotices;
      const ladder = checkLadder(events, periods, rows, { from, to }, now, outages);
      const pending = ladder.reminders.pending + ladder.rungs.pending;
      if (pending > 0) {
        this.log.info({ drill, pending }, 'drill: waiting for events still within their allowance');
        await this.sleep(3_000);
        continue;
      }
      const accepts = this.items.flatMap((i) => [...i.actions.accepts].map(([seq, span]) => ({ itemKey: i.itemKey, seq, end: span.end })));
      const reports = checkReports((this.driver as Driver).reports, accepts, rows, { from, to });
      this.report.rows.push(
        { drill, what: 'reminders', counts: ladder.reminders },
        { drill, what: 'rungs', counts: ladder.rungs },
        { drill, what: 'reports filed', counts: reports.filed },
        { drill, what: 'reports accepted', counts: reports.accepted },
      );
      for (const line of [...ladder.details, ...reports.details].slice(0, 40)) this.report.details.push(`${drill}: ${line}`);
      await this.explain(drill, ladder.details);
      for (const u of unmodelled) if (!this.report.unmodelled.includes(u)) this.report.unmodelled.push(u);
      break;
    }
    const keys = this.items.filter((i) => i.actions.assign).map((i) => i.itemKey);
    let lastLog = Date.now();
    const mirror = await checkMirror(db, this.client as Client, keys, {
      signal: this.aborted.signal,
      progress: (n) => {
        if (Date.now() - lastLog < 5_000) return;
        lastLog = Date.now();
        this.log.info({ drill, checked: n, of: keys.length }, 'drill: mirror against the state query');
      },
    });
    this.aborted.signal.throwIfAborted();
    this.report.mirror.push({ drill, checked: mirror.checked, mismatched: mirror.mismatched.length });
    for (const line of mirror.mismatched.slice(0, 20)) this.report.details.push(`${drill}: mirror: ${line}`);
    this.report.problems.push(...(this.driver as Driver).problems.splice(0));
    const rows = this.report.rows.filter((r) => r.drill === drill);
    this.log.info({ drill, ...Object.fromEntries(rows.map((r) => [r.what, summary(r.counts)])), mirror: `${mirror.checked - mirror.mismatched.length}/${mirror.checked}` }, 'drill: checked');
    return to;
  }

  /**
   * For the log only, never for a verdict: what the drill did to each item
   * with a finding, and what its workflow says about the period in question.
   */
  private async explain(drill: string, details: string[]): Promise<void> {
    const keys = [...new Set(details.map((l) => /(item:[^|\s]+)\|/.exec(l)?.[1]).filter((k): k is string => !!k))].slice(0, 5);
    for (const key of keys) {
      const item = this.items.find((i) => i.itemKey === key);
      if (!item) continue;
      const a = item.actions;
      const span = (s?: { start: number; end: number }) => (s ? `${new Date(s.start).toISOString()}..${s.end === Infinity ? 'unanswered' : new Date(s.end).toISOString()}` : '-');
      let state = '';
      try {
        const s = await (this.client as Client).workflow.getHandle(key).query(d.stateQuery);
        const p = s.period;
        state = `state: ${s.status}, level ${s.escalationLevel}, runs ${s.runs}${p ? `, period ${p.seq} ${p.status} opened ${p.openedOn} due ${p.dueOn}; reminders ${p.reminders.map((r) => `d${r.offset}@${new Date(r.at).toISOString()}${r.fired ? '+' : ''}`).join(' ')}; rungs ${p.rungs.map((r) => `${r.rung}@${new Date(r.at).toISOString()}${r.fired ? '+' : ''}`).join(' ')}` : ''}`;
      } catch (err) {
        state = `state query failed: ${String(err)}`;
      }
      this.report.details.push(
        `${drill}: ${key} (${item.persona}, start ${item.startDate}, anchor ${a.anchorAt ? new Date(a.anchorAt).toISOString() : '-'}): assign ${span(a.assign)}, ack ${span(a.ack)}, ` +
          [...a.submits].map(([seq, s]) => `report p${seq} ${span(s)}`).join(', ') + ', ' + [...a.accepts].map(([seq, s]) => `accept p${seq} ${span(s)}`).join(', ') + `; ${state}`,
      );
    }
  }

  /** Stops the departments, then the API, the worker, Temporal and PostgreSQL; removes the run's directory. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.driver?.stop(this.aborted.signal.aborted ? 1_000 : 30_000).catch(() => undefined);
      await this.api?.close().catch(() => undefined);
      await this.connection?.close().catch(() => undefined);
      await this.db?.destroy().catch(() => undefined);
      await this.system.close();
    })();
    return this.closing;
  }
}

function summary(c: Counts): string {
  return `expected ${c.expected}, found ${c.found}, missing ${c.missing}, duplicate ${c.duplicate}, late ${c.late}, unexpected ${c.unexpected}, uncertain ${c.uncertain}`;
}

/** The final table, one line per drill and kind of record, then the mirror. */
export function formatReport(r: DrillReport): string {
  const head = ['drill', 'what', 'expected', 'found', 'missing', 'duplicate', 'late', 'unexpected', 'uncertain'];
  const lines = r.rows.map((row) => [row.drill, row.what, ...[row.counts.expected, row.counts.found, row.counts.missing, row.counts.duplicate, row.counts.late, row.counts.unexpected, row.counts.uncertain].map(String)]);
  const mirror = r.mirror.map((m) => [m.drill, 'mirror = state', String(m.checked), String(m.checked - m.mismatched), String(m.mismatched), '-', '-', '-', '-']);
  const all = [head, ...lines, ...mirror];
  const widths = head.map((_, i) => Math.max(...all.map((l) => width(l[i] ?? ''))));
  const fmt = (l: string[]) => l.map((cell, i) => (i < 2 ? pad(cell, widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  const out = [
    `Fault drills: ${r.items} items, one working day = ${r.workingDayMs} ms, seed ${r.seed}; late = written more than ${LATE_AFTER_MS / 1000} s after its due instant or the recovery`,
    fmt(head),
    ...lines.map(fmt),
    ...mirror.map(fmt),
    '',
    `Outages: ${r.outages.map((o) => `${o.what} ${((o.end - o.start) / 1000).toFixed(1)} s`).join(', ') || 'none'}`,
    `Times: ${r.timings.map((t) => `${t.phase} ${(t.ms / 1000).toFixed(0)} s`).join(', ')}`,
    `API writes retried: ${r.apiRetries}; worker log lines at error level: ${r.workerErrorLines}; periods not pinned down by the model (their events uncertain): ${r.unmodelled.length}`,
    `Co-operating inputs' reminders and 催办 (not modelled by the drill): ${r.inputNotices}`,
    ...(r.problems.length ? ['Problems:', ...r.problems.map((p) => `  ${p}`)] : []),
    ...(r.extras.length ? ['Scenario and topology checks:', ...r.extras.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${Object.entries(c.figures).map(([k, v]) => `${k} ${v}`).join(', ')}`)] : []),
    r.ok ? 'RESULT: PASS' : 'RESULT: FAIL',
  ];
  return `${out.join('\n')}\n`;
}

/** Display width: CJK characters take two columns. */
function width(s: string): number {
  let n = 0;
  for (const ch of s) n += /[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1;
  return n;
}
function pad(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - width(s)));
}
