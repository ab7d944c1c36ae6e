/**
 * (d) N item deadlines falling due in the same second: the product's item
 * workflow (workflows/item/, unchanged) plans its reporting period and
 * fires its first reminder, whose activity commits a `notifications` row of
 * kind 'reminder'. Measured: due instant to row committed (p50, p95, max),
 * against N bare timers due in one second (a); missing and duplicate rows.
 *
 * How the N reminders are made to fall due in one second: an item's clock is
 * anchored on the instant its workflow first ran (ItemState.assignedAt), so N
 * items started one after another would fall due spread over the time it
 * took to start them. Each workflow is therefore started as an item resumes
 * after continue-as-new: with `carried` state whose assignedAt is the same
 * instant for all N, its assignment row already written (as recordAssignment
 * writes it), acknowledged. The workflow then plans its period itself
 * (planFinalDeadline, planReportingPeriod, syncItem) and sleeps until the
 * reminder, as every item does after its first period boundary. With the real
 * clock the same happens every morning: every item's reminders of a day fire
 * at 09:00.
 */
import { calendarCache } from '../db/calendar/store';
import { createClock } from '../domain/clock';
import { planPeriod } from '../domain/schedule';
import { CATCH_UP_WORKING_DAYS, actionSA, escalationLevelSA, itemWorkflowId, leadSA, planSA, stateQuery, statusSA, type ItemPolicy, type ItemState, type ItemWorkflowInput } from '../workflows/definitions';
import { itemWorkflow } from '../workflows';
import { burstResult, progressEvery, type TimerBurst } from './baselines';
import { leadDepartments, pool, progress, sleep, type Harness, type Sizes, until, watchCommits } from './harness';
import { partiesFor, seedPlan } from './seed';

/** Two minutes per working day: the reminders after the first come 4 minutes later, after the measurement. */
const WORKING_DAY_MS = 120_000;
const START = '2016-03-28';
const FINAL = '2018-12-31';

export interface DeadlineResult extends TimerBurst {
  workers: number;
  workingDayMs: number;
  /** Lead departments the reminders went to (reminders of one department and day are merged into one message). */
  departments: number;
  reminderOffsetWorkingDays: number;
  /** Items whose period was planned and mirrored before the due instant (all N, or the figure is not valid). */
  plannedBeforeDue: number;
  startRatePerSecond: number;
  /** From the first start to every item planned and mirrored. */
  plannedSeconds: number;
  marginSeconds: number;
}

/**
 * `perItemMs`: how long starting and planning one item is expected to take on this machine now (from (b), or
 * an earlier (d)): the due instant is put that far ahead per item, plus 10 s, so every item is planned first.
 */
export async function runDeadlines(h: Harness, sizes: Sizes, opts: { workers: number; label: string; perItemMs?: number }): Promise<DeadlineResult> {
  const { log, client } = h;
  const n = sizes.deadlines;
  const taskQueue = `bench-deadlines-${opts.label}`;
  const bdb = await h.database(`deadlines_${opts.label}`);
  const { db } = bdb;
  const planCode = `bench-due-${opts.label}`;
  const plan = await seedPlan(db, { code: planCode, items: n, periodStart: '2016-01-01', periodEnd: FINAL });
  const departments = await leadDepartments(db);
  const planRow = (await db('plans as p').join('departments as d', 'd.id', 'p.secretariat_department_id').where('p.code', planCode).first('p.policy', 'd.code as secretariat')) as { policy: ItemPolicy; secretariat: string };
  // The policy as the assignment service builds it.
  const policy: ItemPolicy = {
    cadence: planRow.policy.cadence,
    dueOffsetWorkingDays: planRow.policy.dueOffsetWorkingDays,
    reminderOffsetsWorkingDays: planRow.policy.reminderOffsetsWorkingDays,
    acknowledgeWithinWorkingDays: planRow.policy.acknowledgeWithinWorkingDays,
    escalation: planRow.policy.escalation,
    catchUpWorkingDays: planRow.policy.catchUpWorkingDays ?? CATCH_UP_WORKING_DAYS,
  };

  // Where the first reminder falls on a clock anchored at instant 0; the anchor is then chosen so it falls at dueAt.
  const cal = await calendarCache(db)();
  const period0 = planPeriod(cal, createClock(cal, { date: START, at: 0 }, WORKING_DAY_MS), { seq: 1, startsOn: START, finalDeadline: FINAL, policy, now: 0, assignedOn: START });
  const first = [...period0.reminders].sort((a, b) => a.at - b.at)[0];
  if (!first) throw new Error('the plan policy has no reminders');
  const perItemMs = Math.min(2_000, Math.max(30, opts.perItemMs ?? 300));
  const marginMs = 10_000 + n * perItemMs;
  const dueAt = Math.ceil((Date.now() + marginMs) / 1000) * 1000;
  const anchorAt = dueAt - first.at;

  // The assignment rows, as recordAssignment writes them, the item acknowledged.
  await db.raw(
    `with d as (select array_agg(id order by code) ids from departments where kind <> 'secretariat'),
          i as (select id, code, row_number() over (order by id) - 1 idx from items where plan_id = ?)
     insert into assignments (item_id, workflow_id, lead_department_id, cadence, due_offset_working_days, start_date, assigned_on, final_deadline,
                              policy, status, acknowledged_at, assigned_by, assigned_at)
     select i.id, 'item:' || ? || ':' || i.code, d.ids[1 + i.idx % array_length(d.ids, 1)], ?, ?, ?, ?, ?, ?, 'acknowledged', now(), 'bench', ?
     from i, d`,
    [plan.planId, planCode, policy.cadence, policy.dueOffsetWorkingDays, START, START, FINAL, JSON.stringify(policy), new Date(anchorAt)],
  );

  const workers = await Promise.all(Array.from({ length: opts.workers }, (_, i) => h.worker({ name: `${opts.label}-${i + 1}`, taskQueue, databaseUrl: bdb.url, workingDayMs: WORKING_DAY_MS })));
  try {
    log.info({ step: `${opts.label}.start`, n, dueAt: new Date(dueAt).toISOString(), reminderOn: first.on, offset: first.offset }, 'd. starting item workflows whose first reminder falls due in one second');
    const p = progress(log, `${opts.label}.start item workflows`, n);
    const t0 = Date.now();
    const started = await pool(n, 20, async (i) => {
      const itemCode = plan.itemCodes[i] as string;
      const { lead, cooperating } = partiesFor(i, departments);
      const itemKey = itemWorkflowId(planCode, itemCode);
      const carried: ItemState = {
        itemKey,
        status: 'acknowledged',
        lead,
        cooperating,
        assignedAt: anchorAt,
        nextPeriodSeq: 1,
        periodsDone: false,
        acceptedPeriods: 0,
        escalationLevel: 0,
        instructions: 0,
        runs: 1,
      };
      const input: ItemWorkflowInput = {
        itemKey,
        planCode,
        actionCode: 'bench',
        itemCode,
        title: `基准事项${i + 1}`,
        lead,
        cooperating,
        secretariat: planRow.secretariat,
        startDate: START,
        finalDeadline: FINAL,
        policy,
        assignedBy: 'bench',
        assignedOn: START,
        carried,
      };
      await client.workflow.start(itemWorkflow, {
        taskQueue,
        workflowId: itemKey,
        args: [input],
        typedSearchAttributes: [
          { key: planSA, value: planCode },
          { key: actionSA, value: 'bench' },
          { key: leadSA, value: lead },
          { key: statusSA, value: 'acknowledged' },
          { key: escalationLevelSA, value: 0 },
        ],
      });
      p.tick();
    });
    p.finish();
    if (started.errors) throw new Error(`${started.errors} item workflows failed to start: ${String(started.firstError)}`);
    const startRate = (n * 1000) / (Date.now() - t0);

    const planned = await until(
      async () => Number(((await db('periods as p').join('assignments as a', 'a.id', 'p.assignment_id').where('a.workflow_id', 'like', `item:${planCode}:%`).count({ n: '*' }).first()) as { n: string }).n),
      (c) => c >= n,
      Math.max(0, dueAt - Date.now() - 2_000),
      250,
    );
    const plannedSeconds = (Date.now() - t0) / 1000;
    if (!planned.ok) log.warn({ planned: planned.value, n }, 'd. not every item had planned its period before the due instant: the figure is not valid (raise the margin)');
    // The workflows' own plan agrees with ours: the first reminder at dueAt.
    const sample = await client.workflow.getHandle(itemWorkflowId(planCode, plan.itemCodes[0] as string)).query(stateQuery);
    const got = [...(sample.period?.reminders ?? [])].sort((a, b) => a.at - b.at)[0];
    if (got?.at !== dueAt) log.warn({ expected: dueAt, got: got?.at }, 'd. the workflow planned its first reminder at another instant than computed');

    log.info({ step: `${opts.label}.burst`, n, inSeconds: Math.round((dueAt - Date.now()) / 1000) }, 'd. waiting for the deadlines');
    await sleep(Math.max(0, dueAt - Date.now() - 500));
    const cpu = h.cpu(workers);
    const keys = plan.itemCodes.map((c) => itemWorkflowId(planCode, c));
    const watched = await watchCommits(
      db,
      `select item_key as key, extract(epoch from created_at) * 1000 as created_ms from notifications
       where kind = 'reminder' and item_key like ? and (payload->>'offset')::int = ?`,
      [`item:${planCode}:%`, first.offset],
      { expected: n, dueAt, until: dueAt + 120_000, onProgress: progressEvery(log, `${opts.label}.reminders committed`, n) },
    );
    const report = cpu.stop();
    return {
      ...burstResult(n, dueAt, planned.ok, keys, watched, report),
      workers: opts.workers,
      workingDayMs: WORKING_DAY_MS,
      departments: departments.length,
      reminderOffsetWorkingDays: first.offset,
      plannedBeforeDue: planned.value,
      startRatePerSecond: startRate,
      plannedSeconds,
      marginSeconds: marginMs / 1000,
    };
  } finally {
    for (const w of workers) await w.stop();
  }
}
