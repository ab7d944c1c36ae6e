import { spawn, type ChildProcess } from 'node:child_process';
import { assignItem } from '../api/services/assignments';
import type { Db } from '../db/connection';
import { Client, Connection } from '@temporalio/client';
import { projectRoot } from '../platform/config';
import * as d from '../workflows/definitions';
import { createCatalogDatabase } from './helpers/db';
import { recordHistory } from './helpers/histories';
import { eventually, sleep } from './helpers/wait';
import { testNamespace } from './setup/namespaces';
import { testRun } from './setup/run';

/**
 * A real worker process is SIGKILLed in the middle of the ladder and a new one
 * started: every reminder and every rung still happens, and none twice.
 */
// A reminder whose moment passed before its period was planned counts as sent (domain/schedule.ts): long enough that a busy CI machine plans the first period before its first reminder.
const WORKING_DAY = 500;

describe('a worker killed mid-ladder', () => {
  let db: Db;
  let url: string;
  let connection: Connection;
  let client: Client;
  const taskQueue = `test-kill-${testRun().runId}`;
  const workers: ChildProcess[] = [];

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/worker.ts'], {
      cwd: projectRoot,
      env: {
        ...process.env,
        DATABASE_URL: url,
        TEMPORAL_ADDRESS: testRun().temporalAddress,
        TEMPORAL_NAMESPACE: testNamespace('kill'),
        TEMPORAL_TASK_QUEUE: taskQueue,
        WORKING_DAY_MS: String(WORKING_DAY),
        NOTIFY_MERGE_WINDOW_MS: '50',
        LOG_LEVEL: 'warn',
        LOG_PRETTY: 'false',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    workers.push(child);
    return child;
  }

  beforeAll(async () => {
    ({ db, url } = await createCatalogDatabase('kill'));
    connection = await Connection.connect({ address: testRun().temporalAddress });
    client = new Client({ connection, namespace: testNamespace('kill') });
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await connection?.close();
    await db?.destroy();
  });

  test('SIGKILL after the first reminder, restart: 3 reminders and 3 rungs, each exactly once', async () => {
    const first = startWorker();
    const { workflowId } = await assignItem(
      { client, db, taskQueue, actor: 'secretariat-user', workingDayMs: WORKING_DAY },
      // The final deadline far enough out that its own reminders (about 57 s away) stay out of the counts below.
      { planCode: 'sd-internet-plus-2016-2018', itemCode: 'A05-1', lead: 'health', cooperating: ['hrss'], startDate: '2016-03-28', finalDeadline: '2016-12-30' },
    );
    const handle = client.workflow.getHandle(workflowId);
    await handle.executeUpdate(d.acknowledgeUpdate, { args: [{ actor: 'liaison', department: 'health' }] });
    const reminders = () => db('notifications').where({ item_key: workflowId, kind: 'reminder' }).whereRaw(`payload->>'subject' is null`).orderBy('id');
    await eventually(reminders, (r) => r.length >= 1, 30_000, 'first reminder');

    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    // While no worker runs, the rest of the ladder comes due.
    await sleep(WORKING_DAY * 5);
    startWorker();

    const escalations = () => db('escalations').where('key', 'like', `escalation:${workflowId}:%`).where({ subject: 'report' }).orderBy('level');
    await eventually(escalations, (r) => r.length >= 3, 60_000, 'three rungs after the restart');
    await sleep(WORKING_DAY * 4);

    const rungs = await escalations();
    expect(rungs.map((r) => [r.rung, r.period_seq])).toEqual([
      ['cuiban', 1],
      ['duban', 1],
      ['leading-group', 1],
    ]);
    const sent = await reminders();
    expect(sent.map((n) => n.payload.offset)).toEqual([3, 1, 0]);
    const escalationNotices = await db('notifications').where({ item_key: workflowId, kind: 'escalation' }).whereRaw(`coalesce(payload->>'subject', '') <> 'input'`);
    expect(escalationNotices).toHaveLength(5);
    // The co-operating department's silent input: one 催办 to it and one word to the lead, the kill notwithstanding.
    const inputChase = await db('notifications').where({ item_key: workflowId, kind: 'escalation' }).whereRaw(`payload->>'subject' = 'input'`).pluck('title');
    expect(inputChase.map((t: string) => t.slice(0, t.indexOf('】') + 1)).sort()).toEqual(['【催办】', '【配合材料逾期】']);
    const audit = await db('audit_events').where({ subject: workflowId, action: 'item.escalate' });
    expect(audit).toHaveLength(3);
    const state = await handle.query(d.stateQuery);
    expect(state.period?.rungs.every((r) => r.fired)).toBe(true);
    expect(state.period?.reminders.every((r) => r.fired)).toBe(true);
    expect(state.escalationLevel).toBe(3);
    await handle.terminate('test over');
  });

  test('a report filed while no worker runs, after rungs fell due: what fell due before it is recorded once the worker is back, nothing after', async () => {
    const first = startWorker();
    // 督办 and 上报领导小组 long after 催办, so a restarting worker is back well before them.
    const escalation = [
      { rung: 'cuiban' as const, label: '催办', overdueWorkingDays: 1 },
      { rung: 'duban' as const, label: '督办', overdueWorkingDays: 60 },
      { rung: 'leading-group' as const, label: '上报领导小组', overdueWorkingDays: 61 },
    ];
    const { workflowId } = await assignItem(
      { client, db, taskQueue, actor: 'secretariat-user', workingDayMs: WORKING_DAY },
      { planCode: 'sd-internet-plus-2016-2018', itemCode: 'A05-2', lead: 'fda', cooperating: [], startDate: '2016-03-14', finalDeadline: '2016-12-30', escalation },
    );
    const handle = client.workflow.getHandle(workflowId);
    await handle.executeUpdate(d.acknowledgeUpdate, { args: [{ actor: 'liaison', department: 'fda' }] });
    const period = (await eventually(() => handle.query(d.stateQuery), (s) => s.period !== undefined, 30_000, 'the first period')).period as d.PeriodState;
    const cuiban = period.rungs.find((r) => r.rung === 'cuiban') as d.RungEvent;
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    // No worker: the reminders and 催办 fall due; then the department reports, before any worker is back.
    await sleep(cuiban.at + WORKING_DAY / 2 - Date.now());
    const reported = handle.executeUpdate(d.submitReportUpdate, { args: [{ actor: 'lead', department: 'fda', periodSeq: period.seq, progress: '已推进', percentDone: 30 }] });
    await sleep(500);
    startWorker();
    await reported;

    const reminders = await db('notifications').where({ item_key: workflowId, kind: 'reminder' }).whereRaw(`payload->>'subject' is null`).orderBy('id');
    expect(reminders.map((n) => n.payload.offset)).toEqual([3, 1, 0]);
    const rungs = () => db('escalations').where('key', 'like', `escalation:${workflowId}:%`).where({ subject: 'report' }).orderBy('level');
    expect((await rungs()).map((r) => r.rung)).toEqual(['cuiban']);
    // The report stops the ladder: 督办 and 上报领导小组 never come.
    await sleep((period.rungs.find((r) => r.rung === 'leading-group') as d.RungEvent).at + WORKING_DAY * 2 - Date.now());
    expect((await rungs()).map((r) => r.rung)).toEqual(['cuiban']);
    const state = await handle.query(d.stateQuery);
    expect(state.period?.status).toBe('submitted');
    expect(state.escalationLevel).toBe(1);
    // Replayed in CI: the update handled after a rung fell due, with the patch overdue-before-handlers.
    await recordHistory(handle, 'item-overdue-before-handlers');
    await handle.terminate('test over');
  });
});
