/**
 * 督办单 (numbered supervision notices) as pure rules: which rungs issue one,
 * how its 文号 reads, how long the department is given to answer it, and what
 * the notice says. The activity that records a rung, the API and the PDF use
 * these alike.
 */
import type { Rung, RungKey } from './item/state';
import { chineseDate } from './words';

/** What is overdue: the acknowledgement, a period's report, the final deadline, or the 落实反馈 on a 批示 (numbered as `periodSeq`). */
export const NOTICE_SUBJECTS = ['acknowledgement', 'report', 'final', 'instruction'] as const;
export type NoticeSubject = (typeof NOTICE_SUBJECTS)[number];

/** The rungs that issue a 督办单: 催办 is a chase notice only; 督办 and 上报领导小组 are formal, numbered notices. */
export const NOTICE_RUNGS: readonly RungKey[] = ['duban', 'leading-group'];

/** The 机关代字 of a plan whose file names none: a 文号 still reads as one (督办〔2016〕1号). */
export const DEFAULT_NOTICE_PREFIX = '督办';

/**
 * How many working days a top-rung notice gives: below it the department has
 * until the next rung, but nothing comes after the top one to count to.
 */
export const LAST_RUNG_RESPONSE_WORKING_DAYS = 3;

export function issuesNotice(rung: RungKey): boolean {
  return NOTICE_RUNGS.includes(rung);
}

/** The prefix a plan's notices are numbered under: its own, or the fallback. */
export function noticePrefix(prefix: string | null | undefined): string {
  return prefix || DEFAULT_NOTICE_PREFIX;
}

/** 鲁互联网+办督〔2016〕3号: the prefix, the year in 六角括号, the sequence, 号 (GB/T 9704's 发文字号). */
export function docNumber(prefix: string | null | undefined, year: number, seq: number): string {
  return `${noticePrefix(prefix)}〔${year}〕${seq}号`;
}

/** The year a notice is numbered in: its rung's business date's. */
export function noticeYear(businessDate: string): number {
  return Number(businessDate.slice(0, 4));
}

/**
 * The working days a notice gives the department to answer: until the next
 * rung of the ladder, so the notice's deadline is the one the engine acts on;
 * the top rung gives LAST_RUNG_RESPONSE_WORKING_DAYS.
 */
export function respondWithinWorkingDays(ladder: readonly Pick<Rung, 'rung' | 'overdueWorkingDays'>[], rung: RungKey): number {
  const i = ladder.findIndex((r) => r.rung === rung);
  const here = ladder[i];
  const next = ladder[i + 1];
  if (!here || !next) return LAST_RUNG_RESPONSE_WORKING_DAYS;
  return Math.max(1, next.overdueWorkingDays - here.overdueWorkingDays);
}

/** The API's base path (API_BASE in api/app.ts, which the app cannot lend to activities without express); a test holds them together. */
export const NOTICE_API_BASE = '/api/v1';

/** Where a notice's PDF is downloaded: the route /supervision-notices/:id.pdf under the API's base path. */
export function noticePdfLink(id: number): string {
  return `${NOTICE_API_BASE}/supervision-notices/${id}.pdf`;
}

/** The facts a notice is worded from, as issued (db/supervision-notices.ts SupervisionNotice). */
export interface NoticeFacts {
  subject: NoticeSubject;
  /** The period, or the 批示's number for an instruction. */
  periodSeq: number;
  dueOn: string;
  businessDate: string;
  overdueWorkingDays: number;
  respondWithinWorkingDays: number;
  rung: RungKey;
  itemTitle: string;
  itemCode: string;
  planTitle: string;
}

/** What is overdue, and since when, as the notice states it. */
export function noticeFinding(n: NoticeFacts): string {
  const late = `截至${chineseDate(n.businessDate)},已逾期${n.overdueWorkingDays}个工作日`;
  const item = `“${n.itemTitle}”(编号${n.itemCode})`;
  const basis = `根据《${n.planTitle}》任务分工,贵单位牵头负责的${item}`;
  switch (n.subject) {
    case 'acknowledgement':
      return `${basis}应于${chineseDate(n.dueOn)}前签收。${late},仍未签收。`;
    case 'report':
      return `${basis}第${n.periodSeq}期进展情况应于${chineseDate(n.dueOn)}前报送。${late},仍未报送。`;
    case 'final':
      return `${basis}完成时限为${chineseDate(n.dueOn)}。${late},仍未办结。`;
    case 'instruction':
      return `${basis}第${n.periodSeq}条领导批示的落实情况应于${chineseDate(n.dueOn)}前反馈。${late},仍未反馈。`;
  }
}

/** What the rung does: 督办, or the item goes before the leading group. */
export function noticeAction(n: Pick<NoticeFacts, 'rung'>): string {
  return n.rung === 'leading-group' ? '现将有关情况通报并上报领导小组。' : '现予督办。';
}

/** What the department is to do, and within how many working days. */
export function noticeRequirement(n: Pick<NoticeFacts, 'subject' | 'periodSeq' | 'respondWithinWorkingDays'>): string {
  const within = `请于${n.respondWithinWorkingDays}个工作日内`;
  switch (n.subject) {
    case 'acknowledgement':
      return `${within}签收,并书面说明逾期原因。`;
    case 'report':
      return `${within}报送第${n.periodSeq}期进展情况,并书面说明逾期原因。`;
    case 'final':
      return `${within}报送办理情况:已完成的申请办结;确需延期的,说明理由并申请延期。`;
    case 'instruction':
      return `${within}反馈第${n.periodSeq}条领导批示的落实情况,并书面说明逾期原因。`;
  }
}
