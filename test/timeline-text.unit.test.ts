import { auditText } from '../api/services/timeline';

const NAMES: Record<string, string> = { eic: '省经济和信息化委', sti: '省科技厅', commerce: '省商务厅', jinan: '济南市' };
const name = (c: unknown) => NAMES[String(c)] ?? '—';

/** One payload per action an item's audit rows carry (activities/item-events, the assignment), as recorded. */
const RECORDED: [string, Record<string, unknown>, string][] = [
  ['item.assign', { lead: 'eic', cooperating: ['sti'], cadence: 'quarterly', startDate: '2016-06-06', finalDeadline: '2016-12-31' }, '交办,牵头单位省经济和信息化委,配合单位省科技厅'],
  ['item.reopen', { round: 2, reason: '重新部署', lead: 'eic', cooperating: [], startDate: '2016-07-01', finalDeadline: '2016-12-31', firstPeriodSeq: 3 }, '重新交办,牵头单位省经济和信息化委。理由:重新部署'],
  ['item.acknowledge', { department: 'eic' }, '签收'],
  ['item.acknowledge', { department: 'sti', role: 'cooperating' }, '配合单位省科技厅签收'],
  ['item.report', { receipt: { periodSeq: 2, kind: 'consolidated', department: 'eic', version: 2 } }, '报送第2期进展(第2版)'],
  ['item.report', { receipt: { periodSeq: 1, kind: 'input', department: 'sti', version: 1 } }, '省科技厅报送第1期配合材料'],
  ['item.review.accept', { periodSeq: 1, comment: null }, '第1期进展审核通过'],
  ['item.review.return', { periodSeq: 1, comment: '请补充', newDueOn: '2016-04-15' }, '第1期进展退回,2016年4月15日前重报'],
  ['item.extension.request', { periodSeq: 1, requestedDueOn: '2016-04-22', reason: '数据未到' }, '申请延期至2016年4月22日'],
  ['item.extension.decide', { extensionId: 'x', approve: true, dueOn: '2016-04-22' }, '同意延期至2016年4月22日'],
  ['item.extension.decide', { extensionId: 'x', approve: false }, '不同意延期'],
  ['item.reassign', { from: 'eic', to: 'commerce', reason: '职能调整' }, '牵头单位由省经济和信息化委调整为省商务厅'],
  ['item.instruct', { text: '请加快推进', feedbackDueOn: '2016-04-05' }, '领导批示:请加快推进(2016年4月5日前反馈落实情况)'],
  ['item.feedback', { instructionKey: 'k', seq: 1, text: '已部署', late: true }, '第1条批示落实反馈(逾期):已部署'],
  ['item.input.chase', { periodSeq: 2, departments: ['sti'], dueOn: '2016-05-03' }, '催办:配合单位省科技厅第2期配合材料逾期'],
  ['item.completion.request', { summary: '已完成', department: 'eic' }, '申请办结'],
  ['item.completion.decide', { approve: true, grade: 'excellent', comment: null }, '同意办结(评定为优秀)'],
  ['item.completion.decide', { approve: false, comment: '未完成' }, '不同意办结'],
  ['item.cancel', { reason: '任务调整' }, '撤销:任务调整'],
  ['item.cascade', { cities: [{ code: 'jinan' }], started: ['jinan'], existing: [] }, '分解下达至济南市'],
  ['item.blocked', { reason: 'calendar for 2027 not loaded' }, '暂停:无法计算报送期限,2027年的工作日安排尚未加载'],
  ['item.blocked', { reason: 'TypeError: x is undefined' }, '暂停:无法计算报送期限,计算所需的数据有误'],
];

describe("the item timeline's lines: in words, never a code or an English word", () => {
  test.each(RECORDED)('%s', (action, payload, line) => {
    const text = auditText(action, payload, name);
    expect(text).toBe(line);
    expect(text).not.toMatch(/[A-Za-z]/);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });

  test('an action with no line of its own is not named by its code', () => {
    expect(auditText('item.something-new', {}, name)).not.toMatch(/[A-Za-z]/);
  });
});
