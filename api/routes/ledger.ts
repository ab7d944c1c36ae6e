import { shanghaiDate } from '../../domain/clock';
import { RUNG_LABELS } from '../../workflows/definitions';
import ExcelJS from 'exceljs';
import { z } from 'zod';
import type { Db } from '../../db/connection';
import { onTimeCountsBy } from '../../db/on-time';
import { NO_PERIODS, type OnTimeCounts } from '../../domain/on-time';
import { CADENCE_WORDS, GRADE_WORDS, STATUS_WORDS, wordFor } from '../../domain/words';
import { binary, route } from '../route';
import { coloursOf, planItemRows } from '../services/plan-items';

const COLOUR: Record<string, string> = { red: '红', yellow: '黄', green: '绿' };

const COLUMNS: { header: string; key: string; width: number }[] = [
  { header: '编号', key: 'code', width: 10 },
  { header: '事项', key: 'title', width: 40 },
  { header: '所属行动/保障措施', key: 'group', width: 30 },
  { header: '牵头单位', key: 'lead', width: 20 },
  { header: '配合单位', key: 'cooperating', width: 30 },
  { header: '报送周期', key: 'cadence', width: 10 },
  { header: '状态', key: 'status', width: 10 },
  { header: '评定等次', key: 'grade', width: 10 },
  { header: '红黄绿灯', key: 'colour', width: 8 },
  { header: '最近报送日期', key: 'lastReportOn', width: 14 },
  { header: '最近报送完成比例(%)', key: 'lastPercent', width: 12 },
  { header: '下次报送截止', key: 'nextDueOn', width: 14 },
  // On time: the workflow's verdicts, counted by domain/on-time.ts; 含延期 is the due date in force (extensions and returns).
  { header: '审核通过期数', key: 'acceptedPeriods', width: 12 },
  { header: '按时报送期数(原定时限)', key: 'onTimeOriginal', width: 14 },
  { header: '按时报送期数(含延期)', key: 'onTimeExtended', width: 14 },
  { header: '督办次数', key: 'escalations', width: 10 },
  { header: '最高督办层级', key: 'highestRung', width: 14 },
];

interface Extras {
  cooperating: Map<number, string>;
  /** The cadence in force (a reopened item's policy may differ from the first) and the grade of a completed item. */
  terms: Map<number, { cadence: string | null; grade: string | null }>;
  lastReport: Map<number, { on: string; percent: number }>;
  escalations: Map<number, { n: number; rung: string }>;
  onTime: Map<number, OnTimeCounts>;
}

/** What the item rows lack: co-operating departments, cadence and grade, the last consolidated report, escalation and on-time counts; keyed by assignment. */
async function extras(db: Db): Promise<Extras> {
  const coop = (await db('assignment_cooperators as c')
    .join('departments as d', 'd.id', 'c.department_id')
    .groupBy('c.assignment_id')
    .select('c.assignment_id', db.raw(`string_agg(coalesce(d.short_name, d.name), '、' order by d.code) as names`))) as { assignment_id: number; names: string }[];
  const terms = (await db('assignments').select('id', db.raw(`policy->>'cadence' as cadence`), 'grade')) as { id: number; cadence: string | null; grade: string | null }[];
  const reports = (await db.raw(`
    select distinct on (assignment_id) assignment_id, percent_done,
      to_char(submitted_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as on
    from reports where kind = 'consolidated' order by assignment_id, submitted_at desc`)) as { rows: { assignment_id: number; percent_done: number; on: string }[] };
  const escalations = (await db.raw(`
    select assignment_id, count(*)::int as n, (array_agg(rung order by level desc))[1] as rung
    from escalations group by assignment_id`)) as { rows: { assignment_id: number; n: number; rung: string }[] };
  return {
    cooperating: new Map(coop.map((c) => [c.assignment_id, c.names])),
    terms: new Map(terms.map((t) => [t.id, { cadence: t.cadence, grade: t.grade }])),
    lastReport: new Map(reports.rows.map((r) => [r.assignment_id, { on: r.on, percent: r.percent_done }])),
    escalations: new Map(escalations.rows.map((e) => [e.assignment_id, { n: e.n, rung: wordFor(RUNG_LABELS, e.rung) }])),
    onTime: await onTimeCountsBy(db, 'assignment'),
  };
}

/** 台账: one row per current plan item, assigned or not, as an .xlsx workbook. */
export async function ledgerWorkbook(db: Db, planCode?: string, workingDayMs?: number): Promise<ExcelJS.Workbook> {
  const rows = await planItemRows(db, planCode);
  const colours = await coloursOf(db, rows, workingDayMs);
  const more = await extras(db);
  const wb = new ExcelJS.Workbook();
  wb.created = new Date();
  const ws = wb.addWorksheet('台账', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = COLUMNS;
  ws.getRow(1).font = { bold: true };
  for (const r of rows) {
    const a = r.assignment_id;
    const report = a ? more.lastReport.get(a) : undefined;
    const esc = a ? more.escalations.get(a) : undefined;
    const colour = colours.get(r.item_id);
    const periods = a ? (more.onTime.get(a) ?? NO_PERIODS) : undefined;
    const terms = a ? more.terms.get(a) : undefined;
    ws.addRow({
      code: r.code,
      title: r.title,
      group: r.group_title,
      lead: r.lead_name ?? '',
      cooperating: (a && more.cooperating.get(a)) ?? '',
      cadence: terms?.cadence ? wordFor(CADENCE_WORDS, terms.cadence) : '',
      status: wordFor(STATUS_WORDS, r.status ?? 'unassigned'),
      grade: terms?.grade ? wordFor(GRADE_WORDS, terms.grade) : '',
      colour: colour ? COLOUR[colour] : '',
      lastReportOn: report?.on ?? '',
      lastPercent: report?.percent ?? '',
      nextDueOn: r.next_due_on ?? '',
      acceptedPeriods: periods?.accepted ?? '',
      onTimeOriginal: periods?.onTimeOriginal ?? '',
      onTimeExtended: periods?.onTimeExtended ?? '',
      escalations: esc?.n ?? 0,
      highestRung: esc?.rung ?? '',
    });
  }
  return wb;
}

export const ledgerRoutes = [
  route({
    method: 'get',
    path: '/ledger.xlsx',
    operationId: 'downloadLedger',
    response: binary('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
    tag: 'board',
    summary: 'Download the ledger (台账) of plan items as an Excel workbook',
    access: ['secretariat', 'leadership'],
    query: z.object({ plan: z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/).optional() }).strict(),
    handler: async ({ deps, res, query }) => {
      const wb = await ledgerWorkbook(deps.db, query.plan, deps.workingDayMs);
      const buffer = Buffer.from(await wb.xlsx.writeBuffer());
      const date = shanghaiDate(Date.now());
      res.setHeader('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      // An ASCII filename for old clients, the Chinese one (RFC 5987) for the rest.
      res.setHeader('content-disposition', `attachment; filename="ledger-${date}.xlsx"; filename*=UTF-8''${encodeURIComponent(`台账-${date}.xlsx`)}`);
      res.status(200).send(buffer);
      return undefined;
    },
  }),
];
