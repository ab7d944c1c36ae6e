import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { createActivities, type Activities } from '../activities';
import type { ItemEvent } from '../activities/items';
import { API_BASE, createApp } from '../api/app';
import { assignItem } from '../api/services/assignments';
import type { Db } from '../db/connection';
import { allocateNoticeSeq } from '../db/supervision-notices';
import { docNumber, noticePdfLink, respondWithinWorkingDays } from '../domain/supervision-notice';
import * as d from '../workflows/definitions';
import { apiDeps } from './helpers/api-deps';
import { binaryBody, signInAll, type Who } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { eventually } from './helpers/wait';

/**
 * 督办单: a real item climbs the real ladder on the real server (one working
 * day lasts WORKING_DAY ms, on the 2016 calendar: start 2016-03-28, report due
 * 2016-04-08, rungs on 04-11, 04-13 and 04-15); its 督办 and 上报领导小组 rungs
 * each issue one numbered notice. Then retried and concurrent rungs, the API's
 * access rules, and the PDFs read back as text with pdftotext (poppler-utils,
 * installed by .ci/run). SAMPLE_PDF_DIR=<dir> keeps the PDFs downloaded.
 */
const WORKING_DAY = 400;
const PLAN = 'sd-internet-plus-2016-2018';
const LADDER_ITEM = 'A01-2';
const PREFIX = '鲁互联网+办督';

/** The text of a PDF, with all whitespace removed: table cells wrap long titles across lines. */
function pdfText(bytes: Buffer): string {
  const run = spawnSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: bytes, encoding: 'utf8' });
  if (run.error || run.status !== 0) throw new Error(`pdftotext (Debian's poppler-utils, installed by .ci/run) failed: ${run.error?.message ?? run.stderr}`);
  return run.stdout.replace(/\s+/g, '');
}

function keepSample(name: string, bytes: Buffer): void {
  const dir = process.env.SAMPLE_PDF_DIR;
  if (dir) fs.writeFileSync(path.join(dir, name), bytes);
}

describe('督办单: numbered supervision notices and their PDFs', () => {
  let db: Db;
  let t: TemporalHarness;
  let app: Express;
  let activities: Activities;
  let tokens: Partial<Record<Who, string>>;
  const workflowId = d.itemWorkflowId(PLAN, LADDER_ITEM);

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('supervision_notices'));
    t = await temporalHarness(db, 'supervision-notices', { workingDayMs: WORKING_DAY });
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db, { client: t.client, taskQueue: t.taskQueue, workingDayMs: WORKING_DAY }) });
    tokens = await signInAll(app, db);
    activities = createActivities({ db, log: silentLog, workingDayMs: WORKING_DAY, mergeWindowMs: 50 });
  });
  afterAll(async () => {
    await t?.client.workflow.getHandle(workflowId).terminate('test over').catch(() => undefined);
    await t?.close();
    await db?.destroy();
  });

  const as = (who: Who, url: string) => {
    const req = request(app).get(url);
    return tokens[who] ? req.set('authorization', `Bearer ${tokens[who]}`) : req;
  };
  const download = (who: Who, url: string) => as(who, url).buffer(true).parse(binaryBody);
  const noticesOf = (itemKey: string) =>
    db('supervision_notices as n').join('assignments as a', 'a.id', 'n.assignment_id').where('a.workflow_id', itemKey).orderBy('n.seq').select('n.*', db.raw('n.id::int as id')) as Promise<
      { id: number; rung: string; year: number; seq: number; doc_number: string; escalation_key: string; overdue_working_days: number; respond_within_working_days: number; department_name: string }[]
    >;

  /** The 督办 rung of LADDER_ITEM's first period, as the workflow records it. */
  const dubanEvent = (over: Partial<Extract<ItemEvent, { kind: 'escalation' }>> = {}): ItemEvent => ({
    kind: 'escalation',
    itemKey: workflowId,
    title: '发展大规模个性化定制',
    actor: 'system',
    anchor: { date: '2016-03-28', at: 0 },
    businessDate: '2016-04-13',
    subject: 'report',
    periodSeq: 1,
    rung: { rung: 'duban', label: '督办', level: 2, on: '2016-04-13', at: 0, fired: true },
    dueOn: '2016-04-08',
    lead: 'eic',
    secretariat: 'drc',
    ...over,
  });

  test('the 文号: prefix, year, number; the plan without a prefix; the answer window', () => {
    expect(docNumber(PREFIX, 2016, 3)).toBe('鲁互联网+办督〔2016〕3号');
    expect(docNumber(null, 2017, 1)).toBe('督办〔2017〕1号');
    const ladder = [
      { rung: 'cuiban' as const, overdueWorkingDays: 1 },
      { rung: 'duban' as const, overdueWorkingDays: 3 },
      { rung: 'leading-group' as const, overdueWorkingDays: 5 },
    ];
    expect(respondWithinWorkingDays(ladder, 'duban')).toBe(2);
    expect(respondWithinWorkingDays(ladder, 'leading-group')).toBe(3);
    // The link the notifications carry is the route the API mounts.
    expect(noticePdfLink(7)).toBe(`${API_BASE}/supervision-notices/7.pdf`);
  });

  test('silence: 督办 and 上报领导小组 each issue one 督办单, numbered one after the other', async () => {
    await assignItem(
      { client: t.client, db, taskQueue: t.taskQueue, actor: 'secretariat-user', workingDayMs: WORKING_DAY },
      // A final deadline far off: its own ladder must not number notices while this file counts them.
      { planCode: PLAN, itemCode: LADDER_ITEM, lead: 'eic', cooperating: ['sti'], startDate: '2016-03-28', finalDeadline: '2016-12-30' },
    );
    const handle = t.client.workflow.getHandle(workflowId);
    await handle.executeUpdate(d.acknowledgeUpdate, { args: [{ actor: 'liaison', department: 'eic' }] });
    const notices = await eventually(() => noticesOf(workflowId), (n) => n.length >= 2, 30_000, 'two notices');
    const rungs = await eventually(() => db('escalations').orderBy('level').pluck('rung'), (r) => r.length >= 3, 10_000, 'three rungs');
    await handle.terminate('ladder seen');
    expect(rungs).toEqual(['cuiban', 'duban', 'leading-group']);
    expect(notices.map((n) => [n.rung, n.year, n.seq, n.doc_number])).toEqual([
      ['duban', 2016, 1, '鲁互联网+办督〔2016〕1号'],
      ['leading-group', 2016, 2, '鲁互联网+办督〔2016〕2号'],
    ]);
    // 督办 three working days after 04-08 (04-11, 12, 13), 上报领导小组 five; answer before the next rung, or within three at the top.
    expect(notices.map((n) => [n.overdue_working_days, n.respond_within_working_days, n.department_name])).toEqual([
      [3, 2, '山东省经济和信息化委员会'],
      [5, 3, '山东省经济和信息化委员会'],
    ]);

    // The notifications name the 文号 in words and carry the link; 催办 issues none. (The co-operating input's own 催办, subject 'input', is another ladder.)
    const told = await eventually(
      () => db('notifications').where({ item_key: workflowId, kind: 'escalation' }).whereRaw(`coalesce(payload->>'subject', '') <> 'input'`).orderBy('id').select('title', 'body', 'payload'),
      (n) => n.length >= 5,
      10_000,
      'escalation notices',
    );
    expect(told[0].body).not.toContain('督办单');
    const lead = told.find((n) => n.title.startsWith('【督办】'));
    expect(lead.body).toContain('督办单:鲁互联网+办督〔2016〕1号(督办)。请于2个工作日内报送第1期进展情况');
    expect(lead.payload.notice).toEqual({ id: notices[0]!.id, docNumber: '鲁互联网+办督〔2016〕1号', pdf: noticePdfLink(notices[0]!.id) });
    expect(told.filter((n) => n.body.includes('鲁互联网+办督〔2016〕2号'))).toHaveLength(2);
    const audit = await db('audit_events').where({ subject: workflowId, action: 'item.escalate' }).orderBy('id').select('payload');
    expect(audit.map((a) => a.payload.docNumber)).toEqual([undefined, '鲁互联网+办督〔2016〕1号', '鲁互联网+办督〔2016〕2号']);
  });

  test('a retried recording finds its number; a new rung takes the next', async () => {
    const before = await noticesOf(workflowId);
    await activities.recordItemEvent(dubanEvent());
    await activities.recordItemEvent(dubanEvent());
    expect(await noticesOf(workflowId)).toEqual(before);
    expect(await db('notifications').where({ item_key: workflowId }).whereLike('body', '%〔2016〕1号%').count({ n: '*' })).toEqual([{ n: '2' }]);

    // The final deadline's 督办 of the same item is a rung of its own: the next number of the year.
    await activities.recordItemEvent(dubanEvent({ subject: 'final', periodSeq: 1, dueOn: '2016-04-08', businessDate: '2016-04-14' }));
    expect((await noticesOf(workflowId)).map((n) => n.doc_number)).toEqual(['鲁互联网+办督〔2016〕1号', '鲁互联网+办督〔2016〕2号', '鲁互联网+办督〔2016〕3号']);
  });

  test('a rolled-back allocation gives its number back', async () => {
    // The sequence is the prefix's: two plans under one prefix never print the same 文号.
    const prefix = (await db('plans').where({ code: PLAN }).first('notice_prefix')).notice_prefix as string;
    await expect(
      db.transaction(async (trx) => {
        expect(await allocateNoticeSeq(trx, prefix, 2018)).toBe(1);
        throw new Error('the rung failed after its number');
      }),
    ).rejects.toThrow('the rung failed');
    await db.transaction(async (trx) => expect(await allocateNoticeSeq(trx, prefix, 2018)).toBe(1));
    await db.transaction(async (trx) => expect(await allocateNoticeSeq(trx, '督办', 2018)).toBe(1));
  });

  test('50 rungs of 50 items at once, each recorded twice: 50 numbers, 1 to 50, none twice', async () => {
    const items = (await db('items as i')
      .join('plans as p', 'p.id', 'i.plan_id')
      .where('p.code', PLAN)
      .whereNot('i.code', LADDER_ITEM)
      .orderBy('i.code')
      .limit(50)
      .select('i.id', 'i.code', 'i.title')) as { id: number; code: string; title: string }[];
    expect(items).toHaveLength(50);
    const depts = new Map((await db('departments').whereIn('code', ['eic', 'agri']).select('code', 'id')).map((r) => [r.code as string, r.id as number]));
    const lead = (i: number) => (i % 2 ? 'agri' : 'eic');
    const policy = (await db('plans').where({ code: PLAN }).first('policy')).policy as d.ItemPolicy;
    // Assigned straight into the mirror: only the recording activity is under test here.
    await db('assignments').insert(
      items.map((item, i) => ({
        item_id: item.id,
        workflow_id: d.itemWorkflowId(PLAN, item.code),
        lead_department_id: depts.get(lead(i)),
        cadence: 'quarterly',
        due_offset_working_days: 5,
        start_date: '2017-01-03',
        final_deadline: '2017-12-29',
        policy: JSON.stringify(policy),
        status: 'in_progress',
        assigned_by: 'test',
        assigned_at: new Date(),
      })),
    );
    const events = items.map((item, i) =>
      dubanEvent({ itemKey: d.itemWorkflowId(PLAN, item.code), title: item.title, lead: lead(i), businessDate: '2017-04-19', dueOn: '2017-04-14' }),
    );
    await Promise.all([...events, ...events].map((ev) => activities.recordItemEvent(ev)));

    const issued = (await db('supervision_notices').where({ year: 2017 }).orderBy('seq').select('seq', 'doc_number', 'escalation_key')) as { seq: number; doc_number: string; escalation_key: string }[];
    expect(issued.map((n) => n.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(new Set(issued.map((n) => n.doc_number)).size).toBe(50);
    expect(new Set(issued.map((n) => n.escalation_key)).size).toBe(50);
    expect(issued[49]?.doc_number).toBe('鲁互联网+办督〔2017〕50号');
    expect(await db('supervision_notice_counters').where({ year: 2017 }).first('last_seq')).toEqual({ last_seq: 50 });
  });

  test('the list: the secretariat and the leading group see all, a department those addressed to it', async () => {
    const all = await as('secretariat', `${API_BASE}/supervision-notices?limit=1000`);
    expect(all.status).toBe(200);
    expect(all.body.notices).toHaveLength(53);
    // Newest number first.
    expect(all.body.notices[0]).toMatchObject({ docNumber: '鲁互联网+办督〔2017〕50号', year: 2017, seq: 50 });
    expect((await as('leadership', `${API_BASE}/supervision-notices?year=2016`)).body.notices.map((n: { docNumber: string }) => n.docNumber)).toEqual([
      '鲁互联网+办督〔2016〕3号',
      '鲁互联网+办督〔2016〕2号',
      '鲁互联网+办督〔2016〕1号',
    ]);
    const own = (await as('lead-dept', `${API_BASE}/supervision-notices?limit=1000`)).body.notices as { department: string; item: string; pdf: string; id: number }[];
    expect(own).toHaveLength(28);
    expect(new Set(own.map((n) => n.department))).toEqual(new Set(['eic']));
    const ladder = own.find((n) => n.item === LADDER_ITEM && n.pdf === noticePdfLink(n.id));
    expect(ladder).toMatchObject({ title: '发展大规模个性化定制', departmentName: '山东省经济和信息化委员会', subject: expect.any(String), rung: expect.stringMatching(/^(duban|leading-group)$/) });
    const agri = (await as('other-dept', `${API_BASE}/supervision-notices?limit=1000`)).body.notices as { department: string }[];
    expect(agri).toHaveLength(25);
    expect(new Set(agri.map((n) => n.department))).toEqual(new Set(['agri']));
    expect((await as('coop-dept', `${API_BASE}/supervision-notices`)).body.notices).toEqual([]);
    expect((await as('admin', `${API_BASE}/supervision-notices`)).status).toBe(403);
    expect((await as('anonymous', `${API_BASE}/supervision-notices`)).status).toBe(401);
    const bad = await as('secretariat', `${API_BASE}/supervision-notices?year=twenty`);
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ field: 'query.year' })]);
  });

  test('the PDF: a department downloads its own; another department gets 404', async () => {
    const [first, second] = await noticesOf(workflowId);
    const res = await download('lead-dept', `${API_BASE}/supervision-notices/${first!.id}.pdf`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="supervision-notice-2016-1.pdf"; filename*=UTF-8''${encodeURIComponent('督办单-鲁互联网+办督〔2016〕1号.pdf')}`,
    );
    const bytes = res.body as Buffer;
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    keepSample('supervision-notice-2016-1.pdf', bytes);
    const text = pdfText(bytes);
    for (const words of ['鲁互联网+办督〔2016〕1号', '督办单', '山东省经济和信息化委员会:', '发展大规模个性化定制', 'A01-2', '2016年4月8日', '已逾期3个工作日', '请于2个工作日内报送第1期进展情况', '山东省“互联网+”行动计划领导小组办公室', '2016年4月13日']) {
      expect(text).toContain(words);
    }
    // The top rung says so.
    const top = await download('secretariat', `${API_BASE}/supervision-notices/${second!.id}.pdf`);
    keepSample('supervision-notice-2016-2.pdf', top.body as Buffer);
    expect(pdfText(top.body as Buffer)).toContain('(通报并上报领导小组)');
    expect((await download('leadership', `${API_BASE}/supervision-notices/${second!.id}.pdf`)).status).toBe(200);

    const elsewhere = await as('other-dept', `${API_BASE}/supervision-notices/${first!.id}.pdf`);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error.code).toBe('not_found');
    expect((await as('secretariat', `${API_BASE}/supervision-notices/999999.pdf`)).status).toBe(404);
    expect((await as('admin', `${API_BASE}/supervision-notices/${first!.id}.pdf`)).status).toBe(403);
    const bad = await as('secretariat', `${API_BASE}/supervision-notices/first.pdf`);
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ field: 'params.id' })]);
  });

  test('a missing font is a 503 that names the file and the variable', async () => {
    const [first] = await noticesOf(workflowId);
    process.env.PDF_FONT = '/nonexistent/fonts/NoSuchCJK.ttc';
    try {
      const res = await as('secretariat', `${API_BASE}/supervision-notices/${first!.id}.pdf`);
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: 'pdf_font_missing', message: expect.stringContaining('/nonexistent/fonts/NoSuchCJK.ttc (PDF_FONT)') });
    } finally {
      delete process.env.PDF_FONT;
    }
  });

  test('the weekly digest as a PDF, for the secretariat and the leading group', async () => {
    const digest = await activities.buildWeeklyDigest();
    const res = await download('leadership', `${API_BASE}/digests/${digest.key}.pdf`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const bytes = res.body as Buffer;
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    keepSample('digest.pdf', bytes);
    const text = pdfText(bytes);
    for (const words of ['推进情况周报', '一、总体情况', `交办事项${digest.totals.items}项`, '二、按重点行动', '互联网+制造', '三、按牵头单位', '省经济和信息化委', '四、未解除的催督办', '发展大规模个性化定制', '上报领导小组']) {
      expect(text).toContain(words);
    }
    // The week's Monday alone names the same digest.
    expect((await download('secretariat', `${API_BASE}/digests/${digest.weekOf}.pdf`)).status).toBe(200);

    expect((await as('lead-dept', `${API_BASE}/digests/${digest.key}.pdf`)).status).toBe(403);
    const unknown = await as('secretariat', `${API_BASE}/digests/digest:2001-01-01.pdf`);
    expect(unknown.status).toBe(404);
    for (const key of ['digest:2016-13-45', 'weekly', 'digest:20161010']) {
      const bad = await as('secretariat', `${API_BASE}/digests/${encodeURIComponent(key)}.pdf`);
      expect({ key, status: bad.status, fields: bad.body.error?.details?.map((p: { field: string }) => p.field) }).toEqual({ key, status: 422, fields: ['params.key'] });
    }
  });
});
