/**
 * The users' words for what the code calls by a code, where notices and the
 * console both need them. A notice names departments by their names and
 * cadences in Chinese, never by a code.
 */
export const CADENCE_WORDS: Record<string, string> = { monthly: '每月', quarterly: '每季度', 'half-yearly': '每半年', yearly: '每年' };

/** The grades (评定等次) a completed item is given, best first: the one list the workflow, the API, the assessment and the console use. */
export const GRADES = ['excellent', 'good', 'pass', 'fail'] as const;
export type Grade = (typeof GRADES)[number];

export const GRADE_WORDS: Record<Grade, string> = { excellent: '优秀', good: '良好', pass: '合格', fail: '不合格' };

/** The item's states (and 未交办 for an item not assigned), as the ledger and the console name them. */
export const STATUS_WORDS: Record<string, string> = {
  unassigned: '未交办',
  assigned: '已交办',
  acknowledged: '已签收',
  in_progress: '推进中',
  completion_requested: '申请办结',
  completed: '已办结',
  cancelled: '已撤销',
};

/** The word for a code; an unknown code gives a dash, never the code itself. */
export function wordFor(table: Record<string, string>, code: string | null | undefined): string {
  // Own keys only: 'constructor' is no word.
  return (code && Object.hasOwn(table, code) && table[code]) || '—';
}

/** '2017-03-28' -> '2017年3月28日', the way dates are written in official notices, the PDFs and the ledger. */
export function chineseDate(isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

/**
 * Why an item cannot plan its deadlines, in words: the engine's reason is its
 * own English message, kept in the payload for the administrator. A year not
 * loaded is named; anything else is the administrator's to look into.
 */
export function blockedCause(reason: string): string {
  const year = /^calendar for (\d{4}) not loaded$/.exec(reason)?.[1];
  return year ? `${year}年的工作日安排尚未加载` : '计算所需的数据有误';
}
