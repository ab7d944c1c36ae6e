import { temporal } from '@temporalio/proto';
import pino from 'pino';
import { assignItem } from '../api/services/assignments';
import type { Db } from '../db/connection';
import * as d from '../workflows/definitions';
import { createCatalogDatabase } from './helpers/db';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { eventually } from './helpers/wait';

/**
 * A whole three-year quarterly item (2016-01-04 to 2018-12-31, 12 periods) on
 * the compressed clock: every period's reminders fire, then the report is
 * filed and accepted. The item continues as new at each period boundary, so
 * no run comes near Temporal's limits (50,000 events / 50 MB per run).
 */
const WORKING_DAY = 40;
const figures = pino({ name: 'history-size' });

describe('history size of a three-year quarterly item', () => {
  let db: Db;
  let t: TemporalHarness;
  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('history'));
    t = await temporalHarness(db, 'history', { workingDayMs: WORKING_DAY });
  });
  afterAll(async () => {
    await t?.close();
    await db?.destroy();
  });

  test('12 periods, one run each, every run small', async () => {
    const { workflowId } = await assignItem(
      { client: t.client, db, taskQueue: t.taskQueue, actor: 'secretariat-user', workingDayMs: WORKING_DAY },
      { planCode: 'sd-internet-plus-2016-2018', itemCode: 'A10-3', lead: 'govoffice', cooperating: ['drc'], startDate: '2016-01-04', finalDeadline: '2018-12-31', cadence: 'quarterly' },
    );
    const h = t.client.workflow.getHandle(workflowId);
    await h.executeUpdate(d.acknowledgeUpdate, { args: [{ actor: 'liaison', department: 'govoffice' }] });
    for (let seq = 1; seq <= 12; seq++) {
      // Wait for the due-day reminder, so each run carries a full period's timers and notices.
      await eventually(() => h.query(d.stateQuery), (s) => s.period?.seq === seq && s.period.reminders.every((r) => r.fired), 60_000, `period ${seq} reminders`);
      await h.executeUpdate(d.submitReportUpdate, { args: [{ actor: 'liaison', department: 'drc', periodSeq: seq, progress: '配合推进', percentDone: seq * 8 }] });
      await h.executeUpdate(d.submitReportUpdate, { args: [{ actor: 'liaison', department: 'govoffice', periodSeq: seq, progress: `第${seq}期进展`, percentDone: seq * 8 }] });
      await h.executeUpdate(d.reviewReportUpdate, { args: [{ actor: 'secretariat-user', decision: 'accept' }] });
    }
    await eventually(() => h.query(d.stateQuery), (s) => s.periodsDone && s.acceptedPeriods === 12, 30_000, 'all periods done');
    await h.executeUpdate(d.requestCompletionUpdate, { args: [{ actor: 'liaison', department: 'govoffice', summary: '三年任务全部完成' }] });
    await h.executeUpdate(d.decideCompletionUpdate, { args: [{ actor: 'secretariat-user', approve: true, grade: 'excellent' }] });
    const final = (await h.result()) as d.ItemState;
    expect(final).toMatchObject({ status: 'completed', acceptedPeriods: 12 });

    const runs: { runId: string; events: number; bytes: number }[] = [];
    const listed = await eventually(
      async () => {
        const ids: string[] = [];
        for await (const w of t.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) ids.push(w.runId);
        return ids;
      },
      (ids) => ids.length >= final.runs,
      20_000,
      'all runs listed',
    );
    for (const runId of listed) {
      const history = await t.client.workflow.getHandle(workflowId, runId).fetchHistory();
      runs.push({ runId, events: history.events?.length ?? 0, bytes: temporal.api.history.v1.History.encode(history).finish().length });
    }
    const total = runs.reduce((a, r) => ({ events: a.events + r.events, bytes: a.bytes + r.bytes }), { events: 0, bytes: 0 });
    const largest = runs.reduce((a, r) => (r.events > a.events ? r : a));
    figures.info({ runs: runs.length, totalEvents: total.events, totalBytes: total.bytes, largestRunEvents: largest.events, largestRunBytes: largest.bytes }, 'three-year quarterly item: history size');

    expect(runs.length).toBe(final.runs);
    expect(runs.length).toBeGreaterThanOrEqual(12);
    // Temporal warns at 10,240 events or 10 MB per run and stops at 51,200 / 50 MB.
    expect(largest.events).toBeLessThan(400);
    expect(largest.bytes).toBeLessThan(512 * 1024);
  });
});
