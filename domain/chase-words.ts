/**
 * What a chase (a rung of a ladder, or the co-operating inputs' 催办) is
 * about, in the users' words: the one wording the timeline, the console, the
 * digest and the assessment share. The final deadline's and the
 * acknowledgement's rungs are recorded with period 0, which is no period a
 * user has heard of: it is never shown as 第0期.
 */

/** A chase as recorded: its subject, the period (or the 批示's number) it is about, and the name of the party chased where known. */
export interface Chase {
  subject: string;
  periodSeq: number;
  /** The department's name (never its code); left out where a column already names it. */
  party?: string;
}

/** 第3期, or nothing when the number is no real period or 批示 (0 for the final deadline). */
function ordinal(seq: number, unit: '期' | '条'): string {
  return Number.isInteger(seq) && seq > 0 ? `第${seq}${unit}` : '';
}

/** The matter chased, as a noun: 签收, 第3期进展报送, 第1条批示落实反馈, 完成时限, 第2期配合材料; a subject it does not know gives a dash, never the code. */
export function chaseSubject(c: Chase): string {
  switch (c.subject) {
    case 'acknowledgement':
      return '签收';
    case 'report':
      return `${ordinal(c.periodSeq, '期')}进展报送`;
    case 'instruction':
      return `${ordinal(c.periodSeq, '条')}批示落实反馈`;
    case 'final':
      return '完成时限';
    case 'input':
      return `${ordinal(c.periodSeq, '期')}配合材料`;
    default:
      return '—';
  }
}

/** What happened: 省科技厅逾期未签收, 第3期进展逾期未报, 第1条批示落实反馈逾期, 逾期未办结, 配合单位省科技厅第2期配合材料逾期. */
export function chaseWords(c: Chase): string {
  const party = c.party ?? '';
  switch (c.subject) {
    case 'acknowledgement':
      return `${party}逾期未签收`;
    case 'report':
      return `${party}${ordinal(c.periodSeq, '期')}进展逾期未报`;
    case 'instruction':
      return `${party}${chaseSubject(c)}逾期`;
    case 'final':
      return `${party}逾期未办结`;
    case 'input':
      return `配合单位${party}${chaseSubject(c)}逾期`;
    default:
      return '—';
  }
}
