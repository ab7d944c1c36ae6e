import { shanghaiDate } from '../../domain/clock';
import { RUNG_LABELS } from '../../workflows/definitions';
import ExcelJS from 'exceljs';
import { z } from 'zod';
import type { Db } from '../../db/connection';
import { onTimeByAssignment } from '../../db/on-time';
import { CADENCE_WORDS, GRADE_WORDS, STATUS_WORDS, wordFor } from '../../domain/words';
import { binary, route } from '../route';
import { colourColumn, planItemsJoined } from '../services/plan-items';

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

/** One ledger row as PostgreSQL gives it: the item, its assignment's terms, last report, escalations and on-time counts. */
interface LedgerRow {
  code: string;
  title: string;
  group_title: string;
  lead_name: string | null;
  cooperating: string | null;
  cadence: string | null;
  status: string;
  grade: string | null;
  colour: string | null;
  last_report_on: string | null;
  last_percent: number | null;
  next_due_on: string | null;
  assigned: boolean;
  accepted: number;
  on_time_original: number;
  on_time_extended: number;
  escalations: number;
  highest_rung: string | null;
}

/**
 * Every current plan item (assigned or not) with all its ledger columns, in
 * one query, in the order of the plan lists. The last consolidated report is
 * read by a lateral join, one index entry per assignment
 * (reports_consolidated_latest_submitted, migration 011).
 */
async function ledgerRows(db: Db, planCode: string | undefined, workingDayMs: number | undefined): Promise<LedgerRow[]> {
  const colour = await colourColumn(db, workingDayMs);
  const cooperating = db('assignment_cooperators as c')
    .join('departments as d', 'd.id', 'c.department_id')
    .groupBy('c.assignment_id')
    .select('c.assignment_id', db.raw(`string_agg(coalesce(d.short_name, d.name), '、' order by d.code) as names`));
  const escalations = db('escalations').groupBy('assignment_id').select('assignment_id', db.raw('count(*)::int as n'), db.raw('(array_agg(rung order by level desc))[1] as rung'));
  const q = planItemsJoined(db)
    .leftJoin(cooperating.as('coop'), 'coop.assignment_id', 'a.id')
    .leftJoin(escalations.as('esc'), 'esc.assignment_id', 'a.id')
    .leftJoin(onTimeByAssignment(db).as('ot'), 'ot.assignment_id', 'a.id')
    .joinRaw(
      `left join lateral (
        select r.percent_done, to_char(r.submitted_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as on
        from reports r where r.assignment_id = a.id and r.kind = 'consolidated'
        order by r.submitted_at desc limit 1) as last on true`,
    )
    .orderBy([{ column: 'p.code' }, { column: 'act.seq' }, { column: 'm.seq' }, { column: 'i.seq' }])
    .select(
      'i.code',
      'i.title',
      db.raw('coalesce(act.title, m.title) as group_title'),
      db.raw('coalesce(lead.short_name, lead.name) as lead_name'),
      'coop.names as cooperating',
      db.raw(`a.policy->>'cadence' as cadence`),
      db.raw(`coalesce(a.status, 'unassigned') as status`),
      'a.grade',
      db.raw('? as colour', [colour.sql]),
      'last.on as last_report_on',
      'last.percent_done as last_percent',
      db.raw(`to_char(a.next_due_on, 'YYYY-MM-DD') as next_due_on`),
      db.raw('a.id is not null as assigned'),
      db.raw('coalesce(ot.accepted, 0) as accepted'),
      db.raw('coalesce(ot."onTimeOriginal", 0) as on_time_original'),
      db.raw('coalesce(ot."onTimeExtended", 0) as on_time_extended'),
      db.raw('coalesce(esc.n, 0) as escalations'),
      'esc.rung as highest_rung',
    );
  if (planCode) q.where('p.code', planCode);
  return (await q) as LedgerRow[];
}

/** The 台账 sheet, in a workbook held in memory or one streamed out: both have the same worksheet API (a row commit is a no-op in memory, and frees the row when streaming). */
function fillLedger(wb: ExcelJS.Workbook, rows: LedgerRow[]): void {
  const ws = wb.addWorksheet('台账', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = COLUMNS;
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  for (const r of rows) {
    // An unassigned item has no on-time figures at all, not zeros.
    const periods = r.assigned ? { accepted: r.accepted, onTimeOriginal: r.on_time_original, onTimeExtended: r.on_time_extended } : undefined;
    ws.addRow({
      code: r.code,
      title: r.title,
      group: r.group_title,
      lead: r.lead_name ?? '',
      cooperating: r.cooperating ?? '',
      cadence: r.cadence ? wordFor(CADENCE_WORDS, r.cadence) : '',
      status: wordFor(STATUS_WORDS, r.status),
      grade: r.grade ? wordFor(GRADE_WORDS, r.grade) : '',
      colour: r.colour ? COLOUR[r.colour] : '',
      lastReportOn: r.last_report_on ?? '',
      lastPercent: r.last_percent ?? '',
      nextDueOn: r.next_due_on ?? '',
      acceptedPeriods: periods?.accepted ?? '',
      onTimeOriginal: periods?.onTimeOriginal ?? '',
      onTimeExtended: periods?.onTimeExtended ?? '',
      escalations: r.escalations,
      highestRung: r.highest_rung ? wordFor(RUNG_LABELS, r.highest_rung) : '',
    }).commit();
  }
}

/** 台账: one row per current plan item, assigned or not, as an .xlsx workbook in memory. */
export async function ledgerWorkbook(db: Db, planCode?: string, workingDayMs?: number): Promise<ExcelJS.Workbook> {
  const rows = await ledgerRows(db, planCode, workingDayMs);
  const wb = new ExcelJS.Workbook();
  wb.created = new Date();
  fillLedger(wb, rows);
  return wb;
}

/** The same workbook streamed to `out` as it is written, so the file is never held as one buffer. */
async function streamLedger(out: NodeJS.WritableStream, rows: LedgerRow[]): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out as unknown as import('node:stream').Stream, useStyles: true, useSharedStrings: true });
  wb.created = new Date();
  fillLedger(wb, rows);
  await wb.commit();
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
      // Read before the first byte goes out: a failed query still answers a proper error.
      const rows = await ledgerRows(deps.db, query.plan, deps.workingDayMs);
      const date = shanghaiDate(Date.now());
      res.setHeader('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      // An ASCII filename for old clients, the Chinese one (RFC 5987) for the rest.
      res.setHeader('content-disposition', `attachment; filename="ledger-${date}.xlsx"; filename*=UTF-8''${encodeURIComponent(`台账-${date}.xlsx`)}`);
      res.status(200);
      try {
        await streamLedger(res, rows);
      } catch (err) {
        // Part of the file is out: no error answer can follow, so cut the download short rather than end a broken file cleanly.
        deps.log.error({ err }, 'ledger export failed while streaming');
        res.destroy(err instanceof Error ? err : new Error(String(err)));
      }
      return undefined;
    },
  }),
];
