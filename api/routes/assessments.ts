import { BORDER, headerCell } from '../documents/xlsx-style';
import ExcelJS from 'exceljs';
import { z } from 'zod';
import { chineseDate } from '../../domain/words';
import {
  addAdjustment,
  assessableDepartment,
  AssessmentPublishedError,
  findAssessmentPlan,
  liveAssessment,
  publishAssessment,
  readAssessment,
  type AssessedDepartment,
  type Assessment,
  type AssessmentPlan,
} from '../../db/assessment';
import { assessmentPoints, assessmentPolicySchema, code, MAX_DATE_YEAR, MIN_DATE_YEAR } from '../../db/catalog/plan-schema';
import type { Db } from '../../db/connection';
import { COMPONENT_LABELS, type AssessmentComponent } from '../../domain/assessment';
import { shanghaiDate } from '../../domain/clock';
import { GRADE_WORDS, GRADES, type Grade } from '../../domain/words';
import { attachment } from '../documents/pdf';
import { HttpError, invalid } from '../errors';
import { binary, route } from '../route';
import { day, instant, text } from '../schemas';

/**
 * 年度考核: each year, each department and city scored from the recorded
 * events (db/assessment.ts, domain/assessment.ts), with the breakdown that
 * traces every point; the secretariat adjusts with a reason and publishes,
 * which freezes the year.
 */

const READERS: ['secretariat', 'leadership'] = ['secretariat', 'leadership'];

const yearParam = z.object({ year: z.coerce.number().int().min(MIN_DATE_YEAR).max(MAX_DATE_YEAR) }).strict();
const planQuery = z.object({ plan: code.optional() }).strict();

// ---- the answers ----

const count = z.number().int().min(0);
const rate = z.number().min(0).max(1).nullable();

const assessmentEvent = z.object({
  /** The event's key in its table: period:<workflow id>:p<seq>, report:<receipt id>, an escalation's or a 批示's key, item:<workflow id>, adjustment:<id>. */
  ref: z.string(),
  item: z.string().nullable(),
  date: day,
  note: z.string(),
});

const assessmentLine = z.object({
  component: z.enum(Object.keys(COMPONENT_LABELS) as [AssessmentComponent, ...AssessmentComponent[]]),
  label: z.string(),
  count,
  /** For a share: out of how many; null for a count. */
  of: count.nullable(),
  weight: z.number(),
  /** weight × count (or × count / of), in whole hundredths; the lines of a department add up to its score. */
  points: z.number(),
  basis: z.string(),
  events: z.array(assessmentEvent),
});

const adjustment = z.object({ id: z.number().int(), points: z.number(), reason: z.string(), by: z.string(), at: instant });

const assessedDepartment = z.object({
  department: z.string(),
  name: z.string(),
  kind: z.string(),
  score: z.number(),
  figures: z.object({
    acceptedPeriods: count,
    onTimeOriginal: count,
    onTimeRateOriginal: rate,
    onTimeExtended: count,
    onTimeRateExtended: rate,
    returnedReports: count,
    escalations: z.object({ cuiban: count, duban: count, 'leading-group': count }),
    feedbackDue: count,
    feedbackOnTime: count,
    behindSchedule: count,
    completed: z.object(Object.fromEntries(GRADES.map((g) => [g, count])) as Record<Grade, typeof count>),
    adjustment: z.number(),
  }),
  lines: z.array(assessmentLine),
  adjustments: z.array(adjustment),
});

const assessmentAnswer = z.object({
  plan: z.string(),
  planTitle: z.string(),
  year: z.number().int(),
  /** The day the events were read up to: today while live, the day of publication once published. */
  asOf: day,
  weights: assessmentPolicySchema,
  /** Null while live; once published the answer is the assessment as published, frozen. */
  published: z.object({ at: instant, by: z.string() }).nullable(),
  departments: z.array(assessedDepartment),
});

// ---- the plan and the errors ----

async function planFor(db: Db, planCode: string | undefined, year: number): Promise<AssessmentPlan> {
  const plan = await findAssessmentPlan(db, planCode, year);
  if (plan === 'ambiguous') throw invalid([{ field: 'query.plan', message: `several plans cover ${year}: name one` }]);
  if (plan === 'unknown') throw new HttpError(404, 'not_found', planCode ? `no plan ${planCode}` : `no plan covers ${year}`);
  return plan;
}

function frozen(err: unknown): never {
  if (err instanceof AssessmentPublishedError) throw new HttpError(409, 'assessment_published', `${err.year}年度考核已发布,不能再调整 (${err.message})`);
  throw err;
}

// ---- the workbook ----


interface Column {
  header: string;
  width: number;
  /** A number format (a rate as a percent, points with two decimals). */
  numFmt?: string;
}

const SCORE_COLUMNS: Column[] = [
  { header: '序号', width: 5 },
  { header: '单位', width: 16 },
  { header: '得分', width: 8, numFmt: '0.00' },
  { header: '按时报送率(原定)', width: 10, numFmt: '0.0%' },
  { header: '按时报送率(含延期)', width: 10, numFmt: '0.0%' },
  { header: '退回次数', width: 7 },
  { header: '催办次数', width: 7 },
  { header: '督办次数', width: 7 },
  { header: '上报领导小组次数', width: 9 },
  { header: '批示按时反馈', width: 9 },
  { header: '序时进度滞后', width: 8 },
  { header: '办结评定', width: 16 },
  { header: '调整分', width: 8, numFmt: '0.00' },
  { header: '调整理由', width: 30 },
];

const LINE_COLUMNS: Column[] = [
  { header: '单位', width: 16 },
  { header: '考核项', width: 16 },
  { header: '计数', width: 6 },
  { header: '基数', width: 6 },
  { header: '权重', width: 7 },
  { header: '得分', width: 8, numFmt: '0.00' },
  { header: '计分依据', width: 48 },
];

const EVENT_COLUMNS: Column[] = [
  { header: '单位', width: 16 },
  { header: '考核项', width: 16 },
  { header: '事项', width: 9 },
  { header: '日期', width: 11 },
  { header: '说明', width: 30 },
  { header: '记录', width: 60 },
];

/** A sheet with a title row across it, a header row, and frozen panes below them. */
function sheet(wb: ExcelJS.Workbook, name: string, title: string, columns: Column[]): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(name, {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 2 }],
    pageSetup: { paperSize: 9 as ExcelJS.PaperSize, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '1:2' },
  });
  ws.columns = columns.map((c) => ({ width: c.width, style: c.numFmt ? { numFmt: c.numFmt } : {} }));
  const head = ws.getRow(1);
  head.getCell(1).value = title;
  head.getCell(1).font = { bold: true, size: 14 };
  head.getCell(1).alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  head.height = 40;
  ws.mergeCells(1, 1, 1, columns.length);
  const header = ws.getRow(2);
  columns.forEach((c, n) => headerCell(header.getCell(n + 1), c.header));
  return ws;
}

function addRow(ws: ExcelJS.Worksheet, values: (string | number)[]): void {
  const row = ws.addRow(values);
  row.eachCell((cell) => {
    cell.border = BORDER;
    cell.alignment = { vertical: 'top', wrapText: true };
  });
}

const signed = (points: number) => (points > 0 ? `+${points}` : String(points));

function scoreRow(n: number, d: AssessedDepartment): (string | number)[] {
  const f = d.figures;
  const grades = GRADES.filter((g) => f.completed[g] > 0).map((g) => `${GRADE_WORDS[g]}${f.completed[g]}项`);
  return [
    n,
    d.name,
    d.score,
    f.onTimeRateOriginal ?? '—',
    f.onTimeRateExtended ?? '—',
    f.returnedReports,
    f.escalations.cuiban,
    f.escalations.duban,
    f.escalations['leading-group'],
    f.feedbackDue ? `${f.feedbackOnTime}/${f.feedbackDue}` : '—',
    f.behindSchedule,
    grades.join('、'),
    f.adjustment,
    d.adjustments.map((a) => `${a.reason}(${signed(a.points)})`).join(';'),
  ];
}

/**
 * The assessment as an .xlsx workbook: 年度考核 (one row per department with
 * its score and figures), 得分明细 (each line of each breakdown that counts
 * something), 相关记录 (every event behind those lines, by its key).
 */
export function assessmentWorkbook(a: Assessment): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  wb.created = new Date();
  const state = a.published ? `已发布(${chineseDate(shanghaiDate(Date.parse(a.published.at)))},${a.published.by})` : `未发布,截至${chineseDate(a.asOf)}`;
  const title = `${a.planTitle}${a.year}年度考核\n${state}`;
  const scores = sheet(wb, '年度考核', title, SCORE_COLUMNS);
  a.departments.forEach((d, n) => addRow(scores, scoreRow(n + 1, d)));
  const lines = sheet(wb, '得分明细', title, LINE_COLUMNS);
  const events = sheet(wb, '相关记录', title, EVENT_COLUMNS);
  for (const d of a.departments) {
    for (const l of d.lines) {
      if (l.component !== 'base' && l.count === 0 && l.points === 0) continue;
      addRow(lines, [d.name, l.label, l.count, l.of ?? '', l.weight, l.points, l.basis]);
      for (const e of l.events) addRow(events, [d.name, l.label, e.item ?? '', e.date, e.note, e.ref]);
    }
  }
  return wb;
}

export const assessmentRoutes = [
  // Before /assessments/:year, which would otherwise take "2016.xlsx" for a year.
  route({
    method: 'get',
    path: '/assessments/:year.xlsx',
    operationId: 'downloadAssessment',
    response: binary('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
    errors: { 404: 'No such plan, or no plan covers the year' },
    tag: 'board',
    summary: "Download a year's assessment (年度考核) with its breakdown and the events behind it as an Excel workbook",
    access: READERS,
    params: yearParam,
    query: planQuery,
    handler: async ({ deps, res, params, query }) => {
      const plan = await planFor(deps.db, query.plan, params.year);
      const bytes = Buffer.from(await assessmentWorkbook(await readAssessment(deps.db, plan, params.year)).xlsx.writeBuffer());
      res.setHeader('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      res.setHeader('content-disposition', attachment(`assessment-${plan.code}-${params.year}.xlsx`, `${params.year}年度考核.xlsx`));
      res.setHeader('cache-control', 'private, no-cache');
      res.status(200).end(bytes);
      return undefined;
    },
  }),
  route({
    method: 'get',
    path: '/assessments/:year',
    operationId: 'getAssessment',
    response: assessmentAnswer,
    errors: { 404: 'No such plan, or no plan covers the year' },
    tag: 'board',
    summary: "Show a year's assessment (年度考核): each department's and city's score with its breakdown, live or as published",
    access: READERS,
    params: yearParam,
    query: planQuery,
    handler: async ({ deps, params, query }) => readAssessment(deps.db, await planFor(deps.db, query.plan, params.year), params.year),
  }),
  route({
    method: 'post',
    path: '/assessments/:year/adjustments',
    operationId: 'addAssessmentAdjustment',
    status: 201,
    response: z.object({ adjustment: adjustment.extend({ department: z.string() }), score: z.number() }),
    errors: { 404: 'No such plan, or no plan covers the year', 409: 'The year is published (assessment_published): its assessment is frozen' },
    tag: 'board',
    summary: "Adjust a department's assessment score, with the reason (调整分); audited",
    access: ['secretariat'],
    params: yearParam,
    query: planQuery,
    body: z
      .object({
        department: code,
        points: assessmentPoints(-100, 100).refine((x) => x !== 0, 'must not be 0'),
        reason: text('comment'),
      })
      .strict(),
    handler: async ({ deps, params, query, body, principal, requestId }) => {
      const plan = await planFor(deps.db, query.plan, params.year);
      const department = await assessableDepartment(deps.db, body.department);
      if (!department) throw invalid([{ field: 'department', message: `unknown department "${body.department}"` }]);
      const added = await addAdjustment(deps.db, plan, params.year, { department, points: body.points, reason: body.reason }, { actor: principal.username, requestId }).catch(frozen);
      const now = await liveAssessment(deps.db, plan, params.year);
      return { adjustment: added, score: now.departments.find((d) => d.department === department.code)?.score ?? 0 };
    },
  }),
  route({
    method: 'post',
    path: '/assessments/:year/publish',
    operationId: 'publishAssessment',
    response: assessmentAnswer,
    errors: { 404: 'No such plan, or no plan covers the year' },
    tag: 'board',
    summary: "Publish a year's assessment, freezing it: later events and adjustments change nothing (publishing again answers the same)",
    access: ['secretariat'],
    params: yearParam,
    query: planQuery,
    handler: async ({ deps, params, query, principal, requestId }) => {
      const plan = await planFor(deps.db, query.plan, params.year);
      return (await publishAssessment(deps.db, plan, params.year, { actor: principal.username, requestId })).assessment;
    },
  }),
];
