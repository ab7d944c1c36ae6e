import { CADENCE_WORDS, GRADE_WORDS, GRADES, STATUS_WORDS, wordFor, type Grade } from '../../domain/words';

/** The users' own words for every state, rung and role: the console never shows a code or an English word. */
export const STATUS: Record<string, string> = STATUS_WORDS;

export const PERIOD_STATUS: Record<string, string> = {
  open: '待报送',
  submitted: '待审核',
  returned: '已退回',
  accepted: '已通过',
  closed: '已关闭',
};

export const RUNG: Record<string, string> = { cuiban: '催办', duban: '督办', 'leading-group': '上报领导小组' };

/** What a rung is about, in the engine's own words (domain/chase-words.ts): 第2期进展逾期未报, 逾期未签收, 逾期未办结. */
export { chaseWords } from '../../domain/chase-words';

/** What a directory entry is (db/catalog/plan-schema.ts DEPARTMENT_KINDS, and the engine's leading-group entry). */
export const DEPARTMENT_KIND: Record<string, string> = {
  secretariat: '领导小组办公室',
  department: '省直部门',
  agency: '中央驻鲁单位及其他',
  city: '设区市',
  'leading-group': '领导小组(周报收件)',
};

export const ROLE: Record<string, string> = { admin: '系统管理员', secretariat: '领导小组办公室', leadership: '领导小组', department: '部门联络员' };

// One definition with the engine's notices (domain/words.ts).
export const CADENCE: Record<string, string> = CADENCE_WORDS;

export const GRADE: Record<string, string> = GRADE_WORDS;

/** The grades, best first, and a picker's options for them: the one list of domain/words.ts. */
export { GRADES, type Grade };
export const GRADE_OPTIONS = GRADES.map((value) => ({ value, label: GRADE_WORDS[value] }));

export const COLOUR: Record<string, { text: string; color: string }> = {
  red: { text: '红灯', color: '#cf1322' },
  yellow: { text: '黄灯', color: '#d48806' },
  green: { text: '绿灯', color: '#389e0d' },
};

export const NOTICE_KIND: Record<string, string> = {
  assignment: '交办',
  reminder: '提醒',
  escalation: '催督办',
  review: '审核',
  extension: '延期',
  reassignment: '改派',
  instruction: '领导批示',
  completion: '办结',
  cancellation: '撤销',
  digest: '周报',
};

export const REPORT_KIND: Record<string, string> = { input: '配合单位材料', consolidated: '牵头单位汇总报告' };

export const ITEM_KIND: Record<string, string> = { task: '重点任务', safeguard: '保障措施' };

/** A label, or a plain dash: never the code itself. */
export const label = wordFor;
