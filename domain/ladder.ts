/**
 * The item's ladder as pure rules over its state: which reminder or rung is
 * due next, marking one fired, the escalation level that is really open, and
 * the deadline the item works to. The item workflow wires these to timers and
 * activities; the activities, the API and plain unit tests import them too.
 */
import type { FeedbackState, ItemState, ReminderEvent, RungEvent, TimedEvent } from './item/state';
import { OPEN_STATUSES } from './item/state';

/** What a rung chases: the lead's 签收, a period's report, the final deadline (办结), or the 落实反馈 on an instruction. */
export type Subject = 'acknowledgement' | 'report' | 'final' | 'instruction';

export type Due =
  | { kind: 'reminder'; subject: 'report' | 'final'; event: ReminderEvent }
  | { kind: 'rung'; subject: 'acknowledgement' | 'report' | 'final'; event: RungEvent }
  | { kind: 'reminder'; subject: 'instruction'; event: ReminderEvent; instructionKey: string }
  | { kind: 'rung'; subject: 'instruction'; event: RungEvent; instructionKey: string }
  /** The co-operating departments' inputs: reminders before their deadline, one 催办 after it. */
  | { kind: 'reminder'; subject: 'input'; event: ReminderEvent }
  | { kind: 'chase'; subject: 'input'; event: TimedEvent };

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

/** The co-operating departments still owing the open period's input: chased only while the lead's report is expected. */
export function inputsOwed(s: ItemState): string[] {
  const p = s.period;
  if (!p?.coop || !reportExpected(s)) return [];
  const arrived = new Set(p.inputs.map((i) => i.department));
  return s.cooperating.filter((c) => !arrived.has(c));
}

/** The instruction's 落实反馈 ladder, as fired so far: its highest rung stays open until the feedback is filed. */
function feedbackLevel(f: FeedbackState): number {
  return Math.max(0, ...f.rungs.filter((r) => r.fired).map((r) => r.level));
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
  if (p?.coop && inputsOwed(s).length) {
    for (const event of p.coop.reminders) if (!event.fired) due.push({ kind: 'reminder', subject: 'input', event });
    if (!p.coop.chase.fired) due.push({ kind: 'chase', subject: 'input', event: p.coop.chase });
  }
  if (isOpen(s)) {
    for (const f of s.feedback ?? []) {
      for (const event of f.reminders) if (!event.fired) due.push({ kind: 'reminder', subject: 'instruction', event, instructionKey: f.instructionKey });
      for (const event of f.rungs) if (!event.fired) due.push({ kind: 'rung', subject: 'instruction', event, instructionKey: f.instructionKey });
    }
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
  if (due.kind === 'chase') {
    if (s.period?.coop) s.period.coop.chase.fired = true;
    return;
  }
  const list = (): (ReminderEvent | RungEvent)[] | undefined => {
    if (due.subject === 'acknowledgement') return s.ack?.rungs;
    if (due.subject === 'final') return due.kind === 'reminder' ? s.final?.reminders : s.final?.rungs;
    if (due.subject === 'input') return s.period?.coop?.reminders;
    if (due.subject === 'instruction') {
      const f = s.feedback?.find((x) => x.instructionKey === due.instructionKey);
      return due.kind === 'reminder' ? f?.reminders : f?.rungs;
    }
    return due.kind === 'reminder' ? s.period?.reminders : s.period?.rungs;
  };
  const same = list()?.find((e) =>
    due.kind === 'reminder' ? (e as ReminderEvent).offset === due.event.offset && e.on === due.event.on : (e as RungEvent).rung === (due.event as RungEvent).rung,
  );
  if (same) same.fired = true;
}

/** The highest rung fired on the final deadline: it stays open until 办结 or 撤销. */
export function finalLevel(s: ItemState): number {
  return Math.max(0, ...(s.final?.rungs ?? []).filter((r) => r.fired).map((r) => r.level));
}

/**
 * The highest rung fired on anything still owed: the lead's 签收 while the
 * item is assigned, the open period's report while it is expected, the final
 * deadline and the instructions awaiting 落实反馈.
 */
export function openEscalationLevel(s: ItemState): number {
  const fired = (rungs: RungEvent[] | undefined) => Math.max(0, ...(rungs ?? []).filter((r) => r.fired).map((r) => r.level));
  return Math.max(s.status === 'assigned' ? fired(s.ack?.rungs) : 0, reportExpected(s) ? fired(s.period?.rungs) : 0, finalLevel(s), openFeedbackLevel(s));
}

/** The highest rung still open on instructions awaiting 落实反馈: it stays open until the feedback is filed. */
export function openFeedbackLevel(s: ItemState): number {
  return Math.max(0, ...(s.feedback ?? []).map(feedbackLevel));
}

/** The deadline the item is working to now, for the mirror, the lists and the search attribute. */
export function nextDeadline(s: ItemState): { on: string; at: number } | undefined {
  if (!isOpen(s)) return undefined;
  if (s.status === 'assigned') return s.ack ? { on: s.ack.dueOn, at: s.ack.dueAt } : undefined;
  const p = s.period;
  if (p && p.status !== 'accepted' && p.status !== 'closed') return { on: p.dueOn, at: p.dueAt };
  return s.final && finalChased(s) ? { on: s.final.dueOn, at: s.final.dueAt } : undefined;
}
