import { chineseDate } from '../domain/words';
import { noticeAction, noticeFinding, noticeRequirement, type NoticeFacts } from '../domain/supervision-notice';
import { mailText, reminderMessageText } from '../notifications/texts';

/** The texts the outbox and the 督办单 are written in, without a server. */
describe('notification and notice texts', () => {
  test('dates read as in official notices', () => {
    expect(chineseDate('2017-03-28')).toBe('2017年3月28日');
    expect(chineseDate('2016-10-09')).toBe('2016年10月9日');
  });

  test('a message of one reminder is that reminder', () => {
    const only = { title: '【提醒】重点任务A01-1第一季度进展报送将于3个工作日后到期', body: '请于截止日前报送。' };
    const text = reminderMessageText([only], '2017-03-28');
    expect(text.subject).toBe(only.title);
    expect(text.body).toBe(`2017年3月28日提醒事项共1项:\n\n1. ${only.title}\n   请于截止日前报送。`);
  });

  test('a merged reminder message counts and lists every reminder, bodies indented under their titles', () => {
    const text = reminderMessageText(
      [
        { title: '甲', body: '第一行\n第二行' },
        { title: '乙', body: '丙' },
      ],
      '2017-05-02',
    );
    expect(text.subject).toBe('【提醒】2017年5月2日共2项事项提醒');
    expect(text.body).toBe('2017年5月2日提醒事项共2项:\n\n1. 甲\n   第一行\n   第二行\n\n2. 乙\n   丙');
  });

  test('an e-mail ends with the footer that says replies are not read', () => {
    expect(mailText('正文')).toBe('正文\n\n——\n本邮件由领导小组办公室协调系统自动发送,请勿直接回复。');
  });

  const facts: NoticeFacts = {
    subject: 'report',
    periodSeq: 2,
    dueOn: '2016-07-08',
    businessDate: '2016-07-20',
    overdueWorkingDays: 8,
    respondWithinWorkingDays: 5,
    rung: 'duban',
    itemTitle: '推广开放式研发设计',
    itemCode: 'A04-1',
    planTitle: '山东省“互联网+”行动计划',
  };

  test('a 督办单 states what is overdue and since when, for each subject', () => {
    const basis = '根据《山东省“互联网+”行动计划》任务分工,贵单位牵头负责的“推广开放式研发设计”(编号A04-1)';
    const late = '截至2016年7月20日,已逾期8个工作日';
    expect(noticeFinding(facts)).toBe(`${basis}第2期进展情况应于2016年7月8日前报送。${late},仍未报送。`);
    expect(noticeFinding({ ...facts, subject: 'acknowledgement' })).toBe(`${basis}应于2016年7月8日前签收。${late},仍未签收。`);
    expect(noticeFinding({ ...facts, subject: 'final' })).toBe(`${basis}完成时限为2016年7月8日。${late},仍未办结。`);
    expect(noticeFinding({ ...facts, subject: 'instruction' })).toBe(`${basis}第2条领导批示的落实情况应于2016年7月8日前反馈。${late},仍未反馈。`);
  });

  test('a 督办单 says what the rung does and what the department is to do, within how many working days', () => {
    expect(noticeAction(facts)).toBe('现予督办。');
    expect(noticeAction({ rung: 'leading-group' })).toBe('现将有关情况通报并上报领导小组。');
    expect(noticeRequirement(facts)).toBe('请于5个工作日内报送第2期进展情况,并书面说明逾期原因。');
    expect(noticeRequirement({ ...facts, subject: 'acknowledgement' })).toBe('请于5个工作日内签收,并书面说明逾期原因。');
    expect(noticeRequirement({ ...facts, subject: 'final' })).toBe('请于5个工作日内报送办理情况:已完成的申请办结;确需延期的,说明理由并申请延期。');
    expect(noticeRequirement({ ...facts, subject: 'instruction' })).toBe('请于5个工作日内反馈第2条领导批示的落实情况,并书面说明逾期原因。');
  });
});
