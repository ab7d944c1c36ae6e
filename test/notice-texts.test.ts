import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Express } from 'express';
import request from 'supertest';
import * as ts from 'typescript';
import { NOTIFICATION_KINDS } from '../notifications';
import { API_BASE, createApp } from '../api/app';
import { apiDeps } from './helpers/api-deps';
import type { Db } from '../db/connection';
import { rungs } from '../db/catalog/plan-schema';
import { NOTICE_SUBJECTS } from '../domain/supervision-notice';
import { CADENCE_WORDS, GRADE_WORDS, STATUS_WORDS } from '../domain/words';
import { projectRoot } from '../platform/config';
import { ensureDigestSchedule } from '../platform/digest-schedule';
import * as d from '../workflows/definitions';
import { binaryBody, signInAll, type Who } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { eventually } from './helpers/wait';

/**
 * Every text a person reads (notices, the ledger, the digest) names
 * departments by their names and says states, cadences, grades and rungs in
 * words. Real items on the real server and the compressed clock (one working
 * day lasts WORKING_DAY ms) go through every kind of event through the API;
 * then every notice, every ledger cell and the digest's text are searched for
 * department codes and for the engine's English values.
 */
const WORKING_DAY = 1000;
const PLAN = 'sd-internet-plus-2016-2018';
/** Driven through its whole life. */
const MAIN = 'A01-1';
/** Acknowledged, then silent past its report and its final deadline: reminders and both ladders. */
const SILENT = 'A01-2';
/** Never acknowledged: the acknowledgement's ladder; then cancelled and reopened. */
const UNACKED = 'A01-3';
/** Its first report falls in 2027, whose calendar is not loaded: blocked. */
const BLOCKED = 'A02-1';

/** String literal types the engine declares (statuses, cadences, grades, rungs, subjects, event kinds, decisions), read from its source. */
function declaredLiterals(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(path.join(projectRoot, file), 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) found.push(node.literal.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The engine's English values: from its declarations and its word tables, so a value added later is checked too. */
function engineValues(): string[] {
  const values = [
    ...declaredLiterals('domain/item/state.ts'),
    ...declaredLiterals('domain/item/requests.ts'),
    ...declaredLiterals('domain/item/events.ts'),
    ...[CADENCE_WORDS, GRADE_WORDS, STATUS_WORDS, d.RUNG_LABELS].flatMap((table) => Object.keys(table)),
    ...NOTICE_SUBJECTS,
    ...d.OPEN_STATUSES,
    ...NOTIFICATION_KINDS,
    ...rungs,
  ];
  return [...new Set(values)].filter((v) => /^[a-z][a-z0-9_-]+$/.test(v)).sort();
}

/** Where a text says one of the words as an ASCII word of its own (Chinese around it counts as a boundary). */
function asciiWordsIn(text: string, words: string[]): string[] {
  return words.filter((w) => new RegExp(`(?<![A-Za-z0-9_])${w.replace(/[-]/g, '\\-')}(?![A-Za-z0-9_])`, 'i').test(text));
}

describe('texts people read: names and words, never codes', () => {
  let db: Db;
  let t: TemporalHarness;
  let app: Express;
  let tokens: Partial<Record<Who, string>>;

  const itemPath = (item: string) => `/plans/${PLAN}/items/${item}`;
  const workflowId = (item: string) => d.itemWorkflowId(PLAN, item);
  const state = (item: string) => t.client.workflow.getHandle(workflowId(item)).query(d.stateQuery);
  /** A write through the API as `who`; fails the test with the API's answer unless it succeeded. */
  const write = async (who: Who, route: string, body: object, requestId?: string) => {
    let req = request(app).post(`${API_BASE}${route}`).set('authorization', `Bearer ${tokens[who]}`);
    if (requestId) req = req.set('x-request-id', requestId);
    const res = await req.send(body);
    if (res.status >= 300) throw new Error(`POST ${route} as ${who}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const escalations = (item: string) =>
    db('escalations as e').join('assignments as a', 'a.id', 'e.assignment_id').where('a.workflow_id', workflowId(item)).orderBy('e.id').select('e.subject', 'e.rung') as Promise<{ subject: string; rung: string }[]>;
  const noticesOf = (item: string, kind: string) => db('notifications').where({ item_key: workflowId(item), kind }).orderBy('id').select('title', 'body');

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('notice_texts'));
    t = await temporalHarness(db, 'notice-texts', { workingDayMs: WORKING_DAY });
    app = createApp({
      log: silentLog,
      readiness: {},
      api: await apiDeps(db, { client: t.client, taskQueue: t.taskQueue, workingDayMs: WORKING_DAY }),
    });
    tokens = await signInAll(app, db);
    // The items that only wait for their clocks start first, so their ladders run while the main item is driven.
    await write('secretariat', `${itemPath(SILENT)}/assign`, { lead: 'eic', cooperating: ['commerce'], startDate: '2016-03-28', finalDeadline: '2016-04-08' });
    await write('secretariat', `${itemPath(UNACKED)}/assign`, { lead: 'eic', cooperating: ['sti', 'drc'], startDate: '2016-03-28', finalDeadline: '2016-06-30' });
    await write('secretariat', `${itemPath(BLOCKED)}/assign`, { lead: 'agri', cooperating: ['sti'], startDate: '2026-12-21', finalDeadline: '2027-03-31' });
    await write('lead-dept', `${itemPath(SILENT)}/acknowledge`, {});
    await write('other-dept', `${itemPath(BLOCKED)}/acknowledge`, {});
  });
  afterAll(async () => {
    for (const item of [MAIN, SILENT, UNACKED, BLOCKED]) await t?.client.workflow.getHandle(workflowId(item)).terminate('test over').catch(() => undefined);
    await t?.close();
    await db?.destroy();
  });

  test('an item with co-operating departments from assignment to completion, through the API', async () => {
    await write('secretariat', `${itemPath(MAIN)}/assign`, { lead: 'eic', cooperating: ['sti', 'commerce'], startDate: '2016-03-28', finalDeadline: '2016-06-30' });
    await write('lead-dept', `${itemPath(MAIN)}/acknowledge`, {});
    await eventually(() => state(MAIN), (s) => s.period?.seq === 1, 10_000, 'period 1');
    const { extensionId } = await write('lead-dept', `${itemPath(MAIN)}/extension-requests`, { requestedDueOn: '2016-04-22', reason: '数据尚未汇总' });
    await write('secretariat', `${itemPath(MAIN)}/extension-decision`, { extensionId, approve: true });
    await write('coop-dept', `${itemPath(MAIN)}/reports`, { periodSeq: 1, progress: '配合完成平台需求调研', percentDone: 30 });
    await write('lead-dept', `${itemPath(MAIN)}/reports`, { periodSeq: 1, progress: '完成平台建设方案', percentDone: 40 });
    await write('secretariat', `${itemPath(MAIN)}/review`, { decision: 'return', newDueOn: '2016-05-20', comment: '请补充数据' });
    await write('lead-dept', `${itemPath(MAIN)}/reports`, { periodSeq: 1, progress: '补充了推广数据', percentDone: 50 });
    await write('secretariat', `${itemPath(MAIN)}/review`, { decision: 'accept' });
    await write('secretariat', `${itemPath(MAIN)}/reassign`, { newLead: 'commerce', reason: '职能调整' });
    await write('secretariat', `${itemPath(MAIN)}/reassign`, { newLead: 'eic', reason: '职能再次调整' });
    await write('leadership', `${itemPath(MAIN)}/instructions`, { text: '加快推进,月底前见成效' });

    // A client that sends one X-Request-ID twice: two requests, two audit rows, two notices.
    const requestId = 'completion-from-one-client';
    await write('lead-dept', `${itemPath(MAIN)}/completion-request`, { summary: '任务已完成' }, requestId);
    await write('secretariat', `${itemPath(MAIN)}/completion-decision`, { approve: false, comment: '请补充佐证材料' }, requestId);
    await write('lead-dept', `${itemPath(MAIN)}/completion-request`, { summary: '已补充佐证材料' }, requestId);
    await write('secretariat', `${itemPath(MAIN)}/completion-decision`, { approve: true, grade: 'excellent' }, requestId);

    const asked = await db('audit_events').where({ subject: workflowId(MAIN), action: 'item.completion.request' }).orderBy('id').select('payload', 'request_id');
    expect(asked.map((a) => [a.payload.summary, a.request_id])).toEqual([
      ['任务已完成', requestId],
      ['已补充佐证材料', requestId],
    ]);
    const completion = await noticesOf(MAIN, 'completion');
    expect(completion.map((n) => n.title.slice(0, n.title.indexOf('】') + 1))).toEqual(['【申请办结】', '【不同意办结】', '【申请办结】', '【同意办结】']);
    expect(completion[0]?.body).toBe('省经济和信息化委申请办结本事项。\n任务已完成');
    expect(completion[3]?.body).toBe('本事项已办结,评定等次:优秀。');
    expect((await noticesOf(MAIN, 'reassignment')).map((n) => n.body)).toEqual([
      '本事项牵头单位由省经济和信息化委调整为贵单位。理由:职能调整',
      '本事项牵头单位已调整为省商务厅。理由:职能调整',
      '本事项牵头单位由省商务厅调整为贵单位。理由:职能再次调整',
      '本事项牵头单位已调整为省经济和信息化委。理由:职能再次调整',
    ]);
    expect((await noticesOf(MAIN, 'assignment'))[0]?.body).toContain('牵头单位:省经济和信息化委\n配合单位:省科技厅、省商务厅\n报送周期:每季度');
  });

  test('reminders and every rung of the three ladders, a cancellation and a reopening, a blocked item', async () => {
    const silent = await eventually(() => escalations(SILENT), (r) => r.length >= 6, 60_000, 'the report and final ladders');
    expect(silent.map((e) => `${e.subject}:${e.rung}`).sort()).toEqual(['final:cuiban', 'final:duban', 'final:leading-group', 'report:cuiban', 'report:duban', 'report:leading-group']);
    expect((await noticesOf(SILENT, 'reminder')).length).toBeGreaterThanOrEqual(3);
    const silentEscalations = await noticesOf(SILENT, 'escalation');
    expect(silentEscalations.map((n) => n.title.slice(0, n.title.indexOf('】') + 1))).toEqual(expect.arrayContaining(['【催办】', '【督办】', '【上报领导小组】']));
    // The secretariat's copy names the lead department.
    expect(silentEscalations.some((n) => n.body.startsWith('省经济和信息化委:'))).toBe(true);

    const unacked = await eventually(() => escalations(UNACKED), (r) => r.length >= 3, 30_000, 'the acknowledgement ladder');
    expect(unacked.map((e) => e.subject)).toEqual(['acknowledgement', 'acknowledgement', 'acknowledgement']);
    await write('secretariat', `${itemPath(UNACKED)}/cancel`, { reason: '任务调整' });
    expect(await noticesOf(UNACKED, 'cancellation')).toHaveLength(3);
    // The round is over once its workflow has ended: only then is it reopened.
    expect(await t.client.workflow.getHandle(workflowId(UNACKED)).result()).toMatchObject({ status: 'cancelled' });
    await write('secretariat', `${itemPath(UNACKED)}/reopen`, { reason: '任务恢复', startDate: '2016-04-11', finalDeadline: '2016-06-30' });
    const reopened = await eventually(() => noticesOf(UNACKED, 'assignment'), (n) => n.some((x) => x.title.startsWith('【重新交办】')), 10_000, 'reopening notices');
    expect(reopened.find((x) => x.title.startsWith('【重新交办】'))?.body).toContain('牵头单位:省经济和信息化委\n配合单位:省发展改革委、省科技厅');

    const blocked = await eventually(() => noticesOf(BLOCKED, 'escalation'), (n) => n.length >= 1, 20_000, 'the blocked notice');
    expect(blocked[0]).toEqual({ title: '【需处理】推进农业生产精准化智能化', body: '本事项无法计算报送期限:2027年的工作日安排尚未加载。请管理员加载该年度的工作日安排。' });
  });

  test('the weekly digest tells of the open chases in words', async () => {
    const scheduleId = await ensureDigestSchedule(t.client, { taskQueue: t.taskQueue, cron: '0 8 * * 1', log: silentLog, scheduleId: `digest-${t.taskQueue}` });
    const schedule = t.client.schedule.getHandle(scheduleId);
    try {
      await schedule.trigger();
      const notice = await eventually(() => db('notifications').where({ kind: 'digest' }).first('title', 'body'), (n) => n !== undefined, 20_000, 'digest notice');
      expect(notice.title).toMatch(/^【周报】\d{4}年\d{1,2}月\d{1,2}日当周推进情况$/);
      expect(notice.body).toMatch(/按状态:.*已办结1项/);
      expect(notice.body).toContain('发展大规模个性化定制(省经济和信息化委):第1期进展报送,上报领导小组');
      expect(notice.body).toContain('发展大规模个性化定制(省经济和信息化委):完成时限,催办');
    } finally {
      await schedule.delete();
    }
  });

  test('no notice, ledger cell or digest text names a department by its code or says an engine value in English', async () => {
    const codes = (await db('departments').orderBy('code').pluck('code')) as string[];
    const values = engineValues();
    // The lists come from the code; these few show they hold what they must.
    expect(codes).toEqual(expect.arrayContaining(['eic', 'sti', 'drc', 'commerce', 'agri']));
    expect(values).toEqual(expect.arrayContaining(['quarterly', 'in_progress', 'excellent', 'leading-group', 'acknowledgement', 'extension-requested', 'consolidated']));

    const notices = (await db('notifications').orderBy('id').select('kind', 'title', 'body')) as { kind: string; title: string; body: string }[];
    expect(new Set(notices.map((n) => n.kind))).toEqual(new Set(['assignment', 'reminder', 'escalation', 'instruction', 'review', 'extension', 'completion', 'reassignment', 'cancellation', 'digest']));
    const messages = (await db('notification_messages').orderBy('id').select('kind', 'subject as title', 'body')) as { kind: string; title: string; body: string }[];

    const res = await request(app)
      .get(`${API_BASE}/ledger.xlsx`)
      .set('authorization', `Bearer ${tokens.secretariat}`)
      .buffer(true)
      .parse(binaryBody);
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    const bytes = res.body as Buffer;
    await wb.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const ws = wb.getWorksheet('台账');
    const cells: { where: string; text: string }[] = [];
    // Row 1 is the title (rich text: its shown text is what a reader sees; the cells its merge covers show nothing of their own), row 2 the header.
    const header = (ws?.getRow(2).values as unknown[]).slice(1);
    // The item's own number (A01-1) is the one cell meant to hold Latin letters.
    const numbered = header.indexOf('编号') + 1;
    ws?.eachRow((row, r) => row.eachCell((cell, c) => void (c !== numbered && cell.master === cell && cells.push({ where: `ledger row ${r} column ${c}`, text: cell.text }))));
    const ledgerRow = (item: string) => {
      const row = ws?.getRows(3, ws.rowCount - 2)?.find((x) => x.getCell(header.indexOf('编号') + 1).value === item);
      return (name: string) => row?.getCell(header.indexOf(name) + 1).value;
    };
    const main = ledgerRow(MAIN);
    expect([main('牵头单位'), main('配合单位'), main('状态'), main('评定等次')]).toEqual(['省经济和信息化委', '省科技厅', '已办结', '优秀']);
    expect(ledgerRow(SILENT)('最高层级')).toBe('上报领导小组');

    const texts = [
      ...notices.map((n) => ({ where: `notice ${n.kind} ${n.title}`, text: `${n.title}\n${n.body}` })),
      ...messages.map((m) => ({ where: `message ${m.kind} ${m.title}`, text: `${m.title}\n${m.body}` })),
      ...cells,
    ];
    const found = texts.flatMap(({ where, text }) => {
      const words = asciiWordsIn(text, [...codes, ...values]);
      return words.length ? [`${where}: ${words.join(', ')}`] : [];
    });
    expect(found).toEqual([]);
    // Nor any other English: everything the test wrote is Chinese, so a Latin word can only be the engine's own (an error message, say).
    expect(texts.filter(({ text }) => /[A-Za-z]{2,}/.test(text)).map(({ where, text }) => `${where}: ${text.match(/[A-Za-z]{2,}/)?.[0]}`)).toEqual([]);
  });
});
