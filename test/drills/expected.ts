/**
 * What the drills expect, computed independently of the engine: from the
 * working-day calendar, the compressed clock, each item's policy as assigned,
 * and what the drill's departments and secretariat did and when (each action
 * as the span from its first attempt to its answer). Only the plain rules of
 * docs/item-workflow.md are modelled: reports are due `dueOffsetWorkingDays` after the
 * period ends; reminders at each offset before and on the due date; the rungs
 * at their working days overdue, once per period; a consolidated report stops
 * the period's ladder; acknowledging stops the acknowledgement ladder; the next
 * period opens when the report is accepted; a reminder whose moment passed
 * before its period was planned is not sent. The drill's scenario is built so
 * that the catch-up rule and late-planned rungs never apply; if they would,
 * the period is reported as not modelled rather than guessed.
 *
 * The workflow's own state is never read here.
 */
import { shiftDays, type WorkingCalendar } from '../../domain/calendar';
import { createClock } from '../../domain/clock';
import type { Cadence, ItemPolicy, RungKey } from '../../workflows/definitions';

/** From an action's first attempt to its answer; `end` is Infinity while unanswered. */
export interface Span {
  start: number;
  end: number;
}

export type Verdict = 'expected' | 'ambiguous' | 'not-expected';

export interface ItemSpec {
  itemKey: string;
  planCode: string;
  itemCode: string;
  lead: string;
  cooperating: string[];
  startDate: string;
  finalDeadline: string;
  policy: ItemPolicy;
}

/** What the drill did to one item. */
export interface ItemActions {
  assign?: Span;
  /** The instant the item's timeline began (its assignment record), checked to lie within `assign`. */
  anchorAt?: number;
  ack?: Span;
  /** The lead's consolidated report, per period. */
  submits: Map<number, Span>;
  accepts: Map<number, Span>;
}

export type Subject = 'acknowledgement' | 'report' | 'final';

export interface ModelEvent {
  /** `<itemKey>|reminder|<subject>|p<seq>|d<offset>` or `<itemKey>|rung|<subject>|p<seq>|<rung>`. */
  id: string;
  itemKey: string;
  kind: 'reminder' | 'rung';
  subject: Subject;
  seq: number;
  offset?: number;
  rung?: RungKey;
  level?: number;
  dueOn: string;
  on: string;
  at: number;
  verdict: Verdict;
}

export interface ModelPeriod {
  seq: number;
  startsOn: string;
  endsOn: string;
  dueOn: string;
  /** When the period was planned: from the action that opened it to the latest it may have taken. */
  planned: Span;
  /** Why the model cannot tell this period's deadlines for sure (its events are then all uncertain). */
  unmodelled?: string;
}

export interface ItemModel {
  events: ModelEvent[];
  periods: ModelPeriod[];
  /** Periods whose deadlines depend on rules the drill keeps out of play (catch-up, late-planned rungs). */
  unmodelled: string[];
}

export interface ModelContext {
  calendar: WorkingCalendar;
  workingDayMs: number;
  /**
   * How long before an action's first attempt an event is still uncertain: it
   * may have been due but not yet fired when the action was applied, and the
   * engine fires only what is still due.
   */
  marginBeforeMs: number;
  /** The latest instant the engine may take to act on an action answered at `t` (longer across an outage). */
  settledBy(t: number): number;
  /** Events on days after this instant's are left out (a far final deadline, say): they cannot be due in the run. */
  horizon?: number;
}

export const reminderId = (itemKey: string, subject: Subject, seq: number, offset: number) => `${itemKey}|reminder|${subject}|p${seq}|d${offset}`;
export const rungId = (itemKey: string, subject: Subject, seq: number, rung: string) => `${itemKey}|rung|${subject}|p${seq}|${rung}`;

/** The last day of the month, quarter, half-year or year containing `date`. */
export function lastDayOfCadence(date: string, cadence: Cadence): string {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const months = { monthly: 1, quarterly: 3, 'half-yearly': 6, yearly: 12 }[cadence];
  const last = Math.ceil(month / months) * months;
  const firstOfNext = last === 12 ? `${year + 1}-01-01` : `${year}-${String(last + 1).padStart(2, '0')}-01`;
  return shiftDays(firstOfNext, -1);
}

function worst(...verdicts: Verdict[]): Verdict {
  if (verdicts.includes('not-expected')) return 'not-expected';
  if (verdicts.includes('ambiguous')) return 'ambiguous';
  return 'expected';
}

export function modelItem(ctx: ModelContext, spec: ItemSpec, acts: ItemActions): ItemModel {
  const model: ItemModel = { events: [], periods: [], unmodelled: [] };
  if (!acts.assign || acts.anchorAt === undefined) return model;
  const cal = ctx.calendar;
  const clock = createClock(cal, { date: spec.startDate, at: acts.anchorAt }, ctx.workingDayMs);
  const { policy } = spec;
  const key = spec.itemKey;

  // An action that stops a ladder: events well before it happened, those after its answer did not.
  const stoppedBy = (at: number, stop: Span | undefined): Verdict => {
    if (!stop) return 'expected';
    if (at < stop.start - ctx.marginBeforeMs) return 'expected';
    if (at > stop.end) return 'not-expected';
    return 'ambiguous';
  };
  // A reminder is sent only if its moment is still ahead when its period (or deadline) is planned.
  const plannedBefore = (at: number, planned: Span): Verdict => (at < planned.start ? 'not-expected' : at <= planned.end ? 'ambiguous' : 'expected');
  // A rung planned after its moment would be moved to "today": not modelled, so uncertain.
  const rungPlanned = (at: number, planned: Span): Verdict => (at <= planned.end ? 'ambiguous' : 'expected');
  const settle = (span: Span): Span => ({ start: span.start, end: span.end === Infinity ? Infinity : ctx.settledBy(span.end) });

  // Mapping a date years away to the compressed timeline walks every day in between: such dates are left out.
  const beyond = ctx.horizon === undefined ? undefined : clock.dateAt(ctx.horizon);
  const tooFar = (on: string) => beyond !== undefined && on > beyond;
  const rungs = (subject: Subject, seq: number, dueOn: string, planned: Span, stop: Span | undefined) => {
    policy.escalation.forEach((r, i) => {
      const on = cal.addWorkingDays(dueOn, r.overdueWorkingDays);
      if (tooFar(on)) return;
      const at = clock.startOf(on);
      model.events.push({ id: rungId(key, subject, seq, r.rung), itemKey: key, kind: 'rung', subject, seq, rung: r.rung, level: i + 1, dueOn, on, at, verdict: worst(rungPlanned(at, planned), stoppedBy(at, stop)) });
    });
  };
  const reminders = (subject: Subject, seq: number, dueOn: string, planned: Span, stop: Span | undefined) => {
    for (const offset of [...new Set(policy.reminderOffsetsWorkingDays)].sort((a, b) => b - a)) {
      const on = cal.addWorkingDays(dueOn, -offset);
      if (tooFar(on)) continue;
      const at = clock.startOf(on);
      model.events.push({ id: reminderId(key, subject, seq, offset), itemKey: key, kind: 'reminder', subject, seq, offset, dueOn, on, at, verdict: worst(plannedBefore(at, planned), stoppedBy(at, stop)) });
    }
  };

  // The acknowledgement window counts from the day of assignment (the start date, on the compressed clock).
  const atAssignment = settle(acts.assign);
  rungs('acknowledgement', 0, cal.addWorkingDays(spec.startDate, policy.acknowledgeWithinWorkingDays), atAssignment, acts.ack);

  // The final deadline: planned at assignment, chased while the item is open (the drill never closes one).
  const finalDue = cal.addWorkingDays(spec.finalDeadline, 0);
  reminders('final', 0, finalDue, atAssignment, undefined);
  rungs('final', 0, finalDue, atAssignment, undefined);

  // Reporting periods: the first opens at acknowledgement, each next one when the one before is accepted.
  let opened: Span | undefined = acts.ack ? settle(acts.ack) : undefined;
  let startsOn = spec.startDate;
  for (let seq = 1; opened; seq++) {
    const endsOn = [lastDayOfCadence(startsOn, policy.cadence), spec.finalDeadline].sort()[0] as string;
    const dueOn = cal.addWorkingDays(endsOn, policy.dueOffsetWorkingDays);
    // The catch-up rule applies when the due date passed before the period opened: kept out of the scenario.
    const unmodelled = opened.end !== Infinity && dueOn < clock.dateAt(opened.end) ? `due ${dueOn} may have passed before the period opened (planned ${((opened.start - acts.anchorAt) / ctx.workingDayMs).toFixed(1)}..${((opened.end - acts.anchorAt) / ctx.workingDayMs).toFixed(1)} working days after the start ${spec.startDate})` : undefined;
    model.periods.push({ seq, startsOn, endsOn, dueOn, planned: opened, ...(unmodelled ? { unmodelled } : {}) });
    const stop = acts.submits.get(seq);
    const first = model.events.length;
    reminders('report', seq, dueOn, opened, stop);
    rungs('report', seq, dueOn, opened, stop);
    if (unmodelled) {
      // Its due date (and so its events' dates) may be the catch-up one: nothing of it is called either way.
      model.unmodelled.push(`${key} p${seq}: ${unmodelled}`);
      for (const e of model.events.slice(first)) e.verdict = 'ambiguous';
    }
    if (endsOn >= spec.finalDeadline) break;
    const accepted = acts.accepts.get(seq);
    opened = accepted ? settle(accepted) : undefined;
    startsOn = shiftDays(endsOn, 1);
  }
  return model;
}

/**
 * The instant by which an event due at `at` should have fired: its due
 * instant, moved to the end of every outage that began while it was still
 * within its allowance and ended after it.
 */
export function recoveryOf(at: number, outages: readonly { start: number; end: number }[], allowanceMs: number): number {
  let due = at;
  for (const o of [...outages].sort((a, b) => a.start - b.start)) {
    if (o.start <= due + allowanceMs && o.end > due) due = o.end;
  }
  return due;
}
