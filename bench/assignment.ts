/**
 * (b) Assignment rate through the HTTP API (createApp, in this process, real
 * secretariat token): one item per request (POST .../items/:item/assign) from
 * the same 50 closed-loop clients as the no-op baseline, and in bulk (POST
 * /plans/:plan/assignments, 100 items a request). An assignment counts once
 * its row is written and its workflow started: the API answers 201 only then
 * (update-with-start; the workflow answers once the row exists), and the rows
 * are counted again afterwards.
 */
import { temporal } from '@temporalio/proto';
import { leadDepartments, type CpuReport, type Harness, type Sizes, timedRequest, until } from './harness';
import { partiesFor, seedPlan } from './seed';
import { itemWorkflowId } from '../workflows/definitions';

export interface ItemHistory {
  events: number;
  bytes: number;
  workflowTasks: number;
  activities: Record<string, number>;
  /** Events by type (EVENT_TYPE_ left off). */
  byType: Record<string, number>;
}

/** Events of a workflow's history by kind: its workflow tasks, activities by name, updates, search-attribute upserts. */
export async function historyOf(h: Harness, workflowId: string): Promise<ItemHistory> {
  const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const activities: Record<string, number> = {};
  let workflowTasks = 0;
  const byType: Record<string, number> = {};
  for (const e of events) {
    if (e.workflowTaskCompletedEventAttributes) workflowTasks += 1;
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) activities[name] = (activities[name] ?? 0) + 1;
    const type = (temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');
    byType[type] = (byType[type] ?? 0) + 1;
  }
  return { events: events.length, bytes: temporal.api.history.v1.History.encode(history).finish().length, workflowTasks, activities, byType };
}
import { rate, summarize, type Summary } from './stats';

/** One working day lasts an hour: nothing falls due while the figure runs. */
export const QUIET_WORKING_DAY_MS = 3_600_000;
const START_DATE = '2016-03-28';

export interface AssignPhase {
  items: number;
  ok: number;
  /** Items whose row was never written. */
  failed: number;
  /** Answers other than 201 by HTTP status, retried or not (503: the request's wait for Temporal ran out; 409 on a retry: an earlier attempt had started it). */
  failures: Record<string, number>;
  seconds: number;
  ratePerSecond: number;
  /** Per request: one item, or one bulk request of `batch` items. */
  latencyMs: Summary;
  rowsWritten: number;
  cpu: CpuReport;
  samples: number[];
}

export interface AssignmentResult {
  /** What one assignment costs Temporal: the first item's history once it has settled (a no-op workflow has 5 events, 1 workflow task). */
  oneItem: ItemHistory;
  workers: number;
  clients: number;
  single: AssignPhase;
  bulk: AssignPhase & { batch: number; concurrentRequests: number };
}

export async function runAssignment(h: Harness, sizes: Sizes, opts: { workers: number; label: string }): Promise<AssignmentResult> {
  const { log } = h;
  const taskQueue = `bench-assign-${opts.label}`;
  const bdb = await h.database(`assign_${opts.label}`);
  const planCode = `bench-assign-${opts.label}`;
  const plan = await seedPlan(bdb.db, { code: planCode, items: sizes.assignSeedItems, periodStart: '2016-01-01', periodEnd: '2018-12-31' });
  const departments = await leadDepartments(bdb.db);
  const workers = await Promise.all(Array.from({ length: opts.workers }, (_, i) => h.worker({ name: `${opts.label}-${i + 1}`, taskQueue, databaseUrl: bdb.url, workingDayMs: QUIET_WORKING_DAY_MS })));
  const api = await h.api(bdb, { taskQueue, workingDayMs: QUIET_WORKING_DAY_MS, log: log.child({ component: 'api' }, { level: 'error' }) });
  const token = await api.token('secretariat');
  const rowAppears = async (code: string, waitMs: number) =>
    (
      await until(
        async () => (await bdb.db('assignments as a').join('items as i', 'i.id', 'a.item_id').where({ 'i.plan_id': plan.planId, 'i.code': code }).first('a.id')) !== undefined,
        (found) => found,
        waitMs,
        200,
      )
    ).ok;
  const rows = async (codes: string[]) =>
    Number(((await bdb.db('assignments as a').join('items as i', 'i.id', 'a.item_id').whereIn('i.code', codes).where('i.plan_id', plan.planId).count({ n: '*' }).first()) as { n: string }).n);
  // Items are taken in order by both phases; each phase stops taking new ones after `assignSeconds`.
  let nextItem = 0;
  const take = () => {
    const i = nextItem++;
    if (i >= plan.itemCodes.length) throw new Error(`all ${plan.itemCodes.length} seeded items are assigned: seed more (assignSeedItems)`);
    return { i, code: plan.itemCodes[i] as string };
  };
  try {
    // Warm-up outside the measurement: the first requests compile routes and open connections.
    for (let k = 0; k < 5; k++) {
      const { i, code } = take();
      const r = await timedRequest(`${api.url}/api/v1/plans/${planCode}/items/${code}/assign`, { method: 'POST', token, json: { ...partiesFor(i, departments), startDate: START_DATE } });
      if (r.status !== 201 && !(await rowAppears(code, 30_000))) throw new Error(`warm-up assignment answered ${r.status}: ${JSON.stringify(r.body)}`);
    }

    // One item per request, 50 clients in a closed loop for assignSeconds. A 503 (the API's wait for Temporal ran
    // out) and a 409 on the retry (the first attempt had started the workflow) are waited out: the item counts once
    // its row is written, whichever attempt wrote it.
    const singleCodes: string[] = [];
    const single = await phase(h, workers, `${opts.label}.assign-single`, async (record) => {
      const end = Date.now() + sizes.assignSeconds * 1000;
      const ticker = setInterval(() => log.info({ step: `${opts.label}.assign-single`, started: singleCodes.length, seconds: sizes.assignSeconds }, 'b. assigning one item per request'), 5_000);
      try {
        await Promise.all(
          Array.from({ length: sizes.clients }, async () => {
            while (Date.now() < end) {
              const { i, code } = take();
              singleCodes.push(code);
              const t0 = performance.now();
              const statuses: number[] = [];
              let done = false;
              for (let attempt = 0; attempt < 5 && !done; attempt++) {
                const r = await timedRequest(`${api.url}/api/v1/plans/${planCode}/items/${code}/assign`, {
                  method: 'POST',
                  token,
                  headers: { 'idempotency-key': `bench-${code}` },
                  json: { ...partiesFor(i, departments), startDate: START_DATE },
                });
                statuses.push(r.status);
                if (r.status === 201) done = true;
                else if (r.status === 503 || r.status === 409) done = await rowAppears(code, 30_000);
                else break;
              }
              record(performance.now() - t0, done ? 1 : 0, statuses.filter((x) => x !== 201));
            }
          }),
        );
      } finally {
        clearInterval(ticker);
      }
      return singleCodes.length;
    });
    single.rowsWritten = await rows(singleCodes);

    // Bulk: requests of `bulkBatch` items, one request at a time (as a secretariat user sends a batch), until
    // assignBulk items or assignSeconds. Items answered 503 go again in the next request; a 409 then means an
    // earlier attempt had started them.
    const bulkCodes: string[] = [];
    const bulk = await phase(h, workers, `${opts.label}.assign-bulk`, async (record) => {
      const end = Date.now() + sizes.assignSeconds * 1000;
      while (bulkCodes.length < sizes.assignBulk && Date.now() < end) {
        let pending = Array.from({ length: sizes.bulkBatch }, () => {
          const { i, code } = take();
          bulkCodes.push(code);
          return { itemCode: code, ...partiesFor(i, departments), startDate: START_DATE };
        });
        const t0 = performance.now();
        const statuses: number[] = [];
        let ok = 0;
        for (let attempt = 0; attempt < 5 && pending.length; attempt++) {
          const r = await timedRequest(`${api.url}/api/v1/plans/${planCode}/assignments`, { method: 'POST', token, json: { items: pending } });
          const results = r.status === 200 ? ((r.body as { results: { index: number; status: number }[] }).results ?? []) : pending.map((_, index) => ({ index, status: r.status }));
          const retry: typeof pending = [];
          for (const x of results) {
            const item = pending[x.index] as (typeof pending)[number];
            if (x.status !== 201) statuses.push(x.status);
            if (x.status === 201 || (x.status === 409 && (await rowAppears(item.itemCode, 30_000)))) ok += 1;
            else if (x.status === 503) retry.push(item);
          }
          pending = retry;
        }
        record(performance.now() - t0, ok, statuses);
        log.info({ step: `${opts.label}.assign-bulk`, done: bulkCodes.length, total: sizes.assignBulk, requestSeconds: Math.round((performance.now() - t0) / 100) / 10 }, 'b. bulk request answered');
      }
      return bulkCodes.length;
    });
    bulk.rowsWritten = await rows(bulkCodes);
    const oneItem = await historyOf(h, itemWorkflowId(planCode, plan.itemCodes[0] as string));
    return { workers: opts.workers, clients: sizes.clients, single, bulk: { ...bulk, batch: sizes.bulkBatch, concurrentRequests: 1 }, oneItem };
  } finally {
    await api.close();
    for (const w of workers) await w.stop();
  }
}

async function phase(
  h: Harness,
  workers: Parameters<Harness['cpu']>[0],
  step: string,
  run: (record: (ms: number, ok: number, failedStatuses: number[]) => void) => Promise<number>,
): Promise<AssignPhase> {
  const latencies: number[] = [];
  let ok = 0;
  const failures: Record<string, number> = {};
  const cpu = h.cpu(workers);
  const t0 = Date.now();
  let last = t0;
  const items = await run((ms, n, failed) => {
    last = Date.now();
    latencies.push(ms);
    ok += n;
    for (const s of failed) failures[String(s)] = (failures[String(s)] ?? 0) + 1;
  });
  // To the last answer: a closed loop's rate, the tail of in-flight requests included.
  const elapsed = last - t0;
  const report = cpu.stop();
  const failed = items - ok;
  h.log.info({ step, items, ok, failed, ratePerSecond: Math.round(rate(ok, elapsed) * 10) / 10 }, `${step}: rate`);
  return { items, ok, failed, failures, seconds: elapsed / 1000, ratePerSecond: rate(ok, elapsed), latencyMs: summarize(latencies), rowsWritten: 0, cpu: report, samples: latencies };
}
