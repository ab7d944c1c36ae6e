import { recordAudit } from '../../db/audit';
import type { DatedEvent } from '../../domain/item/events';
import { chineseDate } from '../../domain/words';
import { assignmentId, auditBy, departmentNames, noNames, type EventContext, type Names, type Notice } from './context';

/** 延期: the lead asks the secretariat for a later due date of a period, and hears its decision. */

export async function recordExtensionRequest(ctx: EventContext, ev: DatedEvent<'extension-requested'>): Promise<void> {
  await ctx.db.transaction(async (trx) => {
    await trx('extension_requests')
      .insert({
        key: ev.extensionId,
        assignment_id: await assignmentId(trx, ev.itemKey),
        period_seq: ev.periodSeq,
        requested_due_on: ev.requestedDueOn,
        reason: ev.reason,
        requested_by: ev.actor,
        requested_at: trx.fn.now(),
      })
      .onConflict('key')
      .ignore();
    await recordAudit(trx, { ...auditBy(ev), action: 'item.extension.request', payload: { periodSeq: ev.periodSeq, requestedDueOn: ev.requestedDueOn, reason: ev.reason }, key: ev.extensionId });
  });
  await ctx.tell(ev, notices(ev, await departmentNames(ctx.db, [ev.department])));
}

export async function recordExtensionDecision(ctx: EventContext, ev: DatedEvent<'extension-decided'>): Promise<void> {
  await ctx.db.transaction(async (trx) => {
    await trx('extension_requests')
      .where({ key: ev.extensionId })
      .update({ decision: ev.approve ? 'approved' : 'rejected', decided_due_on: ev.dueOn ?? null, decided_by: ev.actor, decided_at: trx.fn.now() });
    await recordAudit(trx, { ...auditBy(ev), action: 'item.extension.decide', payload: { extensionId: ev.extensionId, approve: ev.approve, dueOn: ev.dueOn, comment: ev.comment }, key: `${ev.extensionId}:decision` });
  });
  await ctx.tell(ev, notices(ev, noNames));
}

/** The request goes to the secretariat, the decision to the lead. */
export function notices(ev: DatedEvent<'extension-requested' | 'extension-decided'>, names: Names): Notice[] {
  if (ev.kind === 'extension-requested') {
    const body = `${names(ev.department)}申请将第${ev.periodSeq}期报送延期至${chineseDate(ev.requestedDueOn)}。理由:${ev.reason}`;
    return [{ to: ev.secretariat, kind: 'extension', key: `${ev.extensionId}:request`, title: `【延期申请】${ev.title}`, body }];
  }
  const body = ev.approve ? `延期申请已批准,报送截止日调整为${chineseDate(ev.dueOn ?? ev.businessDate)}。` : `延期申请未获批准。${ev.comment ?? ''}`;
  return [{ to: ev.lead, kind: 'extension', key: `${ev.extensionId}:decision`, title: `【延期${ev.approve ? '批准' : '不予批准'}】${ev.title}`, body }];
}
