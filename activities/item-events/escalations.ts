import { recordAudit } from '../../db/audit';
import type { SupervisionNotice } from '../../db/supervision-notices';
import { roundKey, type DatedEvent } from '../../domain/item/events';
import { issuesNotice, noticePdfLink } from '../../domain/supervision-notice';
import { RUNG_LABELS } from '../../workflows/definitions';
import { chineseDate } from '../../domain/words';
import { noticeForRung, noticeMention } from '../supervision-notices';
import { assignmentId, auditBy, departmentNames, noNames, type EventContext, type Names, type Notice } from './context';

/** A rung of the ladder fired (催办, 督办, 上报领导小组): its row, its 督办单 where the rung issues one, and its notices. */

/** The rung's key, of its row, its audit entry and its notices. */
export function escalationKey(ev: DatedEvent<'escalation'>): string {
  // Periods are numbered across rounds; the acknowledgement and the final deadline come again in each.
  return `escalation:${ev.itemKey}${ev.subject === 'report' ? '' : roundKey(ev)}:${ev.subject}:p${ev.periodSeq}:${ev.rung.rung}`;
}

export async function recordEscalation(ctx: EventContext, ev: DatedEvent<'escalation'>): Promise<void> {
  const key = escalationKey(ev);
  // Read before the transaction: it must not wait on a second pooled connection while holding one.
  const cal = issuesNotice(ev.rung.rung) ? await ctx.calendar() : undefined;
  const notice = await ctx.db.transaction(async (trx) => {
    const id = await assignmentId(trx, ev.itemKey);
    await trx('escalations')
      .insert({ key, assignment_id: id, subject: ev.subject, period_seq: ev.periodSeq, rung: ev.rung.rung, level: ev.rung.level, business_date: ev.businessDate, fired_at: trx.fn.now() })
      .onConflict('key')
      .ignore();
    // 督办 and 上报领导小组 issue a numbered 督办单, with the rung or not at all: a retry finds the same number.
    const issued = cal && (await noticeForRung(trx, cal, { escalationKey: key, itemKey: ev.itemKey, lead: ev.lead, subject: ev.subject, periodSeq: ev.periodSeq, rung: ev.rung.rung, level: ev.rung.level, businessDate: ev.businessDate, dueOn: ev.dueOn }));
    const payload = { subject: ev.subject, periodSeq: ev.periodSeq, rung: ev.rung.rung, level: ev.rung.level, ...(issued ? { docNumber: issued.docNumber } : {}) };
    await recordAudit(trx, { ...auditBy(ev), action: 'item.escalate', payload, key });
    return issued;
  });
  const names = ev.rung.level >= 2 ? await departmentNames(ctx.db, [ev.lead]) : noNames;
  await ctx.tell(ev, notices(ev, names, notice));
}

/** What is overdue, and since when. */
function overdue(ev: DatedEvent<'escalation'>): string {
  const due = chineseDate(ev.dueOn);
  switch (ev.subject) {
    case 'acknowledgement':
      return `交办事项应于${due}前签收,至今未签收`;
    case 'report':
      return `第${ev.periodSeq}期进展应于${due}前报送,至今未报送`;
    case 'final':
      return `本事项完成时限为${due},逾期未办结`;
    case 'instruction':
      return `第${ev.periodSeq}条领导批示的落实情况应于${due}前反馈,至今未反馈`;
  }
}

/**
 * The lead is told at every rung; from 督办 on the secretariat is party to it.
 * A rung's 督办单 (`notice`) is named in the text, with its number and download
 * link in the payload for the console.
 */
export function notices(ev: DatedEvent<'escalation'>, names: Names, notice?: SupervisionNotice): Notice[] {
  const key = escalationKey(ev);
  const what = overdue(ev);
  const title = `【${RUNG_LABELS[ev.rung.rung] ?? ev.rung.label}】${ev.title}`;
  const mention = notice ? `\n${noticeMention(notice)}` : '';
  const payload = { rung: ev.rung.rung, level: ev.rung.level, ...(notice ? { notice: { id: notice.id, docNumber: notice.docNumber, pdf: noticePdfLink(notice.id) } } : {}) };
  const lead: Notice = { to: ev.lead, kind: 'escalation', key, title, body: `${what}。(${ev.rung.label})${mention}`, payload };
  if (ev.rung.level < 2) return [lead];
  return [lead, { to: ev.secretariat, kind: 'escalation', key: `${key}:secretariat`, title, body: `${names(ev.lead)}:${what}。(${ev.rung.label})${mention}`, payload }];
}
