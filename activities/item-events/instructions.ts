import { recordAudit } from '../../db/audit';
import type { DatedEvent } from '../../domain/item/events';
import { chineseDate } from '../../domain/words';
import { assignmentId, auditBy, departmentNames, noNames, type EventContext, type Names, type Notice } from './context';

/** 领导批示 on an item, and the lead's feedback on how it was carried out (落实反馈). */

export async function recordInstruction(ctx: EventContext, ev: DatedEvent<'instruction'>): Promise<void> {
  await ctx.db.transaction(async (trx) => {
    await trx('instructions')
      .insert({
        key: ev.instructionKey,
        assignment_id: await assignmentId(trx, ev.itemKey),
        issued_by: ev.actor,
        text: ev.text,
        issued_at: trx.fn.now(),
        seq: ev.seq ?? null,
        feedback_due_on: ev.feedbackDueOn ?? null,
      })
      .onConflict('key')
      .ignore();
    await recordAudit(trx, { ...auditBy(ev), action: 'item.instruct', payload: { text: ev.text, ...(ev.feedbackDueOn ? { feedbackDueOn: ev.feedbackDueOn } : {}) }, key: ev.instructionKey });
  });
  await ctx.tell(ev, notices(ev, noNames));
}

export async function recordFeedback(ctx: EventContext, ev: DatedEvent<'feedback'>): Promise<void> {
  await ctx.db.transaction(async (trx) => {
    const id = await assignmentId(trx, ev.itemKey);
    await trx('instructions')
      .where({ key: ev.instructionKey })
      .whereNull('feedback_at')
      .update({ feedback_text: ev.text, feedback_by: ev.actor, feedback_at: trx.fn.now(), feedback_late: ev.late });
    // The feedback answers its chase: the instruction's rungs are no longer open on the board.
    await trx('escalations').where({ assignment_id: id, subject: 'instruction', period_seq: ev.seq }).whereNull('resolved_at').update({ resolved_at: trx.fn.now() });
    await recordAudit(trx, { ...auditBy(ev), action: 'item.feedback', payload: { instructionKey: ev.instructionKey, seq: ev.seq, text: ev.text, late: ev.late }, key: `feedback:${ev.instructionKey}` });
  });
  await ctx.tell(ev, notices(ev, await departmentNames(ctx.db, [ev.department])));
}

/** The 批示 goes to each of its recipients (asking the lead for feedback by a date, where it does); the feedback to the secretariat. */
export function notices(ev: DatedEvent<'instruction' | 'feedback'>, names: Names): Notice[] {
  if (ev.kind === 'instruction') {
    const ask = ev.feedbackDueOn ? `\n请牵头单位于${chineseDate(ev.feedbackDueOn)}前反馈落实情况。` : '';
    return ev.recipients.map((to) => ({ to, kind: 'instruction', key: `${ev.instructionKey}:${to}`, title: `【领导批示】${ev.title}`, body: `${ev.text}${ask}` }));
  }
  const late = ev.late ? `(逾期,原定${chineseDate(ev.dueOn)}前反馈)` : '';
  const body = `${names(ev.department)}反馈了第${ev.seq}条领导批示的落实情况${late}:\n${ev.text}`;
  return [{ to: ev.secretariat, kind: 'feedback', key: `feedback:${ev.instructionKey}`, title: `【落实反馈】${ev.title}`, body, payload: { instructionKey: ev.instructionKey, late: ev.late } }];
}
