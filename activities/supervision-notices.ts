import type { Knex } from 'knex';
import type { WorkingCalendar } from '../domain/calendar';
import { issuesNotice, noticeRequirement } from '../domain/supervision-notice';
import { issueSupervisionNotice, type NoticeRequest, type SupervisionNotice } from '../db/supervision-notices';
import { RUNG_LABELS } from '../workflows/definitions';

/**
 * 督办单 from the item's ladder: issued with the rung that calls for one
 * (domain/supervision-notice.ts, which also words it once for the
 * notification and the printed notice alike), in the rung's own transaction.
 */

/**
 * Working days from the due date to the rung's business date, on the official
 * calendar: a rung may fire later than its nominal day (never bunched, or
 * after a block), and the notice says how late the item really is.
 */
function overdueWorkingDays(calendar: WorkingCalendar, dueOn: string, businessDate: string): number {
  return calendar.workingDaysBetween(dueOn, businessDate);
}

/** The rung's notice, issued once per escalation key; none for a rung that issues none (催办). */
export async function noticeForRung(
  trx: Knex.Transaction,
  calendar: WorkingCalendar,
  rung: Omit<NoticeRequest, 'overdueWorkingDays'>,
): Promise<SupervisionNotice | undefined> {
  if (!issuesNotice(rung.rung)) return undefined;
  return issueSupervisionNotice(trx, { ...rung, overdueWorkingDays: overdueWorkingDays(calendar, rung.dueOn, rung.businessDate) });
}

/** The line a rung's notification adds: the 文号, so the department can find and print the notice, and what to do. */
export function noticeMention(n: SupervisionNotice): string {
  return `督办单:${n.docNumber}(${RUNG_LABELS[n.rung]})。${noticeRequirement(n)}`;
}
