import { BORDER, headerCell } from '../documents/xlsx-style';
import { shanghaiDate } from '../../domain/clock';
import { scheduleText } from '../../domain/progress-schedule';
import { RUNG_LABELS } from '../../workflows/definitions';
import ExcelJS from 'exceljs';
import { z } from 'zod';
import { chineseDate } from '../../domain/words';
import type { Db } from '../../db/connection';
import { ledgerHead, ledgerRows, type LedgerHead, type LedgerRow } from '../../db/ledger';
import type { Colour } from '../../domain/colour';
import { GRADE_WORDS, STATUS_WORDS, wordFor } from '../../domain/words';
import { binary, route } from '../route';

/** 红黄绿灯: the word, and a fill light enough that the word stays legible in print. */
export const COLOUR_CELLS: Record<Colour, { word: string; argb: string }> = {
  red: { word: '红', argb: 'FFFF6B6B' },
  yellow: { word: '黄', argb: 'FFFFE066' },
  green: { word: '绿', argb: 'FF8FD694' },
};

/** The cells of one data row, by column key. */
interface LedgerCells {
  seq: number;
  code: string;
  title: string;
  lead: string;
  cooperating: string;
  finalDeadline: string;
  status: string;
  colour: string;
  schedule: string;
  progress: string;
  problems: string;
  nextSteps: string;
  escalations: number;
  highestRung: string;
  grade: string;
}

interface LedgerColumn {
  header: string;
  key: keyof LedgerCells;
  /** In characters of the default font; a Chinese character takes about two. */
  width: number;
  /** Short words and figures are centred; text is left and wraps. */
  centred?: boolean;
}

// The columns and their order are the official 台账's (issue 11); on-time counts are on the scorecard, not here.
const COLUMNS: LedgerColumn[] = [
  { header: '序号', key: 'seq', width: 5, centred: true },
  { header: '编号', key: 'code', width: 8, centred: true },
  { header: '事项', key: 'title', width: 26 },
  { header: '牵头单位', key: 'lead', width: 14 },
  { header: '配合单位', key: 'cooperating', width: 16 },
  { header: '完成时限', key: 'finalDeadline', width: 13, centred: true },
  { header: '状态', key: 'status', width: 8, centred: true },
  { header: '红黄绿灯', key: 'colour', width: 6, centred: true },
  { header: '序时进度', key: 'schedule', width: 18 },
  { header: '工作进展', key: 'progress', width: 34 },
  { header: '存在问题', key: 'problems', width: 24 },
  { header: '下步打算', key: 'nextSteps', width: 24 },
  { header: '督办次数', key: 'escalations', width: 6, centred: true },
  { header: '最高层级', key: 'highestRung', width: 10, centred: true },
  { header: '评定等次', key: 'grade', width: 6, centred: true },
];

const TITLE_ROW = 1;
const HEADER_ROW = 2;
// Fewer than 27 columns: one letter names the last.
const LAST_COLUMN = String.fromCharCode('A'.charCodeAt(0) + COLUMNS.length - 1);

function cellsOf(seq: number, r: LedgerRow): LedgerCells {
  return {
    seq,
    code: r.code,
    title: r.title,
    lead: r.lead_name ?? '',
    cooperating: r.cooperating ?? '',
    finalDeadline: r.final_deadline ? chineseDate(r.final_deadline) : '',
    status: wordFor(STATUS_WORDS, r.status),
    colour: r.colour ? COLOUR_CELLS[r.colour].word : '',
    schedule: scheduleText(r),
    progress: r.progress ?? '',
    problems: r.problems ?? '',
    nextSteps: r.next_steps ?? '',
    escalations: r.escalations,
    highestRung: r.highest_rung ? wordFor(RUNG_LABELS, r.highest_rung) : '',
    grade: r.grade ? wordFor(GRADE_WORDS, r.grade) : '',
  };
}

/**
 * Print setup, frozen panes and footer as worksheet options: the streaming
 * writer takes them only when the sheet is created (its print titles become
 * the _xlnm.Print_Titles name when the workbook is written), and the
 * in-memory workbook takes them the same way. A fresh object per sheet, as
 * ExcelJS keeps the views array it is given.
 */
function sheetOptions(): Partial<ExcelJS.AddWorksheetOptions> {
  return {
    views: [{ state: 'frozen', xSplit: 0, ySplit: HEADER_ROW, topLeftCell: `A${HEADER_ROW + 1}`, activeCell: `A${HEADER_ROW + 1}` }],
    pageSetup: {
      paperSize: 9 as ExcelJS.PaperSize, // A4
      orientation: 'landscape',
      // One page wide, as many pages down as the items need.
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: `${TITLE_ROW}:${HEADER_ROW}`,
      horizontalCentered: true,
      margins: { left: 0.4, right: 0.4, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
    },
    headerFooter: { oddFooter: '&C第 &P 页,共 &N 页' },
  };
}

// Two full-width spaces between 填报单位 and 截至日期, as a typed official heading has them.
const GAP = '\u3000\u3000';

/** One merged cell across the table: the title large and bold, then 填报单位 and 截至日期 on a second line. */
function writeTitle(ws: ExcelJS.Worksheet, head: LedgerHead): void {
  const row = ws.getRow(TITLE_ROW);
  row.height = 48;
  const cell = row.getCell(1);
  cell.value = {
    richText: [
      { font: { bold: true, size: 16 }, text: `${head.title}推进情况台账` },
      { font: { size: 11 }, text: `\n填报单位:${head.office}${GAP}截至日期:${chineseDate(head.asOf)}` },
    ],
  };
  cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  ws.mergeCells(`A${TITLE_ROW}:${LAST_COLUMN}${TITLE_ROW}`);
  row.commit();
}

function writeHeader(ws: ExcelJS.Worksheet): void {
  const row = ws.getRow(HEADER_ROW);
  for (const [n, c] of COLUMNS.entries()) headerCell(row.getCell(n + 1), c.header);
  row.commit();
}

function writeItem(ws: ExcelJS.Worksheet, seq: number, r: LedgerRow): void {
  const row = ws.addRow(cellsOf(seq, r));
  for (const [n, c] of COLUMNS.entries()) {
    const cell = row.getCell(n + 1);
    cell.border = BORDER;
    cell.alignment = { horizontal: c.centred ? 'center' : 'left', vertical: 'top', wrapText: true };
  }
  if (r.colour) row.getCell('colour').fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: COLOUR_CELLS[r.colour].argb } };
  row.commit();
}

/** The 台账 sheet, in a workbook held in memory or one streamed out: both have the same worksheet API (a row commit is a no-op in memory, and frees the row when streaming). */
function fillLedger(wb: ExcelJS.Workbook, head: LedgerHead, rows: LedgerRow[]): void {
  const ws = wb.addWorksheet('台账', sheetOptions());
  // Keys and widths only: a header here would be written to row 1, where the title goes.
  ws.columns = COLUMNS.map(({ key, width }) => ({ key, width }));
  writeTitle(ws, head);
  writeHeader(ws);
  rows.forEach((r, n) => writeItem(ws, n + 1, r));
}

/** 台账: one row per current plan item, assigned or not, as an .xlsx workbook in memory. */
export async function ledgerWorkbook(db: Db, planCode?: string, workingDayMs?: number): Promise<ExcelJS.Workbook> {
  const rows = await ledgerRows(db, planCode, workingDayMs);
  const head = await ledgerHead(db, planCode, shanghaiDate(Date.now()));
  const wb = new ExcelJS.Workbook();
  wb.created = new Date();
  fillLedger(wb, head, rows);
  return wb;
}

/** The same workbook streamed to `out` as it is written, so the file is never held as one buffer. */
async function streamLedger(out: NodeJS.WritableStream, head: LedgerHead, rows: LedgerRow[]): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out as unknown as import('node:stream').Stream, useStyles: true, useSharedStrings: true });
  wb.created = new Date();
  fillLedger(wb, head, rows);
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
      const date = shanghaiDate(Date.now());
      const rows = await ledgerRows(deps.db, query.plan, deps.workingDayMs);
      const head = await ledgerHead(deps.db, query.plan, date);
      res.setHeader('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      // An ASCII filename for old clients, the Chinese one (RFC 5987) for the rest.
      res.setHeader('content-disposition', `attachment; filename="ledger-${date}.xlsx"; filename*=UTF-8''${encodeURIComponent(`台账-${date}.xlsx`)}`);
      res.status(200);
      try {
        await streamLedger(res, head, rows);
      } catch (err) {
        // Part of the file is out: no error answer can follow, so cut the download short rather than end a broken file cleanly.
        deps.log.error({ err }, 'ledger export failed while streaming');
        res.destroy(err instanceof Error ? err : new Error(String(err)));
      }
      return undefined;
    },
  }),
];
