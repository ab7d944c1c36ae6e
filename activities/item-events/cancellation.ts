import { recordAudit } from '../../db/audit';
import { eventKey, roundKey, type DatedEvent } from '../../domain/item/events';
import { assignmentId, auditBy, type EventContext, type Notice } from './context';

/** 撤销, which ends every open chase, and 分解下达 to the cities (audited only: each city's share records its own assignment). */

export async function recordCancellation(ctx: EventContext, ev: DatedEvent<'cancelled'>): Promise<void> {
  await ctx.db.transaction(async (trx) => {
    const id = await assignmentId(trx, ev.itemKey);
    await trx('assignments').where({ id }).update({ cancel_reason: ev.reason });
    await trx('escalations').where({ assignment_id: id }).whereNull('resolved_at').update({ resolved_at: trx.fn.now() });
    await recordAudit(trx, { ...auditBy(ev), action: 'item.cancel', payload: { reason: ev.reason }, key: `cancel${roundKey(ev)}` });
  });
  await ctx.tell(ev, notices(ev));
}

export async function recordCascade(ctx: EventContext, ev: DatedEvent<'cascaded'>): Promise<void> {
  await recordAudit(ctx.db, { ...auditBy(ev), action: 'item.cascade', payload: { cities: ev.cities, started: ev.started, existing: ev.existing }, key: eventKey(ev, `cascade:${ev.started.join(',')}`) });
}

/** Each recipient the workflow names is told of the 撤销 and its reason. */
export function notices(ev: DatedEvent<'cancelled'>): Notice[] {
  return ev.recipients.map((to) => ({ to, kind: 'cancellation', key: `cancel:${ev.itemKey}${roundKey(ev)}:${to}`, title: `【撤销】${ev.title}`, body: `本交办事项已撤销。理由:${ev.reason}` }));
}
