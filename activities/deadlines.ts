import { ApplicationFailure } from '@temporalio/activity';
import { CalendarNotLoadedError, type WorkingCalendar } from '../domain/calendar';
import type { AckState, FeedbackState, FinalState, ItemPolicy, PeriodState } from '../workflows/definitions';
import { createClock, type Clock, type ClockAnchor } from '../domain/clock';
import { planAck, planFeedback, planFinal, planPeriod, retimePeriod } from '../domain/schedule';

/**
 * Deadline activities: every date comes from the working-day calendar and
 * reaches the workflow as an absolute instant. A year with no arrangement is
 * a non-retryable CalendarNotLoaded failure: the workflow waits for an
 * administrator to load it rather than guess.
 */
export interface DeadlineDeps {
  calendar: () => Promise<WorkingCalendar>;
  /** Compressed clock for tests and demos: one working day lasts this long. Unset in production. */
  workingDayMs?: number;
}

function asFailure(err: unknown): never {
  if (err instanceof CalendarNotLoadedError) throw ApplicationFailure.nonRetryable(err.message, 'CalendarNotLoaded');
  if (err instanceof RangeError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidDate');
  throw err;
}

export function createDeadlineActivities(deps: DeadlineDeps) {
  const withClock = async <T>(anchor: ClockAnchor, fn: (cal: WorkingCalendar, clock: Clock) => T): Promise<T> => {
    const cal = await deps.calendar();
    try {
      return fn(cal, createClock(cal, anchor, deps.workingDayMs));
    } catch (err) {
      return asFailure(err);
    }
  };

  return {
    /** The acknowledgement window, from the anchor's date: the day of assignment (the start date on older items). */
    async planAcknowledgement(req: { anchor: ClockAnchor; policy: ItemPolicy }): Promise<AckState> {
      return withClock(req.anchor, (cal, clock) => planAck(cal, clock, req.anchor.date, req.policy, Date.now()));
    },

    async retimeAcknowledgement(req: { anchor: ClockAnchor; policy: ItemPolicy; ack: AckState }): Promise<AckState> {
      const fired = new Set(req.ack.rungs.filter((r) => r.fired).map((r) => r.rung));
      return withClock(req.anchor, (cal, clock) => planAck(cal, clock, req.anchor.date, req.policy, Date.now(), fired));
    },

    async planReportingPeriod(req: { anchor: ClockAnchor; policy: ItemPolicy; seq: number; startsOn: string; finalDeadline: string; assignedOn?: string; coopLeadWorkingDays?: number }): Promise<PeriodState> {
      return withClock(req.anchor, (cal, clock) =>
        planPeriod(cal, clock, {
          seq: req.seq,
          startsOn: req.startsOn,
          finalDeadline: req.finalDeadline,
          policy: req.policy,
          now: Date.now(),
          assignedOn: req.assignedOn,
          coopLeadWorkingDays: req.coopLeadWorkingDays,
        }),
      );
    },

    /**
     * 落实反馈 on an instruction: issued today (or on `already.issuedOn`, when
     * the calendar changed), due some working days later, reminded and chased.
     */
    async planInstructionFeedback(req: { anchor: ClockAnchor; policy: ItemPolicy; instructionKey: string; seq: number; withinWorkingDays: number; already?: FeedbackState }): Promise<FeedbackState> {
      return withClock(req.anchor, (cal, clock) => {
        const now = Date.now();
        const issuedOn = req.already?.issuedOn ?? clock.dateAt(now);
        return planFeedback(cal, clock, { instructionKey: req.instructionKey, seq: req.seq, issuedOn, withinWorkingDays: req.withinWorkingDays, policy: req.policy, now, already: req.already });
      });
    },

    /** Moves the period to `dueOn` (extension, return), or recomputes it from the calendar when `dueOn` is absent. */
    async retimeReportingPeriod(req: { anchor: ClockAnchor; policy: ItemPolicy; period: PeriodState; dueOn?: string; assignedOn?: string }): Promise<PeriodState> {
      return withClock(req.anchor, (cal, clock) => retimePeriod(cal, clock, req.period, req.policy, Date.now(), req.dueOn, req.assignedOn));
    },

    /** The final deadline's reminders and ladder; `final` keeps what already fired when the calendar changed. */
    async planFinalDeadline(req: { anchor: ClockAnchor; policy: ItemPolicy; finalDeadline: string; final?: FinalState }): Promise<FinalState> {
      return withClock(req.anchor, (cal, clock) => planFinal(cal, clock, req.finalDeadline, req.policy, Date.now(), req.final));
    },

    /** A new due date must be a working day, in a loaded year, after today. */
    async checkDueDate(req: { anchor: ClockAnchor; dueOn: string }): Promise<{ dueOn: string; today: string }> {
      return withClock(req.anchor, (cal, clock) => {
        const today = clock.dateAt(Date.now());
        if (!cal.isWorkingDay(req.dueOn)) throw ApplicationFailure.nonRetryable(`dueOn ${req.dueOn} is not a working day`, 'InvalidDueDate');
        if (req.dueOn <= today) throw ApplicationFailure.nonRetryable(`dueOn ${req.dueOn} is not after today (${today})`, 'InvalidDueDate');
        return { dueOn: req.dueOn, today };
      });
    },

    /** Today's business date on the item's clock. */
    async businessDate(req: { anchor: ClockAnchor }): Promise<string> {
      return withClock(req.anchor, (_cal, clock) => clock.dateAt(Date.now()));
    },
  };
}

export type DeadlineActivities = ReturnType<typeof createDeadlineActivities>;
