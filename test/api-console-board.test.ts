import type { Express } from 'express';
import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import { apiDeps } from './helpers/api-deps';
import type { Db } from '../db/connection';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';
import { signInAll, type Who } from './helpers/api-users';

const PLAN = 'sd-internet-plus-2016-2018';

/**
 * The console's read routes (api/routes/console-board.ts): the colour matrix,
 * the on-time rate per reporting period on both clocks, and the review queue.
 * They only read PostgreSQL, so the records are written here as the item
 * workflows would have mirrored them; no workflow runs.
 */
describe('HTTP API: colour matrix, on-time rate per period, review queue', () => {
  let db: Db;
  let app: Express;
  const tokens: Partial<Record<Who, string>> = {};
  const as = (who: Who, path: string) => {
    const r = request(app).get(`${API_BASE}${path}`);
    return who === 'anonymous' ? r : r.set('authorization', `Bearer ${tokens[who]}`);
  };

  async function assignment(itemCode: string, status: string, extra: Record<string, unknown> = {}): Promise<number> {
    const item = (await db('items').where({ code: itemCode }).first('id')) as { id: number };
    const eic = (await db('departments').where({ code: 'eic' }).first('id')) as { id: number };
    const [row] = (await db('assignments')
      .insert({
        item_id: item.id,
        workflow_id: `item:${PLAN}:${itemCode}`,
        lead_department_id: eic.id,
        cadence: 'quarterly',
        due_offset_working_days: 5,
        start_date: '2016-01-04',
        assigned_on: '2016-01-04',
        final_deadline: '2016-12-30',
        policy: JSON.stringify({}),
        status,
        escalation_level: 2,
        assigned_by: 'sec1',
        assigned_at: new Date('2016-01-04T02:00:00Z'),
        ...extra,
      })
      .returning('id')) as { id: number }[];
    return row!.id;
  }

  async function period(assignmentId: number, seq: number, endsOn: string, status: string, verdicts: { on_time?: boolean; on_time_original?: boolean } = {}) {
    await db('periods').insert({
      assignment_id: assignmentId,
      seq,
      starts_on: `${endsOn.slice(0, 5)}01-01`,
      ends_on: endsOn,
      original_due_on: endsOn,
      due_on: endsOn,
      due_at: new Date(`${endsOn}T10:00:00Z`),
      status,
      ...verdicts,
    });
  }

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('api_console_board'));
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db) });
    Object.assign(tokens, await signInAll(app, db));

    const a1 = await assignment('A01-1', 'in_progress');
    await period(a1, 1, '2016-03-31', 'accepted', { on_time: true, on_time_original: true });
    await period(a1, 2, '2016-06-30', 'accepted', { on_time: true, on_time_original: false });
    await period(a1, 3, '2016-09-30', 'submitted');
    const eic = (await db('departments').where({ code: 'eic' }).first('id')) as { id: number };
    for (const version of [1, 2]) {
      await db('reports').insert({
        receipt_id: `00000000-0000-4000-8000-00000000000${version}`,
        assignment_id: a1,
        period_seq: 3,
        department_id: eic.id,
        kind: 'consolidated',
        version,
        progress: `第${version}版进展`,
        percent_done: 40 + version,
        attachments: JSON.stringify(['https://example.org/a']),
        submitted_by: 'eic1',
        submitted_at: new Date(`2016-10-0${version}T02:00:00Z`),
      });
    }
    await db('extension_requests').insert({
      key: `extension:item:${PLAN}:A01-1:p3:x`,
      assignment_id: a1,
      period_seq: 3,
      requested_due_on: '2016-10-31',
      reason: '数据尚未汇总',
      requested_by: 'eic1',
      requested_at: new Date('2016-10-03T02:00:00Z'),
    });
    const a2 = await assignment('A01-2', 'completion_requested', { completion_summary: '已全部完成' });
    await period(a2, 1, '2016-03-31', 'accepted', { on_time: false, on_time_original: false });
    // A closed item: counted in its cell as closed, and never in the queue.
    await assignment('A02-1', 'completed', { escalation_level: 0 });
  });
  afterAll(async () => {
    await db?.destroy();
  });

  test('only the secretariat and the leadership read them', async () => {
    for (const path of ['/board/matrix', '/board/on-time-by-period', '/review/queue']) {
      expect((await as('anonymous', path)).status).toBe(401);
      expect((await as('lead-dept', path)).status).toBe(403);
      expect((await as('admin', path)).status).toBe(403);
      expect((await as('leadership', path)).status).toBe(200);
    }
    expect((await as('secretariat', '/board/matrix?plan=no-such-plan')).status).toBe(404);
    expect((await as('secretariat', '/board/on-time-by-period?by=week')).status).toBe(422);
  });

  test('the matrix counts items per action and lead department by colour, closed ones apart', async () => {
    const res = await as('secretariat', `/board/matrix?plan=${PLAN}`);
    expect(res.status).toBe(200);
    expect(res.body.groups).toHaveLength(15);
    expect(res.body.groups[0]).toMatchObject({ code: 'A01', kind: 'action', seq: 1 });
    expect(res.body.groups[14]).toMatchObject({ kind: 'safeguard' });
    expect(res.body.departments).toEqual(['eic']);
    const cell = (group: string, lead: string | null) => (res.body.cells as { group: string; lead: string | null }[]).find((c) => c.group === group && c.lead === lead);
    expect(cell('A01', 'eic')).toEqual({ group: 'A01', lead: 'eic', items: 2, red: 2, yellow: 0, green: 0, behindSchedule: 0, closed: 0 });
    expect(cell('A02', 'eic')).toEqual({ group: 'A02', lead: 'eic', items: 1, red: 0, yellow: 0, green: 0, behindSchedule: 0, closed: 1 });
    expect(cell('A01', null)).toMatchObject({ items: 3, red: 0, closed: 0 });
  });

  test('the on-time rate per reporting period, on both clocks', async () => {
    const res = await as('secretariat', `/board/on-time-by-period?plan=${PLAN}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      plan: PLAN,
      by: 'quarter',
      periods: [
        { period: '2016-Q1', label: '2016年第一季度', acceptedPeriods: 2, onTime: 1, onTimeRate: 0.5, onTimeOriginal: 1, onTimeRateOriginal: 0.5 },
        { period: '2016-Q2', label: '2016年第二季度', acceptedPeriods: 1, onTime: 1, onTimeRate: 1, onTimeOriginal: 0, onTimeRateOriginal: 0 },
      ],
    });
    const monthly = await as('leadership', '/board/on-time-by-period?by=month');
    expect(monthly.body.periods.map((p: { period: string; label: string }) => [p.period, p.label])).toEqual([
      ['2016-03', '2016年3月'],
      ['2016-06', '2016年6月'],
    ]);
  });

  test('the review queue lists submitted periods with the latest report, pending extensions and completion requests', async () => {
    const res = await as('secretariat', '/review/queue');
    expect(res.status).toBe(200);
    expect(res.body.reports).toEqual([
      expect.objectContaining({ plan: PLAN, item: 'A01-1', lead: 'eic', periodSeq: 3, endsOn: '2016-09-30', dueOn: '2016-09-30', report: expect.objectContaining({ version: 2, progress: '第2版进展', percentDone: 42, attachments: ['https://example.org/a'] }) }),
    ]);
    expect(res.body.extensions).toEqual([
      expect.objectContaining({ item: 'A01-1', periodSeq: 3, dueOn: '2016-09-30', requestedDueOn: '2016-10-31', reason: '数据尚未汇总', extensionId: `extension:item:${PLAN}:A01-1:p3:x`, requestedAt: '2016-10-03T02:00:00.000Z' }),
    ]);
    expect(res.body.completions).toEqual([expect.objectContaining({ item: 'A01-2', summary: '已全部完成', finalDeadline: '2016-12-30', status: 'completion_requested' })]);
  });
});
