import { recordAudit } from '../../db/audit';
import { eventKey, type DatedEvent } from '../../domain/item/events';
import { GRADE_WORDS, wordFor } from '../../domain/words';
import { assignmentId, auditBy, departmentNames, noNames, type EventContext, type Names, type Notice } from './context';

/** 办结: the lead asks, with a summary; the secretariat decides, with a grade. */

/** The key of one request or decision: its own id, else (older workflow code) the request it came with, else its day. */
function completionKey(ev: DatedEvent<'completion-requested' | 'completion-decided'>): string {
  return eventKey(ev, ev.requestId ?? ev.businessDate);
}

export async function recordCompletionRequest(ctx: EventContext, ev: DatedEvent<'completion-requested'>): Promise<void> {
  await recordAudit(ctx.db, { ...auditBy(ev), action: 'item.completion.request', payload: { summary: ev.summary, department: ev.department }, key: `completion-request:${completionKey(ev)}` });
  await ctx.db('assignments').where({ workflow_id: ev.itemKey }).update({ completion_summary: ev.summary });
  await ctx.tell(ev, notices(ev, await departmentNames(ctx.db, [ev.department])));
}

export async function recordCompletionDecision(ctx: EventContext, ev: DatedEvent<'completion-decided'>): Promise<void> {
  await ctx.db.transaction(async (trx) => {
    // 办结 ends every chase that is still open.
    if (ev.approve) await trx('escalations').where({ assignment_id: await assignmentId(trx, ev.itemKey) }).whereNull('resolved_at').update({ resolved_at: trx.fn.now() });
    await recordAudit(trx, { ...auditBy(ev), action: 'item.completion.decide', payload: { approve: ev.approve, grade: ev.grade, comment: ev.comment }, key: `completion-decision:${completionKey(ev)}` });
  });
  await ctx.tell(ev, notices(ev, noNames));
}

/** The request goes to the secretariat, the decision (with the grade in words) to the lead. */
export function notices(ev: DatedEvent<'completion-requested' | 'completion-decided'>, names: Names): Notice[] {
  const key = completionKey(ev);
  if (ev.kind === 'completion-requested') {
    return [{ to: ev.secretariat, kind: 'completion', key: `completion:${ev.itemKey}:request:${key}`, title: `【申请办结】${ev.title}`, body: `${names(ev.department)}申请办结本事项。\n${ev.summary}` }];
  }
  const body = ev.approve ? `本事项已办结,评定等次:${wordFor(GRADE_WORDS, ev.grade)}。` : `办结申请未获同意。${ev.comment ?? ''}`;
  return [{ to: ev.lead, kind: 'completion', key: `completion:${ev.itemKey}:decision:${key}`, title: `【${ev.approve ? '同意办结' : '不同意办结'}】${ev.title}`, body }];
}
