/**
 * 督办单 (numbered supervision notices) as pure rules: which rungs issue one,
 * how its 文号 reads, and how long the department is given to answer it. The
 * activity that records a rung, the API and the PDF use these alike.
 */
import type { Rung, RungKey } from './item/state';

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
