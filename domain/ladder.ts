/**
 * The item's ladder as pure rules over its state: which reminder or rung is
 * due next, marking one fired, the escalation level that is really open, and
 * the deadline the item works to. The item workflow wires these to timers and
 * activities; the activities, the API and plain unit tests import them too.
 */
import type { ItemState, ReminderEvent, RungEvent } from '../workflows/definitions';
import { OPEN_STATUSES } from '../workflows/definitions';

export type Subject = 'acknowledgement' | 'report' | 'final';

export type Due =
  | { kind: 'reminder'; subject: 'report' | 'final'; event: ReminderEvent }
  | { kind: 'rung'; subject: Subject; event: RungEvent };

export function isOpen(s: ItemState): boolean {
  return OPEN_STATUSES.includes(s.status);
}

/** The period's report is expected: open or returned, not awaiting review, not accepted. */
export function reportExpected(s: ItemState): boolean {
  const p = s.period;
  return (s.status === 'acknowledged' || s.status === 'in_progress') && p !== undefined && (p.status === 'open' || p.status === 'returned');
}

/**
 * The final deadline is chased while the item is open and nobody has asked to
 * close it: a completion request awaiting the secretariat pauses it, as a
 * report awaiting review pauses the period's ladder.
 */
export function finalChased(s: ItemState): boolean {
  return s.final !== undefined && isOpen(s) && s.status !== 'completion_requested';
}

/** Every reminder and rung that has not fired and still applies, in the order they were listed. */
export function pendingEvents(s: ItemState): Due[] {
  const due: Due[] = [];
  if (s.status === 'assigned' && s.ack) {
    for (const event of s.ack.rungs) if (!event.fired) due.push({ kind: 'rung', subject: 'acknowledgement', event });
  }
  const p = s.period;
  if (p && reportExpected(s)) {
    for (const event of p.reminders) if (!event.fired) due.push({ kind: 'reminder', subject: 'report', event });
    for (const event of p.rungs) if (!event.fired) due.push({ kind: 'rung', subject: 'report', event });
  }
  if (s.final && finalChased(s)) {
    for (const event of s.final.reminders) if (!event.fired) due.push({ kind: 'reminder', subject: 'final', event });
    for (const event of s.final.rungs) if (!event.fired) due.push({ kind: 'rung', subject: 'final', event });
  }
  return due;
}

/** The earliest reminder or rung that has not fired and still applies (the first listed, on a tie). */
export function nextDue(s: ItemState): Due | undefined {
  return pendingEvents(s).sort((a, b) => a.event.at - b.event.at)[0];
}

/**
 * Marks the event fired, in the state as it is now: a handler may have
 * re-timed the period while the event's activity ran, replacing the objects.
 */
export function markFired(s: ItemState, due: Due): void {
  due.event.fired = true;
  const list = (): (ReminderEvent | RungEvent)[] | undefined => {
    if (due.subject === 'acknowledgement') return s.ack?.rungs;
    if (due.subject === 'final') return due.kind === 'reminder' ? s.final?.reminders : s.final?.rungs;
    return due.kind === 'reminder' ? s.period?.reminders : s.period?.rungs;
  };
  const same = list()?.find((e) =>
    due.kind === 'reminder' ? (e as ReminderEvent).offset === due.event.offset && e.on === due.event.on : (e as RungEvent).rung === due.event.rung,
  );
  if (same) same.fired = true;
}

/** The highest rung fired on the final deadline: it stays open until 办结 or 撤销. */
export function finalLevel(s: ItemState): number {
  return Math.max(0, ...(s.final?.rungs ?? []).filter((r) => r.fired).map((r) => r.level));
}

/** The deadline the item is working to now, for the mirror, the lists and the search attribute. */
export function nextDeadline(s: ItemState): { on: string; at: number } | undefined {
  if (!isOpen(s)) return undefined;
  if (s.status === 'assigned') return s.ack ? { on: s.ack.dueOn, at: s.ack.dueAt } : undefined;
  const p = s.period;
  if (p && p.status !== 'accepted' && p.status !== 'closed') return { on: p.dueOn, at: p.dueAt };
  return s.final && finalChased(s) ? { on: s.final.dueOn, at: s.final.dueAt } : undefined;
}
