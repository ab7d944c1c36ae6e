import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { refusalReason } from '../api/services/workflow-errors';
import { assignItem } from '../api/services/assignments';
import type { Db } from '../db/connection';
import { createLogger } from '../platform/logger';
import * as d from '../workflows/definitions';
import { createCatalogDatabase } from './helpers/db';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { mirrorProblems } from './helpers/mirror';
import { random } from './helpers/random';
import { eventually, sleep } from './helpers/wait';

/**
 * Randomised interleaving on the real server: many items, each driven by a
 * seeded random mix of reports, returns, extensions, reassignments, 批示,
 * completion requests and calendar changes, often two at once, while the
 * compressed clock runs the reminder and escalation ladder underneath. After
 * each run the invariants are checked against the workflow's histories, its
 * final state and the PostgreSQL mirror. The seed is printed; set
 * INTERLEAVE_SEED to replay a run's choices.
 */
const SEED = Number(process.env.INTERLEAVE_SEED ?? 20261127);
const RUNS = Number(process.env.INTERLEAVE_RUNS ?? 50);
const PARALLEL = 5;
const WORKING_DAY = 150;
const PLAN = 'sd-internet-plus-2016-2018';
const out = createLogger({ level: 'info', pretty: 'false', name: 'interleaving' });



const REFUSALS = new Set(['InvalidRequest', 'InvalidDueDate', 'InvalidDate']);

function laterWeekday(date: string, days: number): string {
  const t = new Date(`${date}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + days);
  while (t.getUTCDay() === 0 || t.getUTCDay() === 6) t.setUTCDate(t.getUTCDate() + 1);
  return t.toISOString().slice(0, 10);
}

/** For the report: why the item's workflow tasks failed, as its history says. */
async function taskFailures(h: WorkflowHandle): Promise<string> {
  try {
    const events = (await h.fetchHistory()).events ?? [];
    const failed = events.map((e) => e.workflowTaskFailedEventAttributes).filter((a) => !!a);
    return failed.length ? `; workflow tasks failed: ${failed.map((a) => `cause ${String(a?.cause)}: ${a?.failure?.message ?? ''}`).join(' | ')}` : '';
  } catch (err) {
    return `; history not read: ${String(err)}`;
  }
}

interface RunLog {
  item: string;
  ops: string[];
  receipts: string[];
  unexpected: string[];
  closed: boolean;
}

describe('randomised interleaving of updates, signals and the ladder', () => {
  let db: Db;
  let t: TemporalHarness;

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('interleave'));
    t = await temporalHarness(db, 'interleave', { workingDayMs: WORKING_DAY });
  });
  afterAll(async () => {
    await t?.close();
    await db?.destroy();
  });

  async function drive(itemCode: string, rnd: () => number): Promise<{ handle: WorkflowHandle; log: RunLog }> {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const { workflowId } = await assignItem(
      { client: t.client, db, taskQueue: t.taskQueue, actor: 'secretariat-user', workingDayMs: WORKING_DAY },
      { planCode: PLAN, itemCode, lead: 'eic', cooperating: ['sti'], cadence: 'monthly', startDate: '2016-03-28', finalDeadline: '2016-06-30' },
    );
    const h = t.client.workflow.getHandle(workflowId);
    const log: RunLog = { item: itemCode, ops: [], receipts: [], unexpected: [], closed: false };
    const state = () => h.query(d.stateQuery);
    const sec = { actor: 'secretariat-user' };

    const ops: Record<string, (s: d.ItemState) => Promise<unknown>> = {
      ack: (s) => h.executeUpdate(d.acknowledgeUpdate, { args: [{ actor: 'liaison', department: s.lead }] }),
      reportLead: async (s) => {
        const r = await h.executeUpdate(d.submitReportUpdate, { args: [{ actor: 'lead', department: s.lead, periodSeq: s.period?.seq ?? 1, progress: '牵头单位汇总进展', percentDone: Math.floor(rnd() * 101) }] });
        log.receipts.push(r.receiptId);
        // Read your own write: the receipt is in PostgreSQL when the answer comes.
        if (!(await db('reports').where({ receipt_id: r.receiptId }).first())) log.unexpected.push(`report ${r.receiptId} answered but not in the mirror`);
      },
      reportCoop: async (s) => {
        const coop = s.cooperating[0] ?? 'sti';
        const r = await h.executeUpdate(d.submitReportUpdate, { args: [{ actor: 'coop', department: coop, periodSeq: s.period?.seq ?? 1, progress: '配合单位进展', percentDone: 50 }] });
        log.receipts.push(r.receiptId);
      },
      accept: async () => {
        const v = await h.executeUpdate(d.reviewReportUpdate, { args: [{ ...sec, decision: 'accept' }] });
        const row = await db('periods as p').join('assignments as a', 'a.id', 'p.assignment_id').where({ 'a.workflow_id': workflowId, 'p.seq': v.seq }).first('p.status');
        if (row?.status !== 'accepted') log.unexpected.push(`period ${v.seq} accepted but the mirror says ${row?.status}`);
      },
      return: (s) => h.executeUpdate(d.reviewReportUpdate, { args: [{ ...sec, decision: 'return', comment: '请补充', newDueOn: laterWeekday(s.period?.dueOn ?? '2016-04-08', 5 + Math.floor(rnd() * 20)) }] }),
      extend: (s) =>
        h.executeUpdate(d.requestExtensionUpdate, { args: [{ actor: 'lead', department: s.lead, requestedDueOn: laterWeekday(s.period?.dueOn ?? '2016-04-08', 3 + Math.floor(rnd() * 20)), reason: '数据汇总中' }] }),
      decide: (s) => h.executeUpdate(d.decideExtensionUpdate, { args: [{ ...sec, extensionId: s.pendingExtension?.extensionId ?? 'none', approve: rnd() < 0.7 }] }),
      reassign: (s) => h.executeUpdate(d.reassignLeadUpdate, { args: [{ ...sec, newLead: s.lead === 'eic' ? 'commerce' : 'eic', reason: '职能调整' }] }),
      instruct: () => h.executeUpdate(d.instructUpdate, { args: [{ actor: 'leader', text: '抓紧推进' }] }),
      calendar: () => h.signal(d.calendarChangedSignal),
      askDone: (s) => h.executeUpdate(d.requestCompletionUpdate, { args: [{ actor: 'lead', department: s.lead, summary: '已完成' }] }),
      decideDone: async () => {
        const approve = rnd() < 0.3;
        const status = await h.executeUpdate(d.decideCompletionUpdate, { args: [{ ...sec, approve, ...(approve ? { grade: 'good' as const } : {}) }] });
        if (status === 'completed') log.closed = true;
      },
    };
    // Weighted: reports and reviews most often, the rest now and then.
    const menu = ['ack', 'ack', 'reportLead', 'reportLead', 'reportLead', 'reportCoop', 'accept', 'accept', 'accept', 'return', 'extend', 'decide', 'reassign', 'instruct', 'calendar', 'calendar', 'askDone', 'decideDone'];

    const attempt = async (name: string) => {
      log.ops.push(name);
      try {
        await ops[name]!(await state());
      } catch (err) {
        const why = refusalReason(err);
        if (err instanceof WorkflowUpdateFailedError && why?.type && REFUSALS.has(why.type)) return;
        if (err instanceof WorkflowNotFoundError && log.closed) return;
        log.unexpected.push(`${name}: ${err instanceof Error ? `${err.name}: ${err.message}; ${why?.message ?? ''}${err.cause instanceof Error ? ` (cause: ${err.cause.message})` : ''}` : String(err)}${await taskFailures(h)}`);
      }
    };

    const steps = 10 + Math.floor(rnd() * 10);
    for (let i = 0; i < steps && !log.closed; i++) {
      if (rnd() < 0.35) await Promise.all([attempt(pick(menu)), attempt(pick(menu))]);
      else await attempt(pick(menu));
      if (rnd() < 0.6) await sleep(Math.floor(rnd() * 3 * WORKING_DAY));
    }
    if (!log.closed) {
      const s = await state();
      if (d.OPEN_STATUSES.includes(s.status)) await h.executeUpdate(d.cancelUpdate, { args: [{ ...sec, reason: '测试结束' }] });
      log.closed = true;
    }
    return { handle: h, log };
  }

  async function histories(workflowId: string, runs: number) {
    const listed = await eventually(
      async () => {
        const all = [];
        for await (const w of t.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) all.push(w);
        return all;
      },
      (all) => all.length >= runs,
      15_000,
      `${runs} runs of ${workflowId} listed`,
    );
    return Promise.all(listed.map((w) => t.client.workflow.getHandle(workflowId, w.runId).fetchHistory()));
  }

  /** What the workflow asked its activities to record, across every run: [kind, key] of each event. */
  async function recordedEvents(workflowId: string, runs: number): Promise<{ kind: string; key: string }[]> {
    const events: { kind: string; key: string }[] = [];
    for (const history of await histories(workflowId, runs)) {
      for (const e of history.events ?? []) {
        const a = e.activityTaskScheduledEventAttributes;
        if (a?.activityType?.name !== 'recordItemEvent') continue;
        const ev = JSON.parse(Buffer.from(a.input?.payloads?.[0]?.data ?? new Uint8Array()).toString('utf8'));
        if (ev.kind === 'escalation') events.push({ kind: 'escalation', key: `${ev.subject}:p${ev.periodSeq}:${ev.rung.rung}` });
        if (ev.kind === 'reminder') events.push({ kind: 'reminder', key: `${ev.subject ?? 'report'}:p${ev.periodSeq}:${ev.dueOn}:d${ev.offset}` });
      }
    }
    return events;
  }

  async function checkInvariants(h: WorkflowHandle, log: RunLog): Promise<string[]> {
    const problems: string[] = [];
    const final = (await h.result()) as d.ItemState;
    const a = await db('assignments as a').join('departments as d', 'd.id', 'a.lead_department_id').where('a.workflow_id', h.workflowId).first('a.*', 'd.code as lead');
    const periods = (await db('periods').where({ assignment_id: a.id }).orderBy('seq').select(
      'seq',
      'status',
      db.raw(`to_char(starts_on, 'YYYY-MM-DD') as starts_on`),
      db.raw(`to_char(ends_on, 'YYYY-MM-DD') as ends_on`),
      db.raw(`to_char(due_on, 'YYYY-MM-DD') as due_on`),
      db.raw(`to_char(original_due_on, 'YYYY-MM-DD') as original_due_on`),
      db.raw(`to_char(extended_due_on, 'YYYY-MM-DD') as extended_due_on`),
    )) as { seq: number; status: string; starts_on: string; ends_on: string; due_on: string; original_due_on: string; extended_due_on: string | null }[];
    const reports = (await db('reports').where({ assignment_id: a.id }).select('receipt_id', 'period_seq', 'kind', 'review')) as { receipt_id: string; period_seq: number; kind: string; review: string | null }[];

    // 1. Every accepted report exists exactly once; every answered report is recorded once, and nothing else is.
    for (const p of periods.filter((x) => x.status === 'accepted')) {
      const accepted = reports.filter((r) => r.period_seq === p.seq && r.kind === 'consolidated' && r.review === 'accepted');
      if (accepted.length !== 1) problems.push(`period ${p.seq} is accepted with ${accepted.length} accepted reports`);
    }
    if (final.acceptedPeriods !== periods.filter((x) => x.status === 'accepted').length) problems.push(`state counts ${final.acceptedPeriods} accepted periods, the mirror ${periods.filter((x) => x.status === 'accepted').length}`);
    const recorded = reports.map((r) => r.receipt_id).sort();
    if (JSON.stringify(recorded) !== JSON.stringify([...log.receipts].sort())) problems.push(`answered receipts ${log.receipts.length} differ from recorded reports ${recorded.length}`);

    // 2. No rung (and no reminder) fires twice in a period: counted in what the workflow itself scheduled.
    const events = await recordedEvents(h.workflowId, final.runs);
    const seen = new Map<string, number>();
    for (const e of events) seen.set(`${e.kind}:${e.key}`, (seen.get(`${e.kind}:${e.key}`) ?? 0) + 1);
    for (const [key, n] of seen) if (n > 1) problems.push(`${key} scheduled ${n} times`);
    const escalationRows = Number(((await db('escalations').where({ assignment_id: a.id }).count({ n: '*' }).first()) as { n: string }).n);
    if (escalationRows !== events.filter((e) => e.kind === 'escalation').length) problems.push(`${escalationRows} escalation rows for ${events.filter((e) => e.kind === 'escalation').length} rungs fired`);

    // 3. No period is skipped: 1..n, each starting the day after the one before ended.
    periods.forEach((p, i) => {
      if (p.seq !== i + 1) problems.push(`period ${i + 1} missing (found ${p.seq})`);
      const before = periods[i - 1];
      if (before && new Date(Date.parse(`${before.ends_on}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10) !== p.starts_on) problems.push(`period ${p.seq} starts ${p.starts_on} after ${before.ends_on}`);
    });
    if (final.nextPeriodSeq - 1 > periods.length) problems.push(`state has passed period ${final.nextPeriodSeq - 1}, the mirror holds ${periods.length}`);

    // 4. The mirror equals the workflow's state.
    problems.push(...(await mirrorProblems(db, h.workflowId, final)));
    return problems;
  }

  test(`${RUNS} seeded runs keep every invariant`, async () => {
    out.info({ seed: SEED, runs: RUNS, parallel: PARALLEL, workingDayMs: WORKING_DAY }, 'interleaving: seed and run count');
    const codes = ((await db('items as i').join('plans as p', 'p.id', 'i.plan_id').where('p.code', PLAN).orderBy('i.code').pluck('i.code')) as string[]).slice(0, RUNS);
    expect(codes).toHaveLength(RUNS);
    const failures: string[] = [];
    const tally = new Map<string, number>();
    let next = 0;
    const lane = async () => {
      while (next < codes.length) {
        const index = next++;
        const code = codes[index] as string;
        const { handle, log } = await drive(code, random(SEED + index));
        for (const op of log.ops) tally.set(op, (tally.get(op) ?? 0) + 1);
        const problems = [...log.unexpected, ...(await checkInvariants(handle, log))];
        if (problems.length) failures.push(`${code} (seed ${SEED + index}, ops ${log.ops.join(',')}): ${problems.join('; ')}`);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, lane));
    out.info({ seed: SEED, runs: RUNS, operations: Object.fromEntries(tally), failures: failures.length }, 'interleaving: done');
    expect(failures).toEqual([]);
  }, 900_000);
});
