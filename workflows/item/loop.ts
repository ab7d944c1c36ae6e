/**
 * The item's main loop, as methods of its run: plan what is due next (the
 * acknowledgement, the final deadline, the next period), fire reminders and
 * rungs when their moment comes, re-time deadlines when the calendar changes,
 * and continue as new at a period boundary or when the history grows long.
 */
import { allHandlersFinished, condition, continueAsNew, log, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { inputsOwed, isOpen, nextDue, type Due } from '../../domain/ladder';
import type { AckState, CoopInputState, FeedbackState, FinalState, PeriodState } from '../../domain/item/state';
import * as d from '../definitions';
import { continueAsNewBeforeSyncThenDrain, finishBeforeSyncThenDrain, waitForCalendarBeforeLock } from './behaviours';
import { acts, failedForGood, failureMessage, failureType, ItemCore } from './core';
import type { itemWorkflow } from './index';

/** The day after a 'YYYY-MM-DD' date: plain calendar arithmetic, deterministic. */
function shiftDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

export class ItemLoop extends ItemCore {
  private finalTriedUnder = -1;

  /** The first run records the assignment before anything else; updates that came first wait for it (ready()). */
  async recordAssignment(): Promise<void> {
    const { input, state: s } = this;
    await acts.recordAssignment({ input, assignedAt: s.assignedAt, ...(this.flags.loop ? { coopAcknowledges: true } : {}) });
    this.recorded = true;
    upsertSearchAttributes([
      { key: d.planSA, value: input.planCode },
      { key: d.actionSA, value: input.actionCode },
    ]);
  }

  /**
   * Runs a deadline computation. A year with no calendar blocks the item until
   * an administrator loads it. Old runs wait for that here; new runs return and
   * wait in the main loop, without holding the lock, so the item can still be
   * cancelled or reassigned meanwhile.
   */
  async plan<T>(compute: () => Promise<T>): Promise<T | undefined> {
    // Taken before the attempt: a calendar loaded while it fails still unblocks the item.
    const calendarSeen = this.calendarVersion;
    try {
      return await compute();
    } catch (err) {
      const calendar = failureType(err) === 'CalendarNotLoaded';
      if (!calendar && !(this.flags.surviveFailures && failedForGood(err))) throw err;
      const reason = failureMessage(err) ?? 'calendar not loaded';
      log.warn('item blocked', { reason });
      if (this.state.blocked !== reason) {
        this.apply({ kind: 'blocked', reason });
        this.dirty = true;
        await this.effect(() => this.event({ kind: 'blocked', reason, secretariat: this.input.secretariat, actor: 'system' }));
      }
      if (this.flags.lock) {
        this.blockedUnder = calendarSeen;
        return undefined;
      }
      await waitForCalendarBeforeLock(this, calendarSeen);
      this.apply({ kind: 'unblocked' });
      return undefined;
    }
  }

  /** Reminders and chases of the supervision loop: an instruction's 落实反馈, the co-operating inputs. */
  private async fireLoop(due: Due): Promise<void> {
    const s = this.state;
    const businessDate = due.event.on;
    if (due.subject === 'instruction') {
      const f = (s.feedback ?? []).find((x) => x.instructionKey === due.instructionKey) as FeedbackState;
      const about = { subject: 'instruction' as const, instructionKey: f.instructionKey, periodSeq: f.seq, dueOn: f.dueOn, lead: s.lead, actor: 'system', businessDate };
      if (due.kind === 'reminder') await this.effect(() => this.event({ kind: 'reminder', ...about, offset: due.event.offset }));
      else if (due.kind === 'rung') await this.effect(() => this.event({ kind: 'escalation', ...about, rung: due.event, secretariat: this.input.secretariat }));
    } else if (due.subject === 'input') {
      const p = s.period as PeriodState;
      const coop = p.coop as CoopInputState;
      const stage = due.kind === 'chase' ? 'chase' : 'reminder';
      const offset = due.kind === 'reminder' ? due.event.offset : 0;
      await this.effect(() => this.event({ kind: 'input-due', stage, periodSeq: p.seq, offset, dueOn: coop.dueOn, departments: inputsOwed(s), lead: s.lead, actor: 'system', businessDate }));
    }
    this.apply({ kind: 'fired', due });
    if (due.kind === 'rung') this.dirty = true;
  }

  async fire(due: Due): Promise<void> {
    if (due.subject === 'instruction' || due.subject === 'input') return this.fireLoop(due);
    const s = this.state;
    const businessDate = due.event.on;
    if (due.kind === 'reminder') {
      const { seq, dueOn } = due.subject === 'final' ? { seq: 0, dueOn: (s.final as FinalState).dueOn } : (s.period as PeriodState);
      const subject = due.subject === 'final' ? { subject: 'final' as const } : {};
      await this.effect(() => this.event({ kind: 'reminder', ...subject, periodSeq: seq, offset: due.event.offset, dueOn, lead: s.lead, actor: 'system', businessDate }));
    } else {
      const subject = due.subject;
      const dueOn = subject === 'acknowledgement' ? (s.ack as AckState).dueOn : subject === 'final' ? (s.final as FinalState).dueOn : (s.period as PeriodState).dueOn;
      const periodSeq = subject === 'report' ? (s.period as PeriodState).seq : 0;
      await this.effect(() => this.event({ kind: 'escalation', subject, periodSeq, rung: due.event, dueOn, lead: s.lead, secretariat: this.input.secretariat, actor: 'system', businessDate }));
    }
    this.apply({ kind: 'fired', due });
    if (due.kind !== 'reminder' || !this.flags.quietMirror) this.dirty = true;
  }

  /**
   * Under the lock: every event that was due when the handler came in and that
   * the loop has not fired yet, in order, before the handler changes the state.
   */
  async fireOverdue(arrived: number): Promise<void> {
    for (let due = nextDue(this.state); due && due.event.at <= arrived; due = nextDue(this.state)) await this.fire(due);
  }

  /** The calendar changed: every open deadline again, from the new calendar. */
  private async retime(): Promise<void> {
    const { state: s, anchor, policy } = this;
    this.retimeWanted = false;
    if (s.status === 'assigned' && s.ack) {
      const ack = s.ack;
      const next = await this.plan(() => this.deadlines.retimeAcknowledgement({ anchor, policy, ack }));
      if (next) this.apply({ kind: 'retimed', ack: next });
    }
    const p = s.period;
    if (p && p.status !== 'accepted' && p.status !== 'closed') {
      const next = await this.plan(() => this.deadlines.retimeReportingPeriod({ anchor, policy, period: p, assignedOn: this.input.assignedOn }));
      // Under the lock nothing replaced the period meanwhile; old runs keep what they did.
      if (next) this.apply({ kind: 'retimed', period: next, receipts: this.flags.lock ? 'kept' : 'as-computed' }, { period: p });
    }
    if (s.final && this.flags.finalDeadline) this.apply({ kind: 'retimed', final: await this.planFinal(s.final) });
    // Only runs with the supervision loop have instructions awaiting 落实反馈.
    for (const f of s.feedback ?? []) {
      const next = await this.planFeedback({ instructionKey: f.instructionKey, seq: f.seq, withinWorkingDays: f.withinWorkingDays, already: f });
      if (next) this.apply({ kind: 'retimed', feedback: next });
    }
    this.dirty = true;
  }

  private reporting(): boolean {
    return this.state.status === 'acknowledged' || this.state.status === 'in_progress';
  }
  private unblocked(): boolean {
    return !this.state.blocked || (this.flags.lock && this.calendarVersion !== this.blockedUnder);
  }
  private finalWanted(): boolean {
    return this.flags.finalDeadline && !this.state.final && isOpen(this.state) && this.finalTriedUnder !== this.calendarVersion;
  }

  /** Work the loop can do now without waiting for anyone. */
  pendingWork(): boolean {
    const s = this.state;
    return (
      this.retimeWanted ||
      (s.status === 'assigned' && !s.ack && this.unblocked()) ||
      this.finalWanted() ||
      (this.reporting() && !s.period && !s.periodsDone && this.unblocked()) ||
      (s.period?.status === 'accepted' && s.status !== 'completion_requested')
    );
  }

  /** One step of planning. After a period's transition: whether a period boundary was crossed (more periods follow). */
  async step(): Promise<boolean | undefined> {
    const { state: s, anchor, policy, input } = this;
    if (this.retimeWanted) await this.retime();
    if (s.blocked && this.calendarVersion !== this.blockedUnder) this.apply({ kind: 'unblocked' });
    // Blocked: nothing is planned until the calendar changes; the rest goes on.
    const canPlan = !s.blocked;
    if (s.status === 'assigned' && !s.ack) {
      if (!canPlan) return undefined;
      this.apply({ kind: 'acknowledgement-planned', ack: await this.plan(() => this.deadlines.planAcknowledgement({ anchor, policy })) });
      this.dirty = true;
    } else if (this.finalWanted()) {
      // A final deadline in a year not loaded yet blocks nothing: it is planned once the calendar reaches it.
      this.finalTriedUnder = this.calendarVersion;
      this.apply({ kind: 'final-planned', final: await this.planFinal() });
      this.dirty = true;
    } else if (this.reporting() && !s.period && !s.periodsDone && canPlan) {
      const startsOn = s.lastPeriodEnd === undefined ? input.startDate : shiftDay(s.lastPeriodEnd);
      // With the supervision loop, co-operating departments get their own deadline before the lead's.
      const coop = this.flags.loop && s.cooperating.length ? { coopLeadWorkingDays: policy.coopLeadWorkingDays } : {};
      const planned = await this.plan(() =>
        this.deadlines.planReportingPeriod({ anchor, policy, seq: s.nextPeriodSeq, startsOn, finalDeadline: input.finalDeadline, assignedOn: input.assignedOn, ...coop }),
      );
      this.apply({ kind: 'period-opened', period: planned });
      this.dirty = true;
    } else if (s.period?.status === 'accepted' && s.status !== 'completion_requested') {
      this.apply({ kind: 'period-closed' });
      await this.sync();
      this.apply({ kind: 'period-cleared' });
      this.dirty = true;
      return !s.periodsDone;
    }
    return undefined;
  }

  /** Under the lock, once the loop's timer fired: a handler may have settled it while the loop waited for the lock, so fire only what is still due. */
  fireStillDue(): Promise<void> {
    return this.lock.run(async () => {
      const still = nextDue(this.state);
      if (still && still.event.at <= Date.now()) await this.fire(still);
    });
  }

  /** Continues as new at a period boundary, or when Temporal suggests it; runs from before syncThenDrain take their own path. */
  continueAsNewIfDue(boundary: boolean): Promise<void> {
    return this.flags.syncThenDrain ? this.syncDrainContinue(boundary) : continueAsNewBeforeSyncThenDrain(this, boundary);
  }

  private async syncDrainContinue(boundary: boolean): Promise<void> {
    if (!boundary && !workflowInfo().continueAsNewSuggested) return;
    // Mirror first, then let every running handler finish; one that ran meanwhile may have changed the state, so repeat.
    do {
      await this.exclusive(() => this.sync());
      await condition(allHandlersFinished);
    } while (this.dirty);
    await this.continueAsNew();
  }

  /** The next run carries the state. */
  continueAsNew(): Promise<never> {
    return continueAsNew<typeof itemWorkflow>({ ...this.input, carried: { ...this.state, runs: this.state.runs + 1 } });
  }

  /** The item closed: the last mirror write, once every handler has finished. */
  finish(): Promise<void> {
    return this.flags.syncThenDrain ? this.syncThenDrainToEnd() : finishBeforeSyncThenDrain(this);
  }

  private async syncThenDrainToEnd(): Promise<void> {
    this.dirty = true;
    do {
      await this.exclusive(() => this.sync());
      await condition(allHandlersFinished);
    } while (this.dirty);
  }
}
