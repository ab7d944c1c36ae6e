import { chaseSubject, chaseWords } from '../domain/chase-words';

describe('chase words: the subject of a rung and the party chased', () => {
  test('what happened, as the issue words it', () => {
    expect(chaseWords({ subject: 'report', periodSeq: 3 })).toBe('第3期进展逾期未报');
    expect(chaseWords({ subject: 'instruction', periodSeq: 1 })).toBe('第1条批示落实反馈逾期');
    expect(chaseWords({ subject: 'final', periodSeq: 0 })).toBe('逾期未办结');
    expect(chaseWords({ subject: 'input', periodSeq: 2, party: '省科技厅' })).toBe('配合单位省科技厅第2期配合材料逾期');
    expect(chaseWords({ subject: 'acknowledgement', periodSeq: 0, party: '省科技厅' })).toBe('省科技厅逾期未签收');
    expect(chaseWords({ subject: 'acknowledgement', periodSeq: 0 })).toBe('逾期未签收');
    expect(chaseWords({ subject: 'report', periodSeq: 2, party: '省农业厅' })).toBe('省农业厅第2期进展逾期未报');
  });

  test('the matter chased, as a noun', () => {
    expect(chaseSubject({ subject: 'report', periodSeq: 1 })).toBe('第1期进展报送');
    expect(chaseSubject({ subject: 'instruction', periodSeq: 2 })).toBe('第2条批示落实反馈');
    expect(chaseSubject({ subject: 'final', periodSeq: 0 })).toBe('完成时限');
    expect(chaseSubject({ subject: 'acknowledgement', periodSeq: 0 })).toBe('签收');
    expect(chaseSubject({ subject: 'input', periodSeq: 4 })).toBe('第4期配合材料');
  });

  test('never 第0期, never a code or an English word', () => {
    for (const subject of ['acknowledgement', 'report', 'instruction', 'final', 'input', 'constructor', 'unknown']) {
      for (const periodSeq of [0, 1, 12]) {
        for (const text of [chaseWords({ subject, periodSeq }), chaseSubject({ subject, periodSeq })]) {
          expect(text).not.toContain('第0');
          expect(text).not.toMatch(/[A-Za-z]/);
        }
      }
    }
    expect(chaseWords({ subject: 'report', periodSeq: 0 })).toBe('进展逾期未报');
    expect(chaseWords({ subject: 'unknown', periodSeq: 1 })).toBe('—');
  });
});
