import vm from 'node:vm';
import type { Express } from 'express';
import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import { apiDeps } from './helpers/api-deps';
import type { Db } from '../db/connection';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';
import { signInAll, type Who } from './helpers/api-users';

const PLAN = 'sd-internet-plus-2016-2018';
const ITEM_KEY = `item:${PLAN}:A01-1`;

/**
 * Business dates are the same day wherever the API runs: PostgreSQL DATE
 * columns are read as 'YYYY-MM-DD' text (db/connection.ts), never as a Date at
 * the server's local midnight, which would be the day before in Asia/Shanghai
 * once written as an ISO instant. The item detail answers camelCase fields only.
 * The records are written here as the item workflow would have mirrored them.
 */

// Jest gives a test file its own copy of process.env; Node re-reads the zone only when the
// process's real TZ variable is set, and that one is the outer realm's.
const realEnv = vm.runInThisContext('process.env') as NodeJS.ProcessEnv;

async function inTimeZone<T>(tz: string, fn: () => Promise<T>): Promise<T> {
  const before = realEnv.TZ;
  realEnv.TZ = tz;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete realEnv.TZ;
    else realEnv.TZ = before;
  }
}

/** Every key of a JSON value, at any depth. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
  return [];
}

const POLICY = {
  cadence: 'quarterly',
  dueOffsetWorkingDays: 5,
  reminderOffsetsWorkingDays: [3, 1],
  acknowledgeWithinWorkingDays: 3,
  escalation: [{ rung: 'cuiban', label: '催办', overdueWorkingDays: 1 }],
};
const INPUT_RECEIPT = '00000000-0000-4000-8000-000000000001';
const REPORT_RECEIPT = '00000000-0000-4000-8000-000000000002';

describe('HTTP API: business dates and camelCase answers in any time zone', () => {
  let db: Db;
  let app: Express;
  const tokens: Partial<Record<Who, string>> = {};
  const get = async (who: Exclude<Who, 'anonymous'>, path: string) => {
    const res = await request(app).get(`${API_BASE}${path}`).set('authorization', `Bearer ${tokens[who]}`);
    expect([path, res.status]).toEqual([path, 200]);
    return res.body;
  };

  async function departmentId(code: string): Promise<number> {
    return ((await db('departments').where({ code }).first('id')) as { id: number }).id;
  }

  async function seed(): Promise<void> {
    const item = (await db('items').where({ code: 'A01-1' }).first('id')) as { id: number };
    const [eic, sti] = [await departmentId('eic'), await departmentId('sti')];
    const [{ id }] = (await db('assignments')
      .insert({
        item_id: item.id,
        workflow_id: ITEM_KEY,
        lead_department_id: eic,
        cadence: 'quarterly',
        due_offset_working_days: 5,
        start_date: '2016-03-28',
        assigned_on: '2016-03-28',
        final_deadline: '2016-06-30',
        policy: JSON.stringify(POLICY),
        status: 'in_progress',
        next_due_on: '2016-07-08',
        next_due_at: new Date('2016-07-08T16:00:00Z'),
        escalation_level: 1,
        acknowledged_at: new Date('2016-03-29T01:30:00Z'),
        assigned_by: 'sec1',
        assigned_at: new Date('2016-03-28T02:00:00Z'),
      })
      .returning('id')) as [{ id: number }];
    await db('assignment_cooperators').insert({ assignment_id: id, department_id: sti });
    await db('periods').insert([
      {
        assignment_id: id,
        seq: 1,
        starts_on: '2016-03-28',
        ends_on: '2016-03-31',
        original_due_on: '2016-04-08',
        due_on: '2016-04-15',
        extended_due_on: '2016-04-15',
        due_at: new Date('2016-04-15T16:00:00Z'),
        status: 'accepted',
        on_time: true,
        on_time_original: false,
        accepted_at: new Date('2016-04-14T03:00:00Z'),
      },
      { assignment_id: id, seq: 2, starts_on: '2016-04-01', ends_on: '2016-06-30', original_due_on: '2016-07-08', due_on: '2016-07-08', due_at: new Date('2016-07-08T16:00:00Z'), status: 'open' },
    ]);
    const report = { assignment_id: id, period_seq: 1, version: 1, attachments: JSON.stringify([]) };
    await db('reports').insert([
      { ...report, receipt_id: INPUT_RECEIPT, department_id: sti, kind: 'input', progress: '配合进展', percent_done: 30, submitted_by: 'sti1', submitted_at: new Date('2016-04-12T02:00:00Z') },
      {
        ...report,
        receipt_id: REPORT_RECEIPT,
        department_id: eic,
        kind: 'consolidated',
        progress: '汇总进展',
        percent_done: 40,
        next_steps: '下步推进',
        attachments: JSON.stringify(['https://files.example/a.pdf']),
        inputs: JSON.stringify([{ department: 'sti', receiptId: INPUT_RECEIPT, version: 1 }]),
        submitted_by: 'eic1',
        submitted_at: new Date('2016-04-13T02:00:00Z'),
        review: 'accepted',
        reviewed_by: 'sec1',
        reviewed_at: new Date('2016-04-14T03:00:00Z'),
      },
    ]);
    await db('escalations').insert({
      key: `escalation:${ITEM_KEY}:p2:cuiban`,
      assignment_id: id,
      subject: 'report',
      period_seq: 2,
      rung: 'cuiban',
      level: 1,
      business_date: '2016-07-11',
      fired_at: new Date('2016-07-10T16:00:00Z'),
    });
  }

  /** What the console reads, as it reads it. */
  async function readAll() {
    return {
      detail: await get('secretariat', `/plans/${PLAN}/items/A01-1`),
      list: await get('secretariat', `/plans/${PLAN}/items?dueFrom=2016-07-08&dueTo=2016-07-08`),
      inbox: await get('lead-dept', '/inbox'),
      calendar: await get('lead-dept', '/calendar/2016'),
      plans: await get('lead-dept', '/plans'),
      escalations: await get('leadership', '/board/escalations'),
    };
  }

  let shanghai: Awaited<ReturnType<typeof readAll>>;
  let losAngeles: Awaited<ReturnType<typeof readAll>>;
  // Local midnight of one day as an instant, in each reading: it moves only if the zone really changed.
  const midnights: string[] = [];
  const reading = () => {
    midnights.push(new Date(2016, 3, 8).toISOString());
    return readAll();
  };

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('api_dates'));
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db) });
    Object.assign(tokens, await signInAll(app, db));
    await seed();
    shanghai = await inTimeZone('Asia/Shanghai', reading);
    losAngeles = await inTimeZone('America/Los_Angeles', reading);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  test('the time zone really changed between the two readings, and every answer is the same in both', () => {
    expect(midnights).toEqual(['2016-04-07T16:00:00.000Z', '2016-04-08T07:00:00.000Z']);
    expect(losAngeles).toEqual(shanghai);
  });

  test('the item detail: its assignment, periods and reports with business dates as YYYY-MM-DD and instants as ISO', () => {
    const d = shanghai.detail;
    expect(d).toMatchObject({ code: 'A01-1', itemKey: ITEM_KEY, status: 'in_progress', lead: 'eic', cooperating: ['sti'] });
    expect(d.assignment).toEqual({
      cadence: 'quarterly',
      policy: POLICY,
      status: 'in_progress',
      round: 1,
      startDate: '2016-03-28',
      finalDeadline: '2016-06-30',
      assignedOn: '2016-03-28',
      assignedBy: 'sec1',
      assignedAt: '2016-03-28T02:00:00.000Z',
      acknowledgedAt: '2016-03-29T01:30:00.000Z',
      nextDueOn: '2016-07-08',
      nextDueAt: '2016-07-08T16:00:00.000Z',
      escalationLevel: 1,
      completionSummary: null,
      grade: null,
      completedAt: null,
      cancelledAt: null,
      cancelReason: null,
      reopenedAt: null,
      reopenReason: null,
    });
    expect(d.periods).toEqual([
      {
        seq: 1,
        startsOn: '2016-03-28',
        endsOn: '2016-03-31',
        originalDueOn: '2016-04-08',
        dueOn: '2016-04-15',
        extendedDueOn: '2016-04-15',
        dueAt: '2016-04-15T16:00:00.000Z',
        status: 'accepted',
        onTime: true,
        onTimeOriginal: false,
        acceptedAt: '2016-04-14T03:00:00.000Z',
      },
      {
        seq: 2,
        startsOn: '2016-04-01',
        endsOn: '2016-06-30',
        originalDueOn: '2016-07-08',
        dueOn: '2016-07-08',
        extendedDueOn: null,
        dueAt: '2016-07-08T16:00:00.000Z',
        status: 'open',
        onTime: null,
        onTimeOriginal: null,
        acceptedAt: null,
      },
    ]);
    expect(d.reports).toEqual([
      {
        receiptId: INPUT_RECEIPT,
        periodSeq: 1,
        department: 'sti',
        kind: 'input',
        version: 1,
        progress: '配合进展',
        percentDone: 30,
        problems: null,
        nextSteps: null,
        attachments: [],
        indicators: [],
        plannedPercent: null,
        missingInputs: [],
        inputs: [],
        submittedBy: 'sti1',
        submittedAt: '2016-04-12T02:00:00.000Z',
        review: null,
        reviewComment: null,
        reviewedBy: null,
        reviewedAt: null,
      },
      {
        receiptId: REPORT_RECEIPT,
        periodSeq: 1,
        department: 'eic',
        kind: 'consolidated',
        version: 1,
        progress: '汇总进展',
        percentDone: 40,
        problems: null,
        nextSteps: '下步推进',
        attachments: ['https://files.example/a.pdf'],
        indicators: [],
        plannedPercent: null,
        missingInputs: [],
        inputs: [{ department: 'sti', receiptId: INPUT_RECEIPT, version: 1 }],
        submittedBy: 'eic1',
        submittedAt: '2016-04-13T02:00:00.000Z',
        review: 'accepted',
        reviewComment: null,
        reviewedBy: 'sec1',
        reviewedAt: '2016-04-14T03:00:00.000Z',
      },
    ]);
  });

  test('the item detail has no snake_case key and no row id anywhere', () => {
    const keys = keysOf(shanghai.detail);
    expect(keys.length).toBeGreaterThan(50);
    expect(keys.filter((k) => k.includes('_'))).toEqual([]);
    expect(keys.filter((k) => k === 'id' || (k.endsWith('Id') && k !== 'receiptId'))).toEqual([]);
  });

  test('the other routes give the same business dates', () => {
    expect(shanghai.list.items).toEqual([expect.objectContaining({ code: 'A01-1', nextDue: '2016-07-08' })]);
    expect(shanghai.inbox.reportsDue).toEqual([
      { plan: PLAN, item: 'A01-1', title: shanghai.detail.title, periodSeq: 2, status: 'open', role: 'lead', dueOn: '2016-07-08', originalDueOn: '2016-07-08' },
    ]);
    expect(shanghai.calendar.days).toEqual(expect.arrayContaining([expect.objectContaining({ date: '2016-04-04', working: false }), expect.objectContaining({ date: '2016-06-12', working: true })]));
    expect(shanghai.plans.plans).toEqual([expect.objectContaining({ code: PLAN, periodEnd: '2018-12-31' })]);
    expect(shanghai.escalations.escalations).toEqual([expect.objectContaining({ itemKey: ITEM_KEY, periodSeq: 2, businessDate: '2016-07-11', since: '2016-07-10T16:00:00.000Z' })]);
  });
});
