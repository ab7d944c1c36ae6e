/**
 * The users' words for what the code calls by a code, where notices and the
 * console both need them. A notice names departments by their names and
 * cadences in Chinese, never by a code.
 */
export const CADENCE_WORDS: Record<string, string> = { monthly: '每月', quarterly: '每季度', 'half-yearly': '每半年', yearly: '每年' };

export const GRADE_WORDS: Record<string, string> = { excellent: '优秀', good: '良好', pass: '合格', fail: '不合格' };
