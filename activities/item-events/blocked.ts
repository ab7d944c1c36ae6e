import { recordAudit } from '../../db/audit';
import type { DatedEvent } from '../../domain/item/events';
import { blockedCause } from '../../domain/words';
import { auditBy, type EventContext, type Notice } from './context';

/** An item that cannot plan its deadlines: audited once per reason, and the secretariat is asked to act. */

export async function recordBlocked(ctx: EventContext, ev: DatedEvent<'blocked'>): Promise<void> {
  await recordAudit(ctx.db, { ...auditBy(ev), action: 'item.blocked', payload: { reason: ev.reason }, key: `blocked:${ev.reason}` });
  await ctx.tell(ev, notices(ev));
}

/** Why an item cannot plan its deadlines, as the secretariat reads it: a year not loaded is named, anything else is the administrator's to look into. */
function blockedText(reason: string): string {
  const then = /^calendar for \d{4} not loaded$/.test(reason) ? '请管理员加载该年度的工作日安排。' : '请管理员根据系统日志核查。';
  return `本事项无法计算报送期限:${blockedCause(reason)}。${then}`;
}

/** The reason is the engine's own (English) message: the notice says it in words, the payload keeps it for the administrator. */
export function notices(ev: DatedEvent<'blocked'>): Notice[] {
  return [{ to: ev.secretariat, kind: 'escalation', key: `blocked:${ev.itemKey}:${ev.reason}`, title: `【需处理】${ev.title}`, body: blockedText(ev.reason), payload: { reason: ev.reason } }];
}
