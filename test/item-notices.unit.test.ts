import * as assignment from '../activities/item-events/assignment';
import * as blocked from '../activities/item-events/blocked';
import * as cancellation from '../activities/item-events/cancellation';
import * as completion from '../activities/item-events/completion';
import type { Names } from '../activities/item-events/context';
import * as escalations from '../activities/item-events/escalations';
import * as extensions from '../activities/item-events/extensions';
import * as instructions from '../activities/item-events/instructions';
import * as reassignment from '../activities/item-events/reassignment';
import * as reminders from '../activities/item-events/reminders';
import * as reports from '../activities/item-events/reports';
import type { SupervisionNotice } from '../db/supervision-notices';
import type { DatedEvent, ItemEventKind } from '../domain/item/events';
import type { ItemWorkflowInput } from '../workflows/definitions';

/**
 * The Chinese notices each family of item events sends, worded without a
 * database: who is told, under which outbox key, and the title and text they
 * read. The server-backed tests (notice-texts, supervision-notices, ...) see
 * the same texts arrive through the outbox.
 */

const NAMES: Record<string, string> = { fgw: '发展改革委', gxt: '工业和信息化厅', sjj: '大数据局', dbs: '督查室' };
const names: Names = (code) => NAMES[code] ?? code;

const ITEM = 'sd-plan:A01-1';
const TITLE = '建设省级政务云平台';

function event<K extends ItemEventKind>(kind: K, fields: Omit<DatedEvent<K>, 'kind' | 'itemKey' | 'title' | 'actor' | 'anchor' | 'businessDate'>, extra: Partial<DatedEvent> = {}): DatedEvent<K> {
  return { kind, itemKey: ITEM, title: TITLE, actor: 'someone', anchor: { date: '2017-03-01', at: 0 }, businessDate: '2017-03-28', ...fields, ...extra } as DatedEvent<K>;
}

const input: ItemWorkflowInput = {
  itemKey: ITEM,
  planCode: 'sd-plan',
  actionCode: 'A01',
  itemCode: 'A01-1',
  title: TITLE,
  lead: 'fgw',
  cooperating: ['gxt', 'sjj'],
  secretariat: 'dbs',
  startDate: '2017-03-01',
  finalDeadline: '2017-12-31',
  policy: { cadence: 'quarterly', dueOffsetWorkingDays: 5, reminderOffsetsWorkingDays: [3, 0], acknowledgeWithinWorkingDays: 2, escalation: [] },
  assignedBy: 'secretary',
};

describe('交办 and 重新交办', () => {
  test('the lead and each co-operating department are told, with one text naming them', () => {
    const body = `${TITLE}\n牵头单位:发展改革委\n配合单位:工业和信息化厅、大数据局\n报送周期:每季度,完成时限:2017年12月31日。请于2个工作日内签收。`;
    expect(assignment.notices(input, names)).toEqual([
      { to: 'fgw', kind: 'assignment', key: `assign:${ITEM}:fgw`, title: `【交办】${TITLE}(牵头)`, body },
      { to: 'gxt', kind: 'assignment', key: `assign:${ITEM}:gxt`, title: `【交办】${TITLE}(配合)`, body },
      { to: 'sjj', kind: 'assignment', key: `assign:${ITEM}:sjj`, title: `【交办】${TITLE}(配合)`, body },
    ]);
  });

  test("a city's share is 分解下达 to its lead; no co-operating department reads 无", () => {
    const [lead, ...others] = assignment.notices({ ...input, cooperating: [], parent: { itemKey: 'sd-plan:A01', weight: 2 } }, names);
    expect(others).toEqual([]);
    expect(lead?.title).toBe(`【分解下达】${TITLE}`);
    expect(lead?.body).toContain('\n配合单位:无\n');
  });

  test('a reopened item is 重新交办 with its reason, keyed by its round', () => {
    const reopened = assignment.notices({ ...input, cooperating: ['gxt'], reopen: { round: 2, reason: '整改不到位', firstPeriodSeq: 4 } }, names);
    const body = `${TITLE}\n本事项重新交办。理由:整改不到位\n牵头单位:发展改革委\n配合单位:工业和信息化厅\n完成时限:2017年12月31日。请于2个工作日内签收。`;
    expect(reopened).toEqual([
      { to: 'fgw', kind: 'assignment', key: `assign:${ITEM}:r2:fgw`, title: `【重新交办】${TITLE}(牵头)`, body },
      { to: 'gxt', kind: 'assignment', key: `assign:${ITEM}:r2:gxt`, title: `【重新交办】${TITLE}(配合)`, body },
    ]);
  });
});

describe('reports and reviews', () => {
  const report = { department: 'gxt', periodSeq: 2, progress: '完成机房选址。', percentDone: 40, actor: 'someone' };
  const receipt = { receiptId: 'rc-1', periodSeq: 2, department: 'gxt', version: 1, receivedAt: 0 };

  test("a co-operating department's input goes to the lead", () => {
    const ev = event('report', { receipt: { ...receipt, kind: 'input' }, report, lead: 'fgw', secretariat: 'dbs' });
    expect(reports.notices(ev, names)).toEqual([
      { to: 'fgw', kind: 'review', key: 'report:rc-1', title: `【报送】${TITLE}`, body: '配合单位工业和信息化厅报送了第2期进展,完成40%。\n完成机房选址。' },
    ]);
  });

  test("the lead's report goes to the secretariat, with its version", () => {
    const ev = event('report', { receipt: { ...receipt, department: 'fgw', kind: 'consolidated', version: 3 }, report, lead: 'fgw', secretariat: 'dbs' });
    expect(reports.notices(ev, names)).toEqual([
      { to: 'dbs', kind: 'review', key: 'report:rc-1', title: `【报送】${TITLE}`, body: '牵头单位报送了第2期进展(第3版),完成40%。\n完成机房选址。' },
    ]);
  });

  test('an acceptance and a return go back to the lead; a return says by when to report again', () => {
    const accepted = event('review', { periodSeq: 2, version: 3, decision: 'accept', lead: 'fgw' });
    expect(reports.notices(accepted, names)).toEqual([
      { to: 'fgw', kind: 'review', key: `review:${ITEM}:p2:v3:accept`, title: `【审核通过】${TITLE}`, body: '第2期进展报告已审核通过。' },
    ]);
    const returned = event('review', { periodSeq: 2, version: 3, decision: 'return', comment: '请补充资金到位情况。', newDueOn: '2017-04-07', lead: 'fgw' });
    expect(reports.notices(returned, names)).toEqual([
      { to: 'fgw', kind: 'review', key: `review:${ITEM}:p2:v3:return`, title: `【退回】${TITLE}`, body: '第2期进展报告被退回修改,请于2017年4月7日前重新报送。请补充资金到位情况。' },
    ]);
  });
});

describe('reminders and the co-operating inputs', () => {
  test("a report's reminder counts the working days left, or says it is due today", () => {
    const ahead = event('reminder', { periodSeq: 2, offset: 3, dueOn: '2017-04-07', lead: 'fgw' });
    expect(reminders.notices(ahead, names)).toEqual([
      {
        to: 'fgw',
        kind: 'reminder',
        key: `reminder:${ITEM}:p2:2017-04-07:d3`,
        title: `【提醒】${TITLE}`,
        body: '第2期进展报送将于2017年4月7日到期,还有3个工作日。',
        payload: { periodSeq: 2, dueOn: '2017-04-07', offset: 3 },
      },
    ]);
    const today = event('reminder', { subject: 'final', periodSeq: 4, offset: 0, dueOn: '2017-12-29', lead: 'fgw' }, { round: 2 });
    expect(reminders.notices(today, names)).toEqual([
      {
        to: 'fgw',
        kind: 'reminder',
        key: `reminder:${ITEM}:r2:final:2017-12-29:d0`,
        title: `【提醒】${TITLE}`,
        body: '本事项完成时限今天(2017年12月29日)到期。',
        payload: { periodSeq: 4, dueOn: '2017-12-29', offset: 0, subject: 'final' },
      },
    ]);
  });

  test("a 批示's feedback reminder", () => {
    const ev = event('reminder', { subject: 'instruction', instructionKey: 'ins-1', periodSeq: 1, offset: 1, dueOn: '2017-04-05', lead: 'fgw' });
    expect(reminders.notices(ev, names)).toEqual([
      {
        to: 'fgw',
        kind: 'reminder',
        key: `reminder:${ITEM}:instruction:1:2017-04-05:d1`,
        title: `【提醒】${TITLE}`,
        body: '第1条领导批示的落实反馈将于2017年4月5日到期,还有1个工作日。',
        payload: { subject: 'instruction', instructionKey: 'ins-1', dueOn: '2017-04-05', offset: 1 },
      },
    ]);
  });

  test('the silent departments are reminded to send their inputs to the lead, by name', () => {
    const ev = event('input-due', { stage: 'reminder', periodSeq: 2, offset: 0, dueOn: '2017-04-05', departments: ['gxt', 'sjj'], lead: 'fgw' });
    const body = '第2期配合材料今天(2017年4月5日)到期,请报送牵头单位发展改革委。';
    const payload = { subject: 'input', periodSeq: 2, dueOn: '2017-04-05', offset: 0 };
    expect(reminders.notices(ev, names)).toEqual([
      { to: 'gxt', kind: 'reminder', key: `input-reminder:${ITEM}:p2:2017-04-05:d0:gxt`, title: `【提醒】${TITLE}`, body, payload },
      { to: 'sjj', kind: 'reminder', key: `input-reminder:${ITEM}:p2:2017-04-05:d0:sjj`, title: `【提醒】${TITLE}`, body, payload },
    ]);
  });

  test('their 催办 goes to each of them, and the lead hears who was chased', () => {
    const ev = event('input-due', { stage: 'chase', periodSeq: 2, offset: 0, dueOn: '2017-04-05', departments: ['gxt', 'sjj'], lead: 'fgw' });
    const body = '第2期配合材料应于2017年4月5日前报送牵头单位发展改革委,至今未报送,请抓紧报送。';
    const payload = { subject: 'input', periodSeq: 2, dueOn: '2017-04-05' };
    expect(reminders.notices(ev, names)).toEqual([
      { to: 'gxt', kind: 'escalation', key: `input-chase:${ITEM}:p2:gxt`, title: `【催办】${TITLE}`, body, payload },
      { to: 'sjj', kind: 'escalation', key: `input-chase:${ITEM}:p2:sjj`, title: `【催办】${TITLE}`, body, payload },
      {
        to: 'fgw',
        kind: 'escalation',
        key: `input-chase:${ITEM}:p2:lead`,
        title: `【配合材料逾期】${TITLE}`,
        body: '配合单位工业和信息化厅、大数据局第2期配合材料逾期未报送,已催办。',
        payload: { subject: 'input', periodSeq: 2, departments: ['gxt', 'sjj'] },
      },
    ]);
  });
});

describe('escalations', () => {
  const rung = (key: 'cuiban' | 'duban', level: number, label: string) => ({ rung: key, level, label, on: '2017-04-12', at: 0, fired: true });

  test('催办 tells the lead alone, and issues no 督办单', () => {
    const ev = event('escalation', { subject: 'report', periodSeq: 2, rung: rung('cuiban', 1, '催办'), dueOn: '2017-04-07', lead: 'fgw', secretariat: 'dbs' }, { round: 2 });
    expect(escalations.notices(ev, names)).toEqual([
      {
        to: 'fgw',
        kind: 'escalation',
        key: `escalation:${ITEM}:report:p2:cuiban`,
        title: `【催办】${TITLE}`,
        body: '第2期进展应于2017年4月7日前报送,至今未报送。(催办)',
        payload: { rung: 'cuiban', level: 1 },
      },
    ]);
  });

  test('督办 names its 督办单 to the lead and the secretariat, with the link to print it', () => {
    const ev = event('escalation', { subject: 'acknowledgement', periodSeq: 1, rung: rung('duban', 2, '督办(3个工作日)'), dueOn: '2017-03-03', lead: 'fgw', secretariat: 'dbs' }, { round: 2 });
    const notice = { id: 7, docNumber: '鲁督〔2017〕3号', rung: 'duban', subject: 'acknowledgement', periodSeq: 1, respondWithinWorkingDays: 3 } as SupervisionNotice;
    const key = `escalation:${ITEM}:r2:acknowledgement:p1:duban`;
    const what = '交办事项应于2017年3月3日前签收,至今未签收。(督办(3个工作日))\n督办单:鲁督〔2017〕3号(督办)。请于3个工作日内签收,并书面说明逾期原因。';
    const payload = { rung: 'duban', level: 2, notice: { id: 7, docNumber: '鲁督〔2017〕3号', pdf: '/api/v1/supervision-notices/7.pdf' } };
    expect(escalations.notices(ev, names, notice)).toEqual([
      { to: 'fgw', kind: 'escalation', key, title: `【督办】${TITLE}`, body: what, payload },
      { to: 'dbs', kind: 'escalation', key: `${key}:secretariat`, title: `【督办】${TITLE}`, body: `发展改革委:${what}`, payload },
    ]);
  });

  test('what is overdue, for the final deadline and a 批示', () => {
    const final = event('escalation', { subject: 'final', periodSeq: 4, rung: rung('cuiban', 1, '催办'), dueOn: '2017-12-29', lead: 'fgw', secretariat: 'dbs' });
    expect(escalations.notices(final, names)[0]?.body).toBe('本事项完成时限为2017年12月29日,逾期未办结。(催办)');
    const instruction = event('escalation', { subject: 'instruction', periodSeq: 1, rung: rung('cuiban', 1, '催办'), dueOn: '2017-04-05', lead: 'fgw', secretariat: 'dbs' });
    expect(escalations.notices(instruction, names)[0]?.body).toBe('第1条领导批示的落实情况应于2017年4月5日前反馈,至今未反馈。(催办)');
  });
});

describe('extensions', () => {
  test('the request goes to the secretariat with the reason; the decision to the lead', () => {
    const asked = event('extension-requested', { extensionId: 'ext-1', periodSeq: 2, requestedDueOn: '2017-04-21', reason: '设备到货推迟', department: 'fgw', secretariat: 'dbs' });
    expect(extensions.notices(asked, names)).toEqual([
      { to: 'dbs', kind: 'extension', key: 'ext-1:request', title: `【延期申请】${TITLE}`, body: '发展改革委申请将第2期报送延期至2017年4月21日。理由:设备到货推迟' },
    ]);
    const approved = event('extension-decided', { extensionId: 'ext-1', approve: true, dueOn: '2017-04-21', lead: 'fgw' });
    expect(extensions.notices(approved, names)).toEqual([
      { to: 'fgw', kind: 'extension', key: 'ext-1:decision', title: `【延期批准】${TITLE}`, body: '延期申请已批准,报送截止日调整为2017年4月21日。' },
    ]);
    const refused = event('extension-decided', { extensionId: 'ext-1', approve: false, comment: '理由不充分。', lead: 'fgw' });
    expect(extensions.notices(refused, names)).toEqual([
      { to: 'fgw', kind: 'extension', key: 'ext-1:decision', title: `【延期不予批准】${TITLE}`, body: '延期申请未获批准。理由不充分。' },
    ]);
  });
});

describe('改派', () => {
  test('the new lead and the former one are told, each naming the other', () => {
    const ev = event('reassigned', { from: 'fgw', to: 'sjj', reason: '职能调整' }, { eventId: 'evt-9' });
    expect(reassignment.notices(ev, names)).toEqual([
      { to: 'sjj', kind: 'reassignment', key: `reassign:${ITEM}:evt-9:to`, title: `【改派】${TITLE}`, body: '本事项牵头单位由发展改革委调整为贵单位。理由:职能调整' },
      { to: 'fgw', kind: 'reassignment', key: `reassign:${ITEM}:evt-9:from`, title: `【改派】${TITLE}`, body: '本事项牵头单位已调整为大数据局。理由:职能调整' },
    ]);
  });

  test('an event of older workflow code is keyed by the pair', () => {
    const ev = event('reassigned', { from: 'fgw', to: 'sjj', reason: '职能调整' });
    expect(reassignment.notices(ev, names).map((n) => n.key)).toEqual([`reassign:${ITEM}:fgw>sjj:to`, `reassign:${ITEM}:fgw>sjj:from`]);
  });
});

describe('批示 and 落实反馈', () => {
  test('a 批示 goes to each recipient, asking for feedback by its date', () => {
    const ev = event('instruction', { instructionKey: 'ins-1', text: '要加快进度。', recipients: ['fgw', 'gxt'], seq: 1, feedbackDueOn: '2017-04-05' });
    const body = '要加快进度。\n请牵头单位于2017年4月5日前反馈落实情况。';
    expect(instructions.notices(ev, names)).toEqual([
      { to: 'fgw', kind: 'instruction', key: 'ins-1:fgw', title: `【领导批示】${TITLE}`, body },
      { to: 'gxt', kind: 'instruction', key: 'ins-1:gxt', title: `【领导批示】${TITLE}`, body },
    ]);
    const plain = event('instruction', { instructionKey: 'ins-0', text: '要加快进度。', recipients: ['fgw'] });
    expect(instructions.notices(plain, names)[0]?.body).toBe('要加快进度。');
  });

  test('late feedback goes to the secretariat saying when it was due', () => {
    const ev = event('feedback', { instructionKey: 'ins-1', seq: 1, text: '已召开推进会。', late: true, dueOn: '2017-04-05', department: 'fgw', secretariat: 'dbs' });
    expect(instructions.notices(ev, names)).toEqual([
      {
        to: 'dbs',
        kind: 'feedback',
        key: 'feedback:ins-1',
        title: `【落实反馈】${TITLE}`,
        body: '发展改革委反馈了第1条领导批示的落实情况(逾期,原定2017年4月5日前反馈):\n已召开推进会。',
        payload: { instructionKey: 'ins-1', late: true },
      },
    ]);
  });
});

describe('办结', () => {
  test('the request goes to the secretariat with the summary', () => {
    const ev = event('completion-requested', { summary: '平台已上线运行。', department: 'fgw', secretariat: 'dbs' }, { eventId: 'evt-3' });
    expect(completion.notices(ev, names)).toEqual([
      { to: 'dbs', kind: 'completion', key: `completion:${ITEM}:request:evt-3`, title: `【申请办结】${TITLE}`, body: '发展改革委申请办结本事项。\n平台已上线运行。' },
    ]);
  });

  test('the decision goes to the lead, with the grade in words; older events are keyed by their request, else their day', () => {
    const approved = event('completion-decided', { approve: true, grade: 'good', lead: 'fgw' }, { requestId: 'req-5' });
    expect(completion.notices(approved, names)).toEqual([
      { to: 'fgw', kind: 'completion', key: `completion:${ITEM}:decision:req-5`, title: `【同意办结】${TITLE}`, body: '本事项已办结,评定等次:良好。' },
    ]);
    const refused = event('completion-decided', { approve: false, comment: '指标未完成。', lead: 'fgw' });
    expect(completion.notices(refused, names)).toEqual([
      { to: 'fgw', kind: 'completion', key: `completion:${ITEM}:decision:2017-03-28`, title: `【不同意办结】${TITLE}`, body: '办结申请未获同意。指标未完成。' },
    ]);
  });
});

describe('撤销', () => {
  test('each recipient is told with the reason, keyed by the round', () => {
    const ev = event('cancelled', { reason: '任务已调整', recipients: ['fgw', 'gxt'] }, { round: 3 });
    expect(cancellation.notices(ev)).toEqual([
      { to: 'fgw', kind: 'cancellation', key: `cancel:${ITEM}:r3:fgw`, title: `【撤销】${TITLE}`, body: '本交办事项已撤销。理由:任务已调整' },
      { to: 'gxt', kind: 'cancellation', key: `cancel:${ITEM}:r3:gxt`, title: `【撤销】${TITLE}`, body: '本交办事项已撤销。理由:任务已调整' },
    ]);
  });
});

describe('blocked', () => {
  test('a calendar not loaded is named by its year; the engine message stays in the payload', () => {
    const ev = event('blocked', { reason: 'calendar for 2027 not loaded', secretariat: 'dbs' });
    expect(blocked.notices(ev)).toEqual([
      {
        to: 'dbs',
        kind: 'escalation',
        key: `blocked:${ITEM}:calendar for 2027 not loaded`,
        title: `【需处理】${TITLE}`,
        body: '本事项无法计算报送期限:2027年的工作日安排尚未加载。请管理员加载该年度的工作日安排。',
        payload: { reason: 'calendar for 2027 not loaded' },
      },
    ]);
  });

  test('any other reason is for the administrator to look into, in words', () => {
    const ev = event('blocked', { reason: 'period 3 has no due date', secretariat: 'dbs' });
    expect(blocked.notices(ev)[0]?.body).toBe('本事项无法计算报送期限:计算所需的数据有误。请管理员根据系统日志核查。');
  });
});
