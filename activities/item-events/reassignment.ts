import { recordAudit } from '../../db/audit';
import { eventKey, type DatedEvent } from '../../domain/item/events';
import { auditBy, departmentNames, type EventContext, type Names, type Notice } from './context';

/** 改派: the item's lead changes; it is audited, and both departments are told. */

export async function recordReassignment(ctx: EventContext, ev: DatedEvent<'reassigned'>): Promise<void> {
  const pair = `${ev.from}>${ev.to}`;
  await recordAudit(ctx.db, { ...auditBy(ev), action: 'item.reassign', payload: { from: ev.from, to: ev.to, reason: ev.reason }, key: `reassign:${eventKey(ev, ev.requestId ?? pair)}` });
  await ctx.tell(ev, notices(ev, await departmentNames(ctx.db, [ev.from, ev.to])));
}

/** The new lead first, then the one it takes over from. */
export function notices(ev: DatedEvent<'reassigned'>, names: Names): Notice[] {
  const key = `reassign:${ev.itemKey}:${eventKey(ev, `${ev.from}>${ev.to}`)}`;
  const title = `【改派】${ev.title}`;
  return [
    { to: ev.to, kind: 'reassignment', key: `${key}:to`, title, body: `本事项牵头单位由${names(ev.from)}调整为贵单位。理由:${ev.reason}` },
    { to: ev.from, kind: 'reassignment', key: `${key}:from`, title, body: `本事项牵头单位已调整为${names(ev.to)}。理由:${ev.reason}` },
  ];
}
