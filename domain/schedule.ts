import type { WorkingCalendar } from './calendar';
import { shiftDays } from './calendar';
import type { AckState, Cadence, CoopInputState, FeedbackState, FinalState, ItemPolicy, PeriodState, ReminderEvent, RungEvent, RungKey } from './item/state';
import type { Clock } from './clock';
import { COOP_LEAD_WORKING_DAYS } from './item/state';

/**
 * Deadlines on the working-day calendar, as pure rules: when a period ends and
 * its report is due, when its reminders and rungs fire, and the rules that
 * chase a department only for time it actually had (the acknowledgement
 * window counts from assignment; the catch-up rule; rungs never bunched).
 */

/** The last day of the calendar month, quarter, half-year or year that contains `date`. */
export function cadencePeriodEnd(date: string, cadence: Cadence): string {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const span = { monthly: 1, quarterly: 3, 'half-yearly': 6, yearly: 12 }[cadence];
  const lastMonth = Math.ceil(month / span) * span;
  const firstOfNext = lastMonth === 12 ? `${year + 1}-01-01` : `${year}-${String(lastMonth + 1).padStart(2, '0')}-01`;
  return shiftDays(firstOfNext, -1);
}

/**
 * The rungs after `dueOn`, each once. A rung already fired stays fired. A rung
 * whose moment passed before it could be planned (the item was blocked, the
 * calendar moved the date back) fires today, and each rung after it keeps its
 * spacing from the one before: a department is never handed several rungs in
 * one instant.
 */
export function rungEvents(cal: WorkingCalendar, clock: Clock, dueOn: string, policy: ItemPolicy, now: number, fired: ReadonlySet<RungKey> = new Set()): RungEvent[] {
  const today = clock.dateAt(now);
  let previous: { on: string; overdue: number } | undefined;
  return policy.escalation.map((r, i) => {
    let on = cal.addWorkingDays(dueOn, r.overdueWorkingDays);
    const done = fired.has(r.rung);
    if (!done) {
      if (previous) on = latest(on, cal.addWorkingDays(previous.on, r.overdueWorkingDays - previous.overdue));
      if (clock.startOf(on) < now) on = latest(on, cal.addWorkingDays(today, 0));
      previous = { on, overdue: r.overdueWorkingDays };
    }
    return { rung: r.rung, label: r.label, level: i + 1, on, at: clock.startOf(on), fired: done };
  });
}

function latest(a: string, b: string): string {
  return a > b ? a : b;
}

/**
 * Reminders before the due date. Those already past when the period is
 * (re)planned are marked fired: a reminder after its moment is noise.
 */
export function reminderEvents(cal: WorkingCalendar, clock: Clock, dueOn: string, policy: ItemPolicy, now: number, already: ReminderEvent[]): ReminderEvent[] {
  const offsets = [...new Set(policy.reminderOffsetsWorkingDays)].sort((a, b) => b - a);
  return offsets.map((offset) => {
    const on = cal.addWorkingDays(dueOn, -offset);
    const at = clock.startOf(on);
    const sent = already.some((r) => r.fired && r.on === on && r.offset === offset);
    return { offset, on, at, fired: sent || at < now };
  });
}

/**
 * When a period's report is due. Ordinarily `dueOffsetWorkingDays` after the
 * period ends. Catch-up: a period that ended before the item was assigned, or
 * whose due date passed before the period opened (the previous one was
 * accepted late), is due `catchUpWorkingDays` after it opened instead.
 */
export function reportDue(cal: WorkingCalendar, req: { endsOn: string; openedOn?: string; assignedOn?: string; policy: ItemPolicy }): { dueOn: string; catchUp: boolean } {
  const scheduled = cal.addWorkingDays(req.endsOn, req.policy.dueOffsetWorkingDays);
  const opened = req.openedOn;
  const endedBeforeAssignment = req.assignedOn !== undefined && req.endsOn < req.assignedOn;
  const passedBeforeOpening = opened !== undefined && scheduled < opened;
  if (opened === undefined || req.policy.catchUpWorkingDays === undefined || !(endedBeforeAssignment || passedBeforeOpening)) return { dueOn: scheduled, catchUp: false };
  const dueOn = cal.addWorkingDays(opened, Math.max(req.policy.catchUpWorkingDays, 0));
  return { dueOn: dueOn > scheduled ? dueOn : scheduled, catchUp: dueOn > scheduled };
}

export interface PeriodRequest {
  seq: number;
  startsOn: string;
  finalDeadline: string;
  policy: ItemPolicy;
  now: number;
  /** The item's assignment date, for the catch-up rule (absent on items from before it). */
  assignedOn?: string;
  /** Present on items with co-operating deadlines: their inputs are due this many working days before the lead's report. */
  coopLeadWorkingDays?: number;
}

/**
 * The co-operating inputs' deadline: `leadWorkingDays` before the lead's due
 * date, never before today (a department is never late the moment it is
 * asked). Reminders before it; one 催办 the working day after it.
 */
export function planCoopInputs(cal: WorkingCalendar, clock: Clock, leadDueOn: string, leadWorkingDays: number, policy: ItemPolicy, now: number, already?: CoopInputState): CoopInputState {
  const today = clock.dateAt(now);
  const dueOn = latest(cal.addWorkingDays(leadDueOn, -leadWorkingDays), cal.addWorkingDays(today, 0));
  const chaseOn = cal.addWorkingDays(dueOn, 1);
  const chaseAt = clock.startOf(chaseOn);
  return {
    dueOn,
    dueAt: clock.endOf(dueOn),
    reminders: reminderEvents(cal, clock, dueOn, policy, now, already?.reminders ?? []),
    // Chased once: a chase already sent stays sent, wherever the deadline moves.
    chase: already?.chase.fired ? already.chase : { on: chaseOn, at: chaseAt, fired: false },
  };
}

/**
 * 落实反馈 on an instruction issued `issuedOn`: due `withinWorkingDays` later,
 * reminded and chased by the same offsets and ladder as a report. `already`
 * keeps what fired when the calendar changes.
 */
export function planFeedback(
  cal: WorkingCalendar,
  clock: Clock,
  req: { instructionKey: string; seq: number; issuedOn: string; withinWorkingDays: number; policy: ItemPolicy; now: number; already?: FeedbackState },
): FeedbackState {
  const dueOn = cal.addWorkingDays(req.issuedOn, req.withinWorkingDays);
  const fired = new Set((req.already?.rungs ?? []).filter((r) => r.fired).map((r) => r.rung));
  return {
    instructionKey: req.instructionKey,
    seq: req.seq,
    issuedOn: req.issuedOn,
    withinWorkingDays: req.withinWorkingDays,
    dueOn,
    dueAt: clock.endOf(dueOn),
    reminders: reminderEvents(cal, clock, dueOn, req.policy, req.now, req.already?.reminders ?? []),
    rungs: rungEvents(cal, clock, dueOn, req.policy, req.now, fired),
  };
}

export function planPeriod(cal: WorkingCalendar, clock: Clock, req: PeriodRequest): PeriodState {
  const endsOn = [cadencePeriodEnd(req.startsOn, req.policy.cadence), req.finalDeadline].sort()[0] as string;
  const openedOn = clock.dateAt(req.now);
  const { dueOn, catchUp } = reportDue(cal, { endsOn, openedOn, assignedOn: req.assignedOn, policy: req.policy });
  const dueAt = clock.endOf(dueOn);
  return {
    seq: req.seq,
    startsOn: req.startsOn,
    endsOn,
    last: endsOn >= req.finalDeadline,
    originalDueOn: dueOn,
    dueOn,
    dueAt,
    originalDueAt: dueAt,
    openedOn,
    ...(catchUp ? { catchUp } : {}),
    status: 'open',
    reminders: reminderEvents(cal, clock, dueOn, req.policy, req.now, []),
    rungs: rungEvents(cal, clock, dueOn, req.policy, req.now),
    inputs: [],
    consolidatedVersions: 0,
    ...(req.coopLeadWorkingDays !== undefined ? { coop: planCoopInputs(cal, clock, dueOn, req.coopLeadWorkingDays, req.policy, req.now) } : {}),
  };
}

/**
 * The period with its deadlines moved to `dueOn` (an extension, a return for
 * revision) or recomputed from the calendar (`dueOn` undefined: the calendar
 * changed). Rungs that fired stay fired: each fires once per period.
 */
export function retimePeriod(cal: WorkingCalendar, clock: Clock, period: PeriodState, policy: ItemPolicy, now: number, dueOn?: string, assignedOn?: string): PeriodState {
  const explicit = dueOn ?? (period.extendedDueOn || period.dueOn !== period.originalDueOn ? period.dueOn : undefined);
  const originalDueOn = reportDue(cal, { endsOn: period.endsOn, openedOn: period.openedOn, assignedOn, policy }).dueOn;
  const newDue = explicit ?? originalDueOn;
  const fired = new Set(period.rungs.filter((r) => r.fired).map((r) => r.rung));
  const keptOriginal = dueOn === undefined ? originalDueOn : period.originalDueOn;
  return {
    ...period,
    originalDueOn: keptOriginal,
    originalDueAt: clock.endOf(keptOriginal),
    dueOn: newDue,
    dueAt: clock.endOf(newDue),
    reminders: reminderEvents(cal, clock, newDue, policy, now, period.reminders),
    rungs: rungEvents(cal, clock, newDue, policy, now, fired),
    // The co-operating inputs keep their lead time before the lead's moved due date.
    ...(period.coop ? { coop: planCoopInputs(cal, clock, newDue, policy.coopLeadWorkingDays ?? COOP_LEAD_WORKING_DAYS, policy, now, period.coop) } : {}),
  };
}

/** The acknowledgement window: counted from `fromDate`, the day of assignment. */
export function planAck(cal: WorkingCalendar, clock: Clock, fromDate: string, policy: ItemPolicy, now: number, fired: ReadonlySet<RungKey> = new Set()): AckState {
  const dueOn = cal.addWorkingDays(fromDate, policy.acknowledgeWithinWorkingDays);
  return { dueOn, dueAt: clock.endOf(dueOn), rungs: rungEvents(cal, clock, dueOn, policy, now, fired) };
}

/** The final deadline (完成时限): reminders before it, and the same ladder after it (逾期未办结). */
export function planFinal(cal: WorkingCalendar, clock: Clock, finalDeadline: string, policy: ItemPolicy, now: number, already?: FinalState): FinalState {
  const dueOn = cal.addWorkingDays(finalDeadline, 0);
  const fired = new Set((already?.rungs ?? []).filter((r) => r.fired).map((r) => r.rung));
  return {
    dueOn,
    dueAt: clock.endOf(dueOn),
    reminders: reminderEvents(cal, clock, dueOn, policy, now, already?.reminders ?? []),
    rungs: rungEvents(cal, clock, dueOn, policy, now, fired),
  };
}
