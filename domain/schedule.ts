import type { WorkingCalendar } from '../db/calendar/working-calendar';
import { shiftDays } from '../db/calendar/working-calendar';
import type { AckState, Cadence, ItemPolicy, PeriodState, ReminderEvent, RungEvent, RungKey } from '../workflows/definitions';
import type { Clock } from './clock';

/** The last day of the calendar month, quarter, half-year or year that contains `date`. */
export function cadencePeriodEnd(date: string, cadence: Cadence): string {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const span = { monthly: 1, quarterly: 3, 'half-yearly': 6, yearly: 12 }[cadence];
  const lastMonth = Math.ceil(month / span) * span;
  const firstOfNext = lastMonth === 12 ? `${year + 1}-01-01` : `${year}-${String(lastMonth + 1).padStart(2, '0')}-01`;
  return shiftDays(firstOfNext, -1);
}

function rungEvents(cal: WorkingCalendar, clock: Clock, dueOn: string, policy: ItemPolicy, fired: ReadonlySet<RungKey>): RungEvent[] {
  return policy.escalation.map((r, i) => {
    const on = cal.addWorkingDays(dueOn, r.overdueWorkingDays);
    return { rung: r.rung, label: r.label, level: i + 1, on, at: clock.startOf(on), fired: fired.has(r.rung) };
  });
}

/**
 * Reminders before the due date. Those already past when the period is
 * (re)planned are marked fired: a reminder after its moment is noise. Rungs
 * are not: an overdue report is chased however late the plan is made.
 */
function reminderEvents(cal: WorkingCalendar, clock: Clock, dueOn: string, policy: ItemPolicy, now: number, already: ReminderEvent[]): ReminderEvent[] {
  const offsets = [...new Set(policy.reminderOffsetsWorkingDays)].sort((a, b) => b - a);
  return offsets.map((offset) => {
    const on = cal.addWorkingDays(dueOn, -offset);
    const at = clock.startOf(on);
    const sent = already.some((r) => r.fired && r.on === on && r.offset === offset);
    return { offset, on, at, fired: sent || at < now };
  });
}

export interface PeriodRequest {
  seq: number;
  startsOn: string;
  finalDeadline: string;
  policy: ItemPolicy;
  now: number;
}

export function planPeriod(cal: WorkingCalendar, clock: Clock, req: PeriodRequest): PeriodState {
  const endsOn = [cadencePeriodEnd(req.startsOn, req.policy.cadence), req.finalDeadline].sort()[0] as string;
  const dueOn = cal.addWorkingDays(endsOn, req.policy.dueOffsetWorkingDays);
  return {
    seq: req.seq,
    startsOn: req.startsOn,
    endsOn,
    last: endsOn >= req.finalDeadline,
    originalDueOn: dueOn,
    dueOn,
    dueAt: clock.endOf(dueOn),
    status: 'open',
    reminders: reminderEvents(cal, clock, dueOn, req.policy, req.now, []),
    rungs: rungEvents(cal, clock, dueOn, req.policy, new Set()),
    inputs: [],
    consolidatedVersions: 0,
  };
}

/**
 * The period with its deadlines moved to `dueOn` (an extension, a return for
 * revision) or recomputed from the calendar (`dueOn` undefined: the calendar
 * changed). Rungs that fired stay fired: each fires once per period.
 */
export function retimePeriod(cal: WorkingCalendar, clock: Clock, period: PeriodState, policy: ItemPolicy, now: number, dueOn?: string): PeriodState {
  const explicit = dueOn ?? (period.extendedDueOn || period.dueOn !== period.originalDueOn ? period.dueOn : undefined);
  const originalDueOn = cal.addWorkingDays(period.endsOn, policy.dueOffsetWorkingDays);
  const newDue = explicit ?? originalDueOn;
  const fired = new Set(period.rungs.filter((r) => r.fired).map((r) => r.rung));
  return {
    ...period,
    originalDueOn: dueOn === undefined ? originalDueOn : period.originalDueOn,
    dueOn: newDue,
    dueAt: clock.endOf(newDue),
    reminders: reminderEvents(cal, clock, newDue, policy, now, period.reminders),
    rungs: rungEvents(cal, clock, newDue, policy, fired),
  };
}

export function planAck(cal: WorkingCalendar, clock: Clock, startDate: string, policy: ItemPolicy, fired: ReadonlySet<RungKey> = new Set()): AckState {
  const dueOn = cal.addWorkingDays(startDate, policy.acknowledgeWithinWorkingDays);
  return { dueOn, dueAt: clock.endOf(dueOn), rungs: rungEvents(cal, clock, dueOn, policy, fired) };
}
