/**
 * (f) The history of one item over simulated years: one quarterly item on a
 * compressed clock, assigned through the product's assignment service,
 * acknowledged, every period's reminders fired, its co-operating input and
 * consolidated report filed and accepted, then completed. Its history is read
 * back run by run (it continues as new at each period boundary): events and
 * bytes in total, of the largest run, and of the last.
 */
import { temporal } from '@temporalio/proto';
import { assignItem } from '../api/services/assignments';
import * as d from '../workflows/definitions';
import { type Harness, type Sizes, until } from './harness';

const PLAN = 'sd-internet-plus-2016-2018';

export interface HistoryResult {
  simulatedYears: number;
  periods: number;
  workingDayMs: number;
  wallSeconds: number;
  runs: number;
  totalEvents: number;
  totalBytes: number;
  largestRunEvents: number;
  largestRunBytes: number;
  lastRunEvents: number;
  lastRunBytes: number;
  reminders: number;
  escalations: number;
  perRun: { events: number; bytes: number }[];
}

export async function runHistory(h: Harness, sizes: Sizes): Promise<HistoryResult> {
  const { log, client } = h;
  const years = sizes.historyYears;
  const WORKING_DAY_MS = sizes.historyWorkingDayMs;
  const periods = 4 * years;
  const taskQueue = 'bench-history';
  const bdb = await h.database('history');
  const w = await h.worker({ name: 'history', taskQueue, databaseUrl: bdb.url, workingDayMs: WORKING_DAY_MS, mergeWindowMs: 50 });
  const t0 = Date.now();
  try {
    const finalDeadline = `${2015 + years}-12-31`;
    const { workflowId } = await assignItem(
      { client, db: bdb.db, taskQueue, actor: 'bench-secretariat', workingDayMs: WORKING_DAY_MS },
      { planCode: PLAN, itemCode: 'A10-3', lead: 'govoffice', cooperating: ['drc'], startDate: '2016-01-04', finalDeadline, cadence: 'quarterly' },
    );
    const hd = client.workflow.getHandle(workflowId);
    await hd.executeUpdate(d.acknowledgeUpdate, { args: [{ actor: 'liaison', department: 'govoffice' }] });
    for (let seq = 1; seq <= periods; seq++) {
      const reached = await until(() => hd.query(d.stateQuery), (s) => s.period?.seq === seq && s.period.reminders.every((r) => r.fired), 120_000, 50);
      if (!reached.ok) throw new Error(`period ${seq}: reminders did not all fire in time`);
      await hd.executeUpdate(d.submitReportUpdate, { args: [{ actor: 'liaison', department: 'drc', periodSeq: seq, progress: '配合推进', percentDone: Math.min(100, seq * 8) }] });
      await hd.executeUpdate(d.submitReportUpdate, { args: [{ actor: 'liaison', department: 'govoffice', periodSeq: seq, progress: `第${seq}期进展`, percentDone: Math.min(100, seq * 8) }] });
      await hd.executeUpdate(d.reviewReportUpdate, { args: [{ actor: 'bench-secretariat', decision: 'accept' }] });
      log.info({ step: 'f.periods', done: seq, total: periods, simulated: reached.value.period?.endsOn }, `f. period ${seq}/${periods} accepted`);
    }
    await until(() => hd.query(d.stateQuery), (s) => s.periodsDone && s.acceptedPeriods === periods, 60_000);
    await hd.executeUpdate(d.requestCompletionUpdate, { args: [{ actor: 'liaison', department: 'govoffice', summary: '任务全部完成' }] });
    await hd.executeUpdate(d.decideCompletionUpdate, { args: [{ actor: 'bench-secretariat', approve: true, grade: 'excellent' }] });
    const final = (await hd.result()) as d.ItemState;
    const wallSeconds = (Date.now() - t0) / 1000;

    const listed = await until(
      async () => {
        const ids: string[] = [];
        for await (const x of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) ids.push(x.runId);
        return ids;
      },
      (ids) => ids.length >= final.runs,
      30_000,
      500,
    );
    const perRun: { runId: string; events: number; bytes: number; start: number }[] = [];
    for (const runId of listed.value) {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      const first = history.events?.[0]?.eventTime;
      perRun.push({ runId, events: history.events?.length ?? 0, bytes: temporal.api.history.v1.History.encode(history).finish().length, start: Number(first?.seconds ?? 0) * 1000 + Math.floor((first?.nanos ?? 0) / 1e6) });
    }
    perRun.sort((a, b) => a.start - b.start);
    const total = perRun.reduce((a, r) => ({ events: a.events + r.events, bytes: a.bytes + r.bytes }), { events: 0, bytes: 0 });
    const largest = perRun.reduce((a, r) => (r.events > a.events ? r : a), perRun[0] ?? { events: 0, bytes: 0 });
    const last = perRun[perRun.length - 1] ?? { events: 0, bytes: 0 };
    const count = async (table: string, where: Record<string, unknown>) => Number(((await bdb.db(table).where(where).count({ n: '*' }).first()) as { n: string }).n);
    return {
      simulatedYears: years,
      periods,
      workingDayMs: WORKING_DAY_MS,
      wallSeconds,
      runs: perRun.length,
      totalEvents: total.events,
      totalBytes: total.bytes,
      largestRunEvents: largest.events,
      largestRunBytes: largest.bytes,
      lastRunEvents: last.events,
      lastRunBytes: last.bytes,
      reminders: await count('notifications', { item_key: workflowId, kind: 'reminder' }),
      escalations: Number(((await bdb.db('escalations as e').join('assignments as a', 'a.id', 'e.assignment_id').where('a.workflow_id', workflowId).count({ n: '*' }).first()) as { n: string }).n),
      perRun: perRun.map(({ events, bytes }) => ({ events, bytes })),
    };
  } finally {
    await w.stop();
  }
}
