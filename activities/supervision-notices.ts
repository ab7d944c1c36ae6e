import type { Knex } from 'knex';
import type { WorkingCalendar } from '../domain/calendar';
import { issuesNotice } from '../domain/supervision-notice';
import { issueSupervisionNotice, type NoticeRequest, type SupervisionNotice } from '../db/supervision-notices';
import { RUNG_LABELS } from '../workflows/definitions';
import { chineseDate } from './notifications';

/**
 * 督办单 from the item's ladder: issued with the rung that calls for one
 * (domain/supervision-notice.ts), in the rung's own transaction, and worded
 * here once for the notification and the printed notice alike.
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

type Wording = Pick<
  SupervisionNotice,
  'subject' | 'periodSeq' | 'dueOn' | 'businessDate' | 'overdueWorkingDays' | 'respondWithinWorkingDays' | 'rung' | 'itemTitle' | 'itemCode' | 'planTitle'
>;

/** What is overdue, and since when, as the notice states it. */
export function noticeFinding(n: Wording): string {
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
export function noticeAction(n: Pick<SupervisionNotice, 'rung'>): string {
  return n.rung === 'leading-group' ? '现将有关情况通报并上报领导小组。' : '现予督办。';
}

/** What the department is to do, and within how many working days. */
export function noticeRequirement(n: Pick<SupervisionNotice, 'subject' | 'periodSeq' | 'respondWithinWorkingDays'>): string {
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

/** The line a rung's notification adds: the 文号, so the department can find and print the notice, and what to do. */
export function noticeMention(n: SupervisionNotice): string {
  return `督办单:${n.docNumber}(${RUNG_LABELS[n.rung]})。${noticeRequirement(n)}`;
}
