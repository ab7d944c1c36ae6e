import crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import type { Express } from 'express';
import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import { findAssessmentPlan, liveAssessment, type AssessmentPlan } from '../db/assessment';
import type { Db } from '../db/connection';
import { leadingGroupRecipients } from '../db/leading-group';
import type { AssessmentWeights } from '../domain/assessment';
import { itemWorkflowId } from '../workflows/definitions';
import { apiDeps } from './helpers/api-deps';
import { binaryBody, signInAll, type Who } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';

const PLAN = 'sd-internet-plus-2016-2018';
const YEAR = 2016;

/**
 * 年度考核 against a database of hand-made events (no workflow runs): the
 * API's scores are recomputed here from the same events and the plan's
 * weights, the breakdown traces each point to its rows, adjustments need a
 * reason and are audited, and a published year stays as it was.
 */
describe('the annual assessment (年度考核)', () => {
  let db: Db;
  let app: Express;
  let tokens: Partial<Record<Who, string>>;
  let weights: AssessmentWeights;
  const ids: Record<string, number> = {};
  const depts: Record<string, number> = {};
  const as = (who: Who, method: 'get' | 'post', path: string) => request(app)[method](`${API_BASE}${path}`).set('authorization', `Bearer ${tokens[who]}`);

  // ---- the events, as plain data: inserted below, and counted again by hand in `expected` ----

  type Period = { item: string; seq: number; endsOn: string; status: string; original: boolean | null; extended: boolean | null };
  const PERIODS: Period[] = [
    { item: 'A01-1', seq: 1, endsOn: '2016-03-31', status: 'accepted', original: true, extended: true },
    { item: 'A01-1', seq: 2, endsOn: '2016-06-30', status: 'accepted', original: false, extended: true },
    { item: 'A01-1', seq: 3, endsOn: '2016-09-30', status: 'accepted', original: null, extended: false },
    // Not accepted: never counted.
    { item: 'A01-1', seq: 4, endsOn: '2016-12-31', status: 'submitted', original: null, extended: null },
    // Another year.
    { item: 'A01-1', seq: 5, endsOn: '2017-03-31', status: 'accepted', original: false, extended: false },
    { item: 'A02-1', seq: 1, endsOn: '2016-03-31', status: 'accepted', original: true, extended: true },
  ];
  type Report = { item: string; seq: number; dept: string; kind: 'consolidated' | 'input'; version: number; review: 'accepted' | 'returned'; reviewedAt: string; percent: number; planned: number | null };
  const REPORTS: Report[] = [
    { item: 'A01-1', seq: 1, dept: 'eic', kind: 'consolidated', version: 1, review: 'accepted', reviewedAt: '2016-04-12T10:00:00+08:00', percent: 25, planned: 30 },
    { item: 'A01-1', seq: 2, dept: 'eic', kind: 'consolidated', version: 1, review: 'returned', reviewedAt: '2016-07-05T10:00:00+08:00', percent: 20, planned: 50 },
    { item: 'A01-1', seq: 2, dept: 'eic', kind: 'consolidated', version: 2, review: 'accepted', reviewedAt: '2016-07-15T10:00:00+08:00', percent: 30, planned: 50 },
    { item: 'A01-1', seq: 2, dept: 'sti', kind: 'input', version: 1, review: 'returned', reviewedAt: '2016-07-04T10:00:00+08:00', percent: 20, planned: null },
    { item: 'A01-1', seq: 3, dept: 'eic', kind: 'consolidated', version: 1, review: 'accepted', reviewedAt: '2016-10-14T10:00:00+08:00', percent: 55, planned: 70 },
    // Returned at 00:30 on 1 January 2017 in Shanghai (16:30 UTC on the 31st): a 2017 event.
    { item: 'A01-1', seq: 4, dept: 'eic', kind: 'consolidated', version: 1, review: 'returned', reviewedAt: '2016-12-31T16:30:00Z', percent: 60, planned: 90 },
  ];
  type Escalation = { item: string; key: string; seq: number; rung: 'cuiban' | 'duban' | 'leading-group'; on: string };
  const ESCALATIONS: Escalation[] = [
    { item: 'A01-1', key: 'esc:A01-1:p2:cuiban', seq: 2, rung: 'cuiban', on: '2016-07-11' },
    { item: 'A01-1', key: 'esc:A01-1:p2:duban', seq: 2, rung: 'duban', on: '2016-07-13' },
    { item: 'A01-1', key: 'esc:A01-1:p3:cuiban', seq: 3, rung: 'cuiban', on: '2016-10-12' },
    { item: 'A01-1', key: 'esc:A01-1:p4:leading-group', seq: 4, rung: 'leading-group', on: '2017-01-20' },
  ];
  type Instruction = { item: string; key: string; seq: number; dueOn: string; at: string | null; late: boolean | null };
  const INSTRUCTIONS: Instruction[] = [
    { item: 'A01-1', key: 'instr:1', seq: 1, dueOn: '2016-05-10', at: '2016-05-09T10:00:00+08:00', late: false },
    { item: 'A01-1', key: 'instr:2', seq: 2, dueOn: '2016-08-10', at: '2016-08-12T10:00:00+08:00', late: true },
    { item: 'A01-1', key: 'instr:3', seq: 3, dueOn: '2016-11-10', at: null, late: null },
    { item: 'A01-1', key: 'instr:4', seq: 4, dueOn: '2017-02-01', at: null, late: null },
  ];
  // Items: their lead, and where completed, when and with what grade.
  const ITEMS: Record<string, { lead: string; completedAt?: string; grade?: string }> = {
    'A01-1': { lead: 'eic' },
    'A01-2': { lead: 'eic', completedAt: '2016-11-20T15:00:00+08:00', grade: 'excellent' },
    'A02-1': { lead: 'agri', completedAt: '2016-12-20T10:00:00+08:00', grade: 'good' },
    // Completed in 2017: not a 2016 grade.
    'A02-2': { lead: 'agri', completedAt: '2017-01-03T10:00:00+08:00', grade: 'fail' },
    'S2-1': { lead: 'finance' },
  };

  /** The score of a department, counted here from the data above and the plan's weights, in hundredths. */
  function expected(dept: string, adjustments: number[] = []): number {
    const c = (x: number) => Math.round(x * 100);
    const share = (w: number, n: number, of: number) => (of ? Math.sign(w * n) * Math.round(Math.abs((c(w) * n) / of)) : 0);
    const leads = (item: string) => ITEMS[item]?.lead === dept;
    const periods = PERIODS.filter((p) => leads(p.item) && p.status === 'accepted' && p.endsOn.startsWith('2016'));
    const returned = REPORTS.filter((r) => r.dept === dept && r.review === 'returned' && new Date(Date.parse(r.reviewedAt) + 8 * 3600_000).getUTCFullYear() === YEAR);
    const escalations = ESCALATIONS.filter((e) => leads(e.item) && e.on.startsWith('2016'));
    const feedback = INSTRUCTIONS.filter((i) => leads(i.item) && i.dueOn.startsWith('2016'));
    const endsOn = (r: Report) => PERIODS.find((p) => p.item === r.item && p.seq === r.seq)?.endsOn ?? '';
    const behind = REPORTS.filter((r) => r.dept === dept && r.kind === 'consolidated' && r.review === 'accepted' && r.planned !== null && endsOn(r).startsWith('2016') && r.planned - r.percent > 10);
    const grades = Object.values(ITEMS).filter((i) => i.lead === dept && i.completedAt?.startsWith('2016'));
    return (
      c(weights.base) +
      share(weights.lateOriginal, periods.filter((p) => p.original !== true).length, periods.length) +
      share(weights.lateExtended, periods.filter((p) => p.extended !== true).length, periods.length) +
      c(weights.returnedReport) * returned.length +
      escalations.reduce((s, e) => s + c(weights.escalation[e.rung]), 0) +
      share(weights.lateFeedback, feedback.filter((i) => !(i.at && i.late === false)).length, feedback.length) +
      c(weights.behindSchedule) * behind.length +
      grades.reduce((s, g) => s + c(weights.grade[g.grade as keyof AssessmentWeights['grade']]), 0) +
      adjustments.reduce((s, a) => s + c(a), 0)
    );
  }

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('assessment'));
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db) });
    tokens = await signInAll(app, db);
    // The leading group's own entry, which the assessment never lists.
    await leadingGroupRecipients(db);
    const plan = (await findAssessmentPlan(db, PLAN, YEAR)) as AssessmentPlan;
    weights = plan.weights;
    for (const d of (await db('departments').select('id', 'code')) as { id: number; code: string }[]) depts[d.code] = d.id;
    const items = (await db('items').whereIn('code', Object.keys(ITEMS)).select('id', 'code')) as { id: number; code: string }[];
    for (const it of items) {
      const spec = ITEMS[it.code] as { lead: string; completedAt?: string; grade?: string };
      const [row] = (await db('assignments')
        .insert({
          item_id: it.id,
          workflow_id: itemWorkflowId(PLAN, it.code),
          lead_department_id: depts[spec.lead],
          cadence: 'quarterly',
          due_offset_working_days: 5,
          start_date: '2016-01-04',
          assigned_on: '2016-01-04',
          final_deadline: '2018-12-31',
          policy: JSON.stringify({ cadence: 'quarterly' }),
          status: spec.completedAt ? 'completed' : 'in_progress',
          grade: spec.grade ?? null,
          completed_at: spec.completedAt ? new Date(spec.completedAt) : null,
          assigned_by: 'sec1',
          assigned_at: new Date('2016-01-04T10:00:00+08:00'),
        })
        .returning('id')) as { id: number }[];
      ids[it.code] = (row as { id: number }).id;
    }
    for (const p of PERIODS) {
      await db('periods').insert({
        assignment_id: ids[p.item],
        seq: p.seq,
        starts_on: `${p.endsOn.slice(0, 7)}-01`,
        ends_on: p.endsOn,
        original_due_on: p.endsOn,
        due_on: p.endsOn,
        due_at: new Date(`${p.endsOn}T23:59:59+08:00`),
        status: p.status,
        on_time: p.extended,
        on_time_original: p.original,
        accepted_at: p.status === 'accepted' ? new Date(`${p.endsOn}T12:00:00+08:00`) : null,
      });
    }
    for (const r of REPORTS) {
      await db('reports').insert({
        receipt_id: crypto.randomUUID(),
        assignment_id: ids[r.item],
        period_seq: r.seq,
        department_id: depts[r.dept],
        kind: r.kind,
        version: r.version,
        progress: '进展',
        percent_done: r.percent,
        planned_percent: r.planned,
        submitted_by: `${r.dept}1`,
        submitted_at: new Date(Date.parse(r.reviewedAt) - 86_400_000),
        review: r.review,
        reviewed_by: 'sec1',
        reviewed_at: new Date(r.reviewedAt),
      });
    }
    for (const e of ESCALATIONS) {
      await db('escalations').insert({ key: e.key, assignment_id: ids[e.item], subject: 'report', period_seq: e.seq, rung: e.rung, level: ['cuiban', 'duban', 'leading-group'].indexOf(e.rung) + 1, business_date: e.on, fired_at: new Date(`${e.on}T09:00:00+08:00`) });
    }
    for (const i of INSTRUCTIONS) {
      await db('instructions').insert({
        key: i.key,
        assignment_id: ids[i.item],
        issued_by: 'leader1',
        text: '请抓紧推进',
        issued_at: new Date('2016-04-01T10:00:00+08:00'),
        seq: i.seq,
        feedback_due_on: i.dueOn,
        feedback_text: i.at ? '已落实' : null,
        feedback_by: i.at ? 'eic1' : null,
        feedback_at: i.at ? new Date(i.at) : null,
        feedback_late: i.late,
      });
    }
  });
  afterAll(async () => {
    await db?.destroy();
  });

  type Line = { component: string; points: number; count: number; of: number | null; events: { ref: string; item: string | null; date: string }[] };
  type Row = { department: string; name: string; score: number; lines: Line[]; figures: Record<string, unknown>; adjustments: { reason: string; points: number }[] };
  const rowOf = (body: { departments: Row[] }, dept: string) => body.departments.find((d) => d.department === dept) as Row;
  const cents = (x: number) => Math.round(x * 100);

  test('each score equals the score recomputed from the events and the plan weights; the breakdown adds up and names the events', async () => {
    const res = await as('leadership', 'get', `/assessments/${YEAR}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ plan: PLAN, year: YEAR, published: null, weights });
    for (const dept of ['eic', 'sti', 'agri', 'finance']) {
      const row = rowOf(res.body, dept);
      expect({ dept, score: cents(row.score) }).toEqual({ dept, score: expected(dept) });
      expect(row.lines.reduce((s, l) => s + cents(l.points), 0)).toBe(cents(row.score));
    }
    // The figures by hand: eic 100 -13.33 -3.33 -1 -2 -3 -6.67 -4 +3; sti loses a returned input; agri gains a good grade.
    expect(rowOf(res.body, 'eic').score).toBe(69.67);
    expect(rowOf(res.body, 'sti').score).toBe(99);
    expect(rowOf(res.body, 'agri').score).toBe(101);
    expect(rowOf(res.body, 'finance').score).toBe(100);
    // Highest first; the leading group is never assessed.
    const scores = (res.body.departments as Row[]).map((d) => d.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect((res.body.departments as Row[]).some((d) => d.department === 'leading-group')).toBe(false);

    const eic = rowOf(res.body, 'eic');
    const line = (c: string) => eic.lines.find((l) => l.component === c) as Line;
    const wf = itemWorkflowId(PLAN, 'A01-1');
    expect(line('lateOriginal')).toMatchObject({ count: 2, of: 3, points: -13.33 });
    expect(line('lateOriginal').events.map((e) => e.ref)).toEqual([`period:${wf}:p2`, `period:${wf}:p3`]);
    expect(line('lateExtended').events.map((e) => e.ref)).toEqual([`period:${wf}:p3`]);
    expect(line('escalation.cuiban').events.map((e) => e.ref)).toEqual(['esc:A01-1:p2:cuiban', 'esc:A01-1:p3:cuiban']);
    expect(line('escalation.duban').events).toEqual([expect.objectContaining({ ref: 'esc:A01-1:p2:duban', item: 'A01-1', date: '2016-07-13' })]);
    expect(line('escalation.leading-group').count).toBe(0);
    expect(line('lateFeedback')).toMatchObject({ count: 2, of: 3 });
    expect(line('lateFeedback').events.map((e) => e.ref)).toEqual(['instr:2', 'instr:3']);
    expect(line('behindSchedule').events.map((e) => e.date)).toEqual(['2016-06-30', '2016-09-30']);
    expect(line('returnedReport').events).toHaveLength(1);
    expect(line('returnedReport').events[0]?.ref).toMatch(/^report:[0-9a-f-]{36}$/);
    expect(line('grade.excellent').events.map((e) => e.ref)).toEqual([`item:${itemWorkflowId(PLAN, 'A01-2')}`]);
    // The returned report's ref is its row.
    const receipt = (line('returnedReport').events[0]?.ref as string).slice('report:'.length);
    expect(await db('reports').where({ receipt_id: receipt }).first('period_seq', 'version', 'review')).toEqual({ period_seq: 2, version: 1, review: 'returned' });
    expect(eic.figures).toMatchObject({ acceptedPeriods: 3, onTimeOriginal: 1, onTimeExtended: 2, returnedReports: 1, escalations: { cuiban: 2, duban: 1, 'leading-group': 0 }, feedbackDue: 3, feedbackOnTime: 1, behindSchedule: 2 });
  });

  test('an adjustment needs a reason and a known department, changes the score, and is audited; only the secretariat adjusts', async () => {
    const bad: [object, string][] = [
      [{ department: 'agri', points: -2 }, 'reason'],
      [{ department: 'agri', points: -2, reason: '   ' }, 'reason'],
      [{ department: 'agri', points: 0, reason: '理由' }, 'points'],
      [{ department: 'agri', points: 1.234, reason: '理由' }, 'points'],
      [{ department: 'agri', points: 101, reason: '理由' }, 'points'],
      [{ department: 'agri', points: '2', reason: '理由' }, 'points'],
      [{ department: 'nosuchdept', points: 1, reason: '理由' }, 'department'],
      [{ department: 'leading-group', points: 1, reason: '理由' }, 'department'],
    ];
    for (const [body, field] of bad) {
      const res = await as('secretariat', 'post', `/assessments/${YEAR}/adjustments`).send(body);
      expect({ body, status: res.status, fields: (res.body.error.details as { field: string }[]).map((d) => d.field) }).toEqual({ body, status: 422, fields: [field] });
    }
    expect(await db('assessment_adjustments').count({ n: '*' }).first()).toEqual({ n: '0' });
    expect((await as('leadership', 'post', `/assessments/${YEAR}/adjustments`).send({ department: 'agri', points: -2, reason: '理由' })).status).toBe(403);

    const res = await as('secretariat', 'post', `/assessments/${YEAR}/adjustments`).set('x-request-id', 'req-adjust-1').send({ department: 'agri', points: -2.5, reason: '年度重点工作推进不力' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ adjustment: { department: 'agri', points: -2.5, reason: '年度重点工作推进不力', by: 'sec1' }, score: 98.5 });
    expect(cents(res.body.score)).toBe(expected('agri', [-2.5]));
    const audit = await db('audit_events').where({ action: 'assessment.adjust' }).first('actor', 'subject', 'payload', 'request_id');
    expect(audit).toEqual({ actor: 'sec1', subject: `assessment:${PLAN}:${YEAR}`, request_id: 'req-adjust-1', payload: { id: res.body.adjustment.id, department: 'agri', points: -2.5, reason: '年度重点工作推进不力' } });

    const now = await as('secretariat', 'get', `/assessments/${YEAR}`);
    const agri = rowOf(now.body, 'agri');
    expect(agri.score).toBe(98.5);
    expect(agri.adjustments).toEqual([expect.objectContaining({ points: -2.5, reason: '年度重点工作推进不力' })]);
    expect(agri.lines.at(-1)).toMatchObject({ component: 'adjustment', points: -2.5, events: [{ ref: `adjustment:${res.body.adjustment.id}`, item: null }] });
    expect(agri.lines.reduce((s, l) => s + cents(l.points), 0)).toBe(cents(agri.score));
    // Another year is untouched.
    expect(rowOf((await as('secretariat', 'get', `/assessments/2017`)).body, 'agri').adjustments).toEqual([]);
  });

  test('the Excel export has a row per department with its score, the breakdown lines, and the events behind them', async () => {
    const json = (await as('secretariat', 'get', `/assessments/${YEAR}`)).body as { departments: Row[] };
    const res = await as('leadership', 'get', `/assessments/${YEAR}.xlsx`).buffer(true).parse(binaryBody);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const body = res.body as Buffer;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['年度考核', '得分明细', '相关记录']);
    const scores = wb.getWorksheet('年度考核') as ExcelJS.Worksheet;
    expect(scores.getRow(2).values).toEqual([
      undefined,
      '序号',
      '单位',
      '得分',
      '按时报送率(原定)',
      '按时报送率(含延期)',
      '退回次数',
      '催办次数',
      '督办次数',
      '上报领导小组次数',
      '批示按时反馈',
      '序时进度滞后',
      '办结评定',
      '调整分',
      '调整理由',
    ]);
    expect(scores.rowCount).toBe(2 + json.departments.length);
    const byName = new Map<string, ExcelJS.CellValue[]>();
    scores.eachRow((row, n) => {
      if (n > 2) byName.set(String(row.getCell(2).value), row.values as ExcelJS.CellValue[]);
    });
    const eic = rowOf(json, 'eic');
    expect(byName.get(eic.name)?.slice(1, 14)).toEqual([expect.any(Number), eic.name, 69.67, 0.333, 0.667, 1, 2, 1, 0, '1/3', 2, '优秀1项', 0]);
    expect(byName.get(rowOf(json, 'agri').name)?.slice(13)).toEqual([-2.5, '年度重点工作推进不力(-2.5)']);

    // The breakdown lines of a department add up to its score; the events sheet lists the keys behind them.
    const lines = wb.getWorksheet('得分明细') as ExcelJS.Worksheet;
    let sum = 0;
    lines.eachRow((row, n) => {
      if (n > 2 && row.getCell(1).value === eic.name) sum += cents(row.getCell(6).value as number);
    });
    expect(sum).toBe(cents(eic.score));
    const refs: string[] = [];
    (wb.getWorksheet('相关记录') as ExcelJS.Worksheet).eachRow((row, n) => {
      if (n > 2 && row.getCell(1).value === eic.name) refs.push(String(row.getCell(6).value));
    });
    expect(refs).toEqual(expect.arrayContaining(['esc:A01-1:p2:cuiban', 'esc:A01-1:p2:duban', 'instr:3', `period:${itemWorkflowId(PLAN, 'A01-1')}:p2`]));
  });

  test('departments read no assessment; leadership reads but does not publish', async () => {
    for (const path of [`/assessments/${YEAR}`, `/assessments/${YEAR}.xlsx`]) expect((await as('lead-dept', 'get', path)).status).toBe(403);
    expect((await as('lead-dept', 'post', `/assessments/${YEAR}/adjustments`).send({ department: 'eic', points: 5, reason: '自评' })).status).toBe(403);
    expect((await as('leadership', 'post', `/assessments/${YEAR}/publish`)).status).toBe(403);
    expect((await as('secretariat', 'get', `/assessments/${YEAR}?plan=nosuchplan`)).status).toBe(404);
    expect((await as('secretariat', 'get', `/assessments/1999`)).status).toBe(422);
  });

  test('a published assessment is frozen: later events and adjustments change nothing, adjusting is refused, publishing again answers the same', async () => {
    const before = (await as('secretariat', 'get', `/assessments/${YEAR}`)).body;
    const published = await as('secretariat', 'post', `/assessments/${YEAR}/publish`).set('x-request-id', 'req-publish-1');
    expect(published.status).toBe(200);
    expect(published.body.published).toEqual({ at: expect.any(String), by: 'sec1' });
    expect({ ...published.body, published: null }).toEqual(before);
    expect(await db('audit_events').where({ action: 'assessment.publish' }).select('actor', 'subject', 'request_id')).toEqual([{ actor: 'sec1', subject: `assessment:${PLAN}:${YEAR}`, request_id: 'req-publish-1' }]);

    // Later events of the year: a 上报领导小组 rung, a late period, a grade; and an adjustment slipped into the table.
    await db('escalations').insert({ key: 'esc:A01-1:p4:late', assignment_id: ids['A01-1'], subject: 'report', period_seq: 4, rung: 'leading-group', level: 3, business_date: '2016-12-28', fired_at: new Date() });
    await db('periods').where({ assignment_id: ids['A01-1'], seq: 4 }).update({ status: 'accepted', on_time: false, on_time_original: false });
    await db('assignments').where({ id: ids['S2-1'] }).update({ status: 'completed', grade: 'fail', completed_at: new Date('2016-12-30T10:00:00+08:00') });
    await db('assessment_adjustments').insert({ plan_id: (await db('plans').where({ code: PLAN }).first('id')).id, year: YEAR, department_id: depts.finance, points: 4, reason: '后补', created_by: 'sec1' });
    const live = await liveAssessment(db, (await findAssessmentPlan(db, PLAN, YEAR)) as AssessmentPlan, YEAR);
    expect(live.departments.find((d) => d.department === 'eic')?.score).not.toBe(rowOf(published.body, 'eic').score);
    expect(live.departments.find((d) => d.department === 'finance')?.score).not.toBe(100);

    const after = await as('leadership', 'get', `/assessments/${YEAR}`);
    expect(after.body).toEqual(published.body);
    const refused = await as('secretariat', 'post', `/assessments/${YEAR}/adjustments`).send({ department: 'eic', points: 1, reason: '补充加分' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('assessment_published');
    expect(await db('audit_events').where({ action: 'assessment.adjust' }).count({ n: '*' }).first()).toEqual({ n: '1' });

    const again = await as('secretariat', 'post', `/assessments/${YEAR}/publish`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(published.body);
    expect(await db('audit_events').where({ action: 'assessment.publish' }).count({ n: '*' }).first()).toEqual({ n: '1' });

    // The export is the published one too.
    const xlsx = await as('secretariat', 'get', `/assessments/${YEAR}.xlsx`).buffer(true).parse(binaryBody);
    const wb = new ExcelJS.Workbook();
    const buf = xlsx.body as Buffer;
    await wb.xlsx.load(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
    const ws = wb.getWorksheet('年度考核') as ExcelJS.Worksheet;
    expect(String(ws.getCell('A1').value)).toContain('已发布');
    const scores: Record<string, unknown> = {};
    ws.eachRow((row, n) => {
      if (n > 2) scores[String(row.getCell(2).value)] = row.getCell(3).value;
    });
    expect(scores[rowOf(published.body, 'eic').name]).toBe(69.67);
    expect(scores[rowOf(published.body, 'finance').name]).toBe(100);
  });
});
