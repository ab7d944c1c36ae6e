import { recordAudit } from '../../db/audit';
import { roundKey, type DatedEvent } from '../../domain/item/events';
import { assignmentId, auditBy, departmentId, type EventContext } from './context';

/** 签收: by the lead, which ends the acknowledgement chase, or by a co-operating department. Nobody is told: the board and the timeline show it. */
export async function recordAcknowledgement(ctx: EventContext, ev: DatedEvent<'acknowledged'>): Promise<void> {
  if (ev.role === 'cooperating') {
    await ctx.db.transaction(async (trx) => {
      await trx('assignment_cooperators')
        .where({ assignment_id: await assignmentId(trx, ev.itemKey), department_id: await departmentId(trx, ev.department) })
        .whereNull('acknowledged_at')
        .update({ acknowledged_at: trx.fn.now() });
      await recordAudit(trx, { ...auditBy(ev), action: 'item.acknowledge', payload: { department: ev.department, role: 'cooperating' }, key: `ack${roundKey(ev)}:${ev.department}` });
    });
  } else {
    await ctx.db.transaction(async (trx) => {
      // Acknowledging ends the acknowledgement chase: its rungs are no longer open on the board.
      await trx('escalations').where({ assignment_id: await assignmentId(trx, ev.itemKey), subject: 'acknowledgement' }).whereNull('resolved_at').update({ resolved_at: trx.fn.now() });
      await recordAudit(trx, { ...auditBy(ev), action: 'item.acknowledge', payload: { department: ev.department }, key: `ack${roundKey(ev)}` });
    });
  }
}
