import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import type { Express } from 'express';
import request from 'supertest';
import { chineseDate } from '../domain/words';
import { API_BASE, createApp } from '../api/app';
import { refreshScheduleStanding } from '../db/schedule-standing';
import type { Db } from '../db/connection';
import { shanghaiDate } from '../domain/clock';
import { apiDeps } from './helpers/api-deps';
import { binaryBody, signInAll } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';

const run = promisify(execFile);
const SOFFICE = process.env.SOFFICE_PATH ?? 'soffice';

/** The official columns, in order: what the issue asks for, written out rather than imported from the route. */
const HEADER = ['序号', '编号', '事项', '牵头单位', '配合单位', '完成时限', '状态', '红黄绿灯', '序时进度', '工作进展', '存在问题', '下步打算', '督办次数', '最高层级', '评定等次'];

// A comma, quotes and a line break: the CSV must carry them whole.
const REPORT = { progress: '完成平台建设方案,"双创"平台上线', problems: '资金未到位', next_steps: '推广试点\n开展评估' };

/**
 * Converts `file` with LibreOffice into `outDir` and returns the new file's
 * path. Each test file has its own profile (UserInstallation): two soffice
 * processes sharing one would collide, or hand the work to each other.
 */
async function convert(profile: string, file: string, outDir: string, target: string): Promise<string> {
  const args = [`-env:UserInstallation=${pathToFileURL(profile).href}`, '--headless', '--norestore', '--nolockcheck', '--convert-to', target, '--outdir', outDir, file];
  // The first start builds the profile: 10-20 s on a small machine.
  const { stdout, stderr } = await run(SOFFICE, args, { timeout: 180_000 }).catch((err: Error) => {
    throw new Error(`${SOFFICE} failed (install libreoffice-calc-nogui, as .ci/run does): ${err.message}`);
  });
  const out = path.join(outDir, `${path.parse(file).name}.${target.split(':')[0]}`);
  // soffice reports a failed conversion on its output, not always by its exit status.
  if (!fs.existsSync(out)) throw new Error(`${SOFFICE} wrote no ${out}: ${stdout} ${stderr}`);
  return out;
}

/** The attributes of one XML start tag, by name. */
function attributesOf(tag: string): Record<string, string> {
  return Object.fromEntries([...tag.matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]));
}

/** A length as LibreOffice writes it (its unit follows the locale), in millimetres; NaN when absent. */
function mm(length: string | undefined): number {
  const m = /^([\d.]+)(in|cm|mm)$/.exec(length ?? '');
  return m ? Number(m[1]) * { in: 25.4, cm: 10, mm: 1 }[m[2] as 'in' | 'cm' | 'mm'] : NaN;
}

/** RFC 4180 CSV, as LibreOffice writes it: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
    } else if (ch !== '\r') field += ch;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

/**
 * The 台账 as a user's office suite reads it: downloaded through the API (the
 * streamed workbook), opened by LibreOffice Calc, saved as CSV for the cells
 * and as flat ODS and back as .xlsx for the print setup LibreOffice understood.
 */
describe('the ledger (台账) opened by LibreOffice', () => {
  let db: Db;
  let app: Express;
  let token: string;
  let work: string;
  let xlsx: string;
  let asOf: string[];

  /** A01-1: in progress, past its 完成时限, chased twice and reported on; A01-2: acknowledged, nothing due; A01-3 left unassigned. */
  async function seedItems(): Promise<void> {
    const dept = async (code: string) => ((await db('departments').where({ code }).first('id')) as { id: number }).id;
    const item = async (code: string) => ((await db('items').where({ code }).first('id')) as { id: number }).id;
    const assignment = async (code: string, over: Record<string, unknown>) => {
      const [row] = (await db('assignments')
        .insert({
          item_id: await item(code),
          workflow_id: `item:ledger-lo:${code}`,
          lead_department_id: await dept('eic'),
          cadence: 'quarterly',
          due_offset_working_days: 5,
          start_date: '2016-03-28',
          assigned_on: '2016-03-28',
          policy: JSON.stringify({ cadence: 'quarterly' }),
          escalation_level: 0,
          assigned_by: 'sec1',
          assigned_at: new Date('2016-03-28T02:00:00Z'),
          ...over,
        })
        .returning('id')) as { id: number }[];
      return (row as { id: number }).id;
    };
    const a011 = await assignment('A01-1', { status: 'in_progress', final_deadline: '2016-06-30', escalation_level: 2 });
    await assignment('A01-2', { status: 'acknowledged', final_deadline: '2030-12-31' });
    await db('assignment_cooperators').insert({ assignment_id: a011, department_id: await dept('sti') });
    for (const [level, rung] of [[1, 'cuiban'], [2, 'duban']] as const) {
      await db('escalations').insert({ key: `esc:ledger-lo:${rung}`, assignment_id: a011, subject: 'report', period_seq: 1, rung, level, business_date: '2016-04-12', fired_at: new Date() });
    }
    const report = { assignment_id: a011, period_seq: 1, department_id: await dept('eic'), kind: 'consolidated', submitted_by: 'eic1' };
    // An older report first: the ledger shows the latest one.
    await db('reports').insert({ ...report, receipt_id: crypto.randomUUID(), version: 1, progress: '启动', percent_done: 10, submitted_at: new Date('2016-04-05T02:00:00Z') });
    await db('reports').insert({ ...report, ...REPORT, receipt_id: crypto.randomUUID(), version: 2, percent_done: 60, submitted_at: new Date('2016-04-08T02:00:00Z') });
    // Its first quarter ends 2016-03-31: judged against the default plan's proposed 序时进度 (100% by 2018-12-31), 8% planned.
    await db('periods').insert({ assignment_id: a011, seq: 1, starts_on: '2016-03-28', ends_on: '2016-03-31', original_due_on: '2016-04-08', due_on: '2016-04-08', due_at: new Date('2016-04-08T15:59:59Z'), status: 'submitted' });
    await refreshScheduleStanding(db, { assignmentId: a011 });
  }

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('ledger_lo'));
    await seedItems();
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db) });
    token = (await signInAll(app, db)).secretariat as string;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-lo-'));
    // Around midnight in Shanghai the title may name either day.
    const before = shanghaiDate(Date.now());
    const res = await request(app).get(`${API_BASE}/ledger.xlsx`).set('authorization', `Bearer ${token}`).buffer(true).parse(binaryBody);
    asOf = [before, shanghaiDate(Date.now())].map(chineseDate);
    expect(res.status).toBe(200);
    xlsx = path.join(work, 'ledger.xlsx');
    fs.writeFileSync(xlsx, res.body as Buffer);
  });
  afterAll(async () => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
    await db?.destroy();
  });

  test('its cells: the title row, the header row exactly, then the items with Chinese words and the latest report', async () => {
    const csv = await convert(path.join(work, 'profile'), xlsx, path.join(work, 'csv'), 'csv:Text - txt - csv (StarCalc):44,34,76');
    const rows = parseCsv(fs.readFileSync(csv, 'utf8'));
    const [title, header, ...items] = rows;
    // The title is one cell merged across the table; LibreOffice leaves the covered cells empty.
    expect(title).toHaveLength(HEADER.length);
    expect(title?.slice(1).every((c) => c === '')).toBe(true);
    expect(asOf.map((date) => `山东省“互联网+”行动计划(2016-2018年)推进情况台账\n填报单位:山东省“互联网+”行动计划领导小组办公室(设在省发展改革委)\u3000\u3000截至日期:${date}`)).toContain(title?.[0]);
    expect(header).toEqual(HEADER);
    expect(items).toHaveLength(56);
    const itemTitle = async (code: string) => ((await db('items').where({ code }).first('title')) as { title: string }).title;
    const byCode = (code: string) => items.find((r) => r[1] === code);
    expect(byCode('A01-1')).toEqual(['1', 'A01-1', await itemTitle('A01-1'), '省经济和信息化委', '省科技厅', '2016年6月30日', '推进中', '红', '计划8%,实际60%', REPORT.progress, REPORT.problems, REPORT.next_steps, '2', '督办', '']);
    expect(byCode('A01-2')).toEqual(['2', 'A01-2', await itemTitle('A01-2'), '省经济和信息化委', '', '2030年12月31日', '已签收', '绿', '', '', '', '', '0', '', '']);
    expect(byCode('A01-3')?.slice(0, 8)).toEqual(['3', 'A01-3', await itemTitle('A01-3'), '', '', '', '未交办', '']);
    expect(items.map((r) => r[0])).toEqual(items.map((_, n) => String(n + 1)));
  }, 300_000);

  test('its print setup: A4 landscape, one page wide, title and header repeated on each page, panes frozen below the header', async () => {
    // LibreOffice's own page style, in flat ODS (one XML file): A4 turned landscape, scaled to one page across with no limit down.
    const fods = fs.readFileSync(await convert(path.join(work, 'profile'), xlsx, path.join(work, 'fods'), 'fods'), 'utf8');
    const pages = (fods.match(/<style:page-layout-properties [^>]*>/g) ?? []).map(attributesOf);
    const a4Landscape = (p: Record<string, string>) => Math.round(mm(p['fo:page-width'])) === 297 && Math.round(mm(p['fo:page-height'])) === 210 && p['style:print-orientation'] === 'landscape';
    expect(pages.filter((p) => a4Landscape(p) && p['style:scale-to-X'] === '1' && (p['style:scale-to-Y'] ?? '0') === '0')).toHaveLength(1);
    // Print titles: LibreOffice repeats the title and header rows, and no item, on each page.
    const headerRows = fods.match(/<table:table-header-rows>([\s\S]*?)<\/table:table-header-rows>/)?.[1] ?? '';
    expect([headerRows.includes('推进情况台账'), headerRows.includes('>序号<'), headerRows.includes('>A01-1<')]).toEqual([true, true, false]);

    // What LibreOffice understood, as it writes it back to .xlsx: it keeps only what it read.
    const back = await convert(path.join(work, 'profile'), xlsx, path.join(work, 'xlsx'), 'xlsx:Calc MS Excel 2007 XML');
    const ws = (await new ExcelJS.Workbook().xlsx.readFile(back)).getWorksheet('台账');
    // exceljs reads the print titles from the _xlnm.Print_Titles name LibreOffice wrote. (Not fitToPage: exceljs
    // takes only "1" for true, LibreOffice writes "true"; the page style above shows it.)
    expect(ws?.pageSetup).toMatchObject({ paperSize: 9, orientation: 'landscape', fitToWidth: 1, fitToHeight: 0, printTitlesRow: '1:2' });
    expect(ws?.model.merges).toEqual([`A1:${String.fromCharCode(64 + HEADER.length)}1`]);
    const a011 = ws?.getRow(3);
    expect(a011?.getCell(2).value).toBe('A01-1');
    const lamp = a011?.getCell(HEADER.indexOf('红黄绿灯') + 1);
    expect(lamp?.fill).toMatchObject({ type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFF6B6B' } });
    for (const cell of [ws?.getCell('A2'), lamp, ws?.getCell(`${String.fromCharCode(64 + HEADER.length)}58`)]) {
      expect(cell?.border).toMatchObject({ top: { style: 'thin' }, left: { style: 'thin' }, bottom: { style: 'thin' }, right: { style: 'thin' } });
    }
    expect(a011?.getCell(HEADER.indexOf('工作进展') + 1).alignment).toMatchObject({ wrapText: true });
    // A headless LibreOffice opens no view, so it carries no frozen panes over: the pane is read from the download itself.
    const sent = (await new ExcelJS.Workbook().xlsx.readFile(xlsx)).getWorksheet('台账');
    expect(sent?.views[0]).toMatchObject({ state: 'frozen', ySplit: 2, topLeftCell: 'A3' });
  }, 300_000);
});
