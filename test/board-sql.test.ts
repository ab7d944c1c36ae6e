import type { Express } from 'express';
import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import { COLOUR_CELLS, ledgerWorkbook } from '../api/routes/ledger';
import { coloursOf, planItemRows, planItemsJoined } from '../db/plan-items';
import { readCalendar } from '../db/calendar/store';
import { colourSql } from '../db/colour';
import type { Db } from '../db/connection';
import { acceptedPeriods, onTimeCountsBy, onTimeCountsByPeriod } from '../db/on-time';
import { shiftDays, type WorkingCalendar } from '../domain/calendar';
import { colourDay, colourOf, type Colour } from '../domain/colour';
import { addCounts, boardFigures, countBy, NO_PERIODS, type OnTimeCounts } from '../domain/on-time';
import { OPEN_STATUSES } from '../workflows/definitions';
import { apiDeps } from './helpers/api-deps';
import { signInAll } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';

const PLAN = 'sd-internet-plus-2016-2018';
const OTHER = 'other-plan';

/**
 * The board, the lists and the ledger count colours and on-time verdicts in
 * PostgreSQL (db/colour.ts, db/on-time.ts). Here their SQL forms are checked
 * against the domain rules they stand for, row by row on varied rows, and the
 * routes against the same figures read row by row as the routes once did.
 */
describe('the SQL forms of the colour and on-time rules, and the board read through them', () => {
  let db: Db;
  let cal: WorkingCalendar;
  let app: Express;
  let token: string;
  const get = (path: string) => request(app).get(`${API_BASE}${path}`).set('authorization', `Bearer ${token}`);

  /** One assignment per item, cycling through the cases below; a few items stay unassigned. */
  async function assign(itemIds: number[], cases: Record<string, unknown>[]): Promise<number[]> {
    const depts = (await db('departments').orderBy('code').limit(3).select('id')) as { id: number }[];
    const ids: number[] = [];
    for (const [n, c] of cases.slice(0, itemIds.length).entries()) {
      const itemId = itemIds[n] as number;
      const [row] = (await db('assignments')
        .insert({
          item_id: itemId,
          workflow_id: `item:test:${itemId}`,
          lead_department_id: (depts[n % depts.length] as { id: number }).id,
          cadence: 'quarterly',
          due_offset_working_days: 5,
          start_date: '2016-01-04',
          assigned_on: '2016-01-04',
          final_deadline: '2030-12-31',
          policy: JSON.stringify({ cadence: 'quarterly' }),
          status: 'in_progress',
          escalation_level: 0,
          assigned_by: 'sec1',
          assigned_at: new Date('2016-01-04T02:00:00Z'),
          ...c,
        })
        .returning('id')) as { id: number }[];
      ids.push((row as { id: number }).id);
    }
    return ids;
  }

  /** The cases: each next deadline around the due-soon threshold of `days` (and today), crossed with the other conditions. */
  function colourCases(days: { today: string; dueSoonBefore: string | null }[]): Record<string, unknown>[] {
    const dues = new Set<string | null>([null]);
    for (const d of days) {
      for (const shift of [-1, 0, 1]) dues.add(shiftDays(d.today, shift));
      if (d.dueSoonBefore) for (const shift of [-1, 0, 1]) dues.add(shiftDays(d.dueSoonBefore, shift));
    }
    const cases: Record<string, unknown>[] = [];
    for (const due of dues) {
      // The deadline's instant with it (red once passed), or none (only the date counts).
      cases.push({ next_due_on: due, next_due_at: due ? new Date(`${due}T23:59:59.999+08:00`) : null });
      cases.push({ next_due_on: due, next_due_at: null, final_deadline: days[0]?.today });
    }
    cases.push({ escalation_level: 2, next_due_on: null });
    // 滞后: yellow with time to spare, red still where a red rule holds, no colour when closed.
    for (const due of dues) cases.push({ next_due_on: due, next_due_at: due ? new Date(`${due}T23:59:59.999+08:00`) : null, behind_schedule: true });
    cases.push({ escalation_level: 1, behind_schedule: true });
    cases.push({ status: 'completed', behind_schedule: true });
    cases.push({ status: 'completed', escalation_level: 1 });
    cases.push({ status: 'cancelled' });
    cases.push({ status: 'assigned', next_due_on: days[0]?.today, next_due_at: null, final_deadline: shiftDays(days[0]?.today ?? '2016-04-01', -1) });
    cases.push({ status: 'completion_requested', next_due_on: days[0]?.dueSoonBefore, next_due_at: null });
    return cases;
  }

  const NOWS = [
    // Before the Qingming holiday (2016-04-04): the threshold skips it.
    Date.parse('2016-04-01T10:00:00+08:00'),
    // A Sunday.
    Date.parse('2016-04-10T20:00:00+08:00'),
    // Three working days from the year's end: the threshold falls in 2027, whose calendar is not loaded.
    Date.parse('2026-12-29T10:00:00+08:00'),
  ];

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('board_sql'));
    cal = await readCalendar(db);
    // A second plan with an action of the same code, so groups merge across plans and the plan filter matters.
    const plan = (await db('plans').where({ code: PLAN }).first('title', 'issuer', 'coordinating_office', 'secretariat_department_id', 'period_start', 'period_end', 'overall_goal', 'policy', 'source_sha256')) as Record<string, unknown>;
    const [other] = (await db('plans').insert({ ...plan, policy: JSON.stringify(plan.policy), code: OTHER }).returning('id')) as { id: number }[];
    const [action] = (await db('actions').insert({ plan_id: (other as { id: number }).id, code: 'A01', seq: 1, title: '另一方案行动一', focus: '-' }).returning('id')) as { id: number }[];
    for (const seq of [1, 2, 3]) {
      await db('items').insert({ plan_id: (other as { id: number }).id, code: `A01-${seq}`, kind: 'task', action_id: (action as { id: number }).id, seq, title: `另一方案事项${seq}` });
    }

    const days = [...NOWS.map((now) => colourDay(cal, now)), colourDay(cal, Date.now())];
    const items = (await db('items').orderBy('id').select('id')) as { id: number }[];
    // Leave the first three items of the default plan unassigned.
    const assignments = await assign(
      items.slice(3).map((i) => i.id),
      colourCases(days),
    );
    // Accepted periods with every pair of verdicts (and periods not accepted, which never count).
    const verdicts = [true, false, null];
    let seq = 0;
    for (const [n, id] of assignments.slice(0, 12).entries()) {
      for (const original of verdicts) {
        const extended = verdicts[(n + seq) % 3] as boolean | null;
        seq += 1;
        const endsOn = `2016-${String(1 + (seq % 12)).padStart(2, '0')}-28`;
        const status = seq % 5 === 0 ? 'submitted' : 'accepted';
        await db('periods').insert({ assignment_id: id, seq, starts_on: '2016-01-01', ends_on: endsOn, original_due_on: endsOn, due_on: endsOn, due_at: new Date(`${endsOn}T10:00:00Z`), status, on_time: extended, on_time_original: original });
      }
    }
    for (const [n, id] of assignments.slice(0, 6).entries()) {
      await db('escalations').insert({ key: `esc:${id}`, assignment_id: id, subject: 'report', period_seq: 1, rung: 'cuiban', level: 1, business_date: '2016-04-01', fired_at: new Date(), resolved_at: n % 2 ? new Date() : null });
    }

    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db) });
    token = (await signInAll(app, db)).secretariat as string;
  });
  afterAll(async () => {
    await db?.destroy();
  });

  test('the SQL colour rule agrees with colourOf on every row, at the threshold and around it, on a holiday, at a year without calendar', async () => {
    const rows = await planItemRows(db);
    expect(rows.filter((r) => r.status).length).toBeGreaterThan(40);
    for (const now of NOWS) {
      const day = colourDay(cal, now);
      const sql = (await planItemsJoined(db).select('i.id', db.raw('? as colour', [colourSql(db, day)]))) as { id: number; colour: Colour | null }[];
      const open = (s: string | null) => s !== null && (OPEN_STATUSES as readonly string[]).includes(s);
      const expected = Object.fromEntries(rows.map((r) => [r.item_id, open(r.status) ? colourOf(r, cal, now) : null]));
      expect(Object.fromEntries(sql.map((r) => [r.id, r.colour]))).toEqual(expected);
      expect(new Set(Object.values(expected))).toEqual(new Set(['red', 'yellow', 'green', null]));
    }
    expect(colourDay(cal, NOWS[2] as number).dueSoonBefore).toBeNull();
  });

  test('the SQL on-time counts agree with countBy: per assignment, per lead department, per quarter and month', async () => {
    const periods = await acceptedPeriods(db);
    expect(periods.length).toBeGreaterThan(20);
    expect(await onTimeCountsBy(db, 'assignment')).toEqual(countBy(periods, (p) => p.assignmentId));
    expect(await onTimeCountsBy(db, 'lead')).toEqual(countBy(periods, (p) => p.lead));
    for (const by of ['quarter', 'month'] as const) {
      const key = (endsOn: string) => (by === 'month' ? `${endsOn.slice(0, 7)}-01` : `${endsOn.slice(0, 4)}-${String(3 * Math.floor((Number(endsOn.slice(5, 7)) - 1) / 3) + 1).padStart(2, '0')}-01`);
      const expected = countBy(periods, (p) => key(p.endsOn));
      const got = await onTimeCountsByPeriod(db, by);
      expect(new Map(got.map(({ startsOn, ...c }) => [startsOn, c]))).toEqual(expected);
      for (const plan of [PLAN, OTHER]) {
        const ofPlan = await onTimeCountsByPeriod(db, by, plan);
        expect(new Map(ofPlan.map(({ startsOn, ...c }) => [startsOn, c]))).toEqual(countBy(periods.filter((p) => p.plan === plan), (p) => key(p.endsOn)));
      }
    }
    // The other plan's items have no accepted period: the filter is not a no-op.
    expect(await onTimeCountsByPeriod(db, 'quarter', OTHER)).toEqual([]);
  });

  /** The board summary as it was read before: every item row, coloured and counted in JavaScript. */
  async function summaryRowByRow(plan?: string) {
    interface Tally { code: string; title: string; items: number; byStatus: Record<string, number>; red: number; yellow: number; green: number; behindSchedule: number; periods: OnTimeCounts; openEscalations: number }
    const rows = await planItemRows(db, plan);
    const colours = await coloursOf(db, rows);
    const periods = countBy(await acceptedPeriods(db), (p) => p.assignmentId);
    const escalations = (await db('escalations').whereNull('resolved_at').select('assignment_id')) as { assignment_id: number }[];
    const byAction = new Map<string, Tally>();
    const byDepartment = new Map<string, Tally>();
    const tally = (m: Map<string, Tally>, code: string, title: string) => {
      if (!m.has(code)) m.set(code, { code, title, items: 0, byStatus: {}, red: 0, yellow: 0, green: 0, behindSchedule: 0, periods: NO_PERIODS, openEscalations: 0 });
      return m.get(code) as Tally;
    };
    for (const r of rows) {
      const ts = [tally(byAction, r.group_code, r.group_title), ...(r.lead_code ? [tally(byDepartment, r.lead_code, r.lead_name ?? r.lead_code)] : [])];
      for (const t of ts) {
        const status = r.status ?? 'unassigned';
        t.items += 1;
        t.byStatus[status] = (t.byStatus[status] ?? 0) + 1;
        const colour = colours.get(r.item_id);
        if (colour) t[colour] += 1;
        // 滞后 is counted for open items only, as their colour is.
        if (colour && r.behind_schedule) t.behindSchedule += 1;
        t.periods = addCounts(t.periods, (r.assignment_id && periods.get(r.assignment_id)) || NO_PERIODS);
        t.openEscalations += escalations.filter((e) => e.assignment_id === r.assignment_id).length;
      }
    }
    const finish = (m: Map<string, Tally>) => [...m.values()].map(({ periods: p, ...t }) => ({ ...t, ...boardFigures(p) }));
    return { byAction: finish(byAction), byDepartment: finish(byDepartment).sort((a, b) => a.code.localeCompare(b.code)) };
  }

  test('the board summary, of all plans and of one, is what the row-by-row reading gave, byte for byte', async () => {
    for (const plan of [undefined, PLAN, OTHER]) {
      const res = await get(`/board/summary${plan ? `?plan=${plan}` : ''}`);
      expect(res.status).toBe(200);
      const { generatedAt, ...body } = res.body as { generatedAt: string };
      expect(generatedAt).toEqual(expect.any(String));
      expect(JSON.stringify(body)).toBe(JSON.stringify(await summaryRowByRow(plan)));
    }
    const all = (await get('/board/summary')).body as { byAction: { code: string; title: string; byStatus: Record<string, number> }[] };
    // A01 of both plans in one tally, titled by the plan that sorts first (other-plan); unassigned items counted by action.
    expect(all.byAction[0]).toMatchObject({ code: 'A01', title: '另一方案行动一' });
    expect(all.byAction[0]?.byStatus.unassigned).toBeGreaterThanOrEqual(3);
    const other = (await get(`/board/summary?plan=${OTHER}`)).body as { byAction: { title: string; items: number }[] };
    expect(other.byAction).toEqual([expect.objectContaining({ title: '另一方案行动一', items: 3 })]);
    expect((await get('/board/summary?plan=no-such-plan')).body).toMatchObject({ byAction: [], byDepartment: [] });
  });

  test('the matrix counts what the row-by-row colours give', async () => {
    const rows = await planItemRows(db, PLAN);
    const colours = await coloursOf(db, rows);
    const res = await get(`/board/matrix?plan=${PLAN}`);
    expect(res.status).toBe(200);
    const cells = res.body.cells as { group: string; lead: string | null; items: number; red: number; yellow: number; green: number; closed: number }[];
    expect(cells.reduce((n, c) => n + c.items, 0)).toBe(rows.length);
    for (const colour of ['red', 'yellow', 'green'] as const) expect(cells.reduce((n, c) => n + c[colour], 0)).toBe([...colours.values()].filter((c) => c === colour).length);
    expect(cells.reduce((n, c) => n + c.closed, 0)).toBe(rows.filter((r) => r.status === 'completed' || r.status === 'cancelled').length);
    // Cells in the order the item list first meets them.
    const firstSeen = [...new Set(rows.map((r) => `${r.group_code}/${r.lead_code}`))];
    expect(cells.map((c) => `${c.group}/${c.lead}`)).toEqual(firstSeen);
  });

  test('the items list filtered by colour: the row-by-row colours, paged in SQL, totals included', async () => {
    const all = (await get(`/plans/${PLAN}/items?pageSize=200`)).body as { total: number; items: { code: string; colour: Colour | null }[] };
    const rows = await planItemRows(db, PLAN);
    const colours = await coloursOf(db, rows);
    const byCode = new Map(rows.map((r) => [r.code, colours.get(r.item_id) ?? null]));
    expect(all.items.map((i) => [i.code, i.colour])).toEqual(all.items.map((i) => [i.code, byCode.get(i.code)]));
    for (const colour of ['red', 'yellow', 'green'] as const) {
      const expected = all.items.filter((i) => byCode.get(i.code) === colour).map((i) => i.code);
      expect(expected.length).toBeGreaterThan(0);
      const pages: string[] = [];
      for (let page = 1; page <= Math.ceil(expected.length / 4); page++) {
        const res = (await get(`/plans/${PLAN}/items?colour=${colour}&pageSize=4&page=${page}`)).body as { total: number; items: { code: string; colour: Colour }[] };
        expect(res.total).toBe(expected.length);
        expect(res.items.every((i) => i.colour === colour)).toBe(true);
        pages.push(...res.items.map((i) => i.code));
      }
      expect(pages).toEqual(expected);
    }
    expect((await get(`/plans/${PLAN}/items?colour=red&status=unassigned`)).body).toMatchObject({ total: 0, items: [] });
  });

  test('the ledger lists every current item in the lists\' order, with the lists\' colour as a word and a fill', async () => {
    const ws = (await ledgerWorkbook(db, PLAN)).getWorksheet('台账');
    // Row 1 is the title, row 2 the header.
    const header = (ws?.getRow(2).values as unknown[]).slice(1);
    const col = (name: string) => header.indexOf(name) + 1;
    const rows = await planItemRows(db, PLAN);
    const colours = await coloursOf(db, rows);
    expect(ws?.rowCount).toBe(rows.length + 2);
    expect(new Set(colours.values())).toEqual(new Set(['red', 'yellow', 'green']));
    for (const [n, r] of rows.entries()) {
      const row = ws?.getRow(n + 3);
      const colour = colours.get(r.item_id);
      const fill = row?.getCell(col('红黄绿灯')).fill;
      expect([row?.getCell(col('序号')).value, row?.getCell(col('编号')).value, row?.getCell(col('红黄绿灯')).value]).toEqual([n + 1, r.code, colour ? COLOUR_CELLS[colour].word : '']);
      expect(fill?.type === 'pattern' ? fill.fgColor?.argb : undefined).toBe(colour ? COLOUR_CELLS[colour].argb : undefined);
    }
  });
});
