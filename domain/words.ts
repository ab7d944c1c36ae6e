/**
 * The users' words for what the code calls by a code, where notices and the
 * console both need them. A notice names departments by their names and
 * cadences in Chinese, never by a code.
 */
export const CADENCE_WORDS: Record<string, string> = { monthly: '每月', quarterly: '每季度', 'half-yearly': '每半年', yearly: '每年' };

export const GRADE_WORDS: Record<string, string> = { excellent: '优秀', good: '良好', pass: '合格', fail: '不合格' };

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
