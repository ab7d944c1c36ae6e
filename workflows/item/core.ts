/**
 * What every part of an item's run shares: its state, the lock, the behaviour
 * flags, the mirror (PostgreSQL and the search attributes), the recording of
 * events through the activity, and the deadline computations.
 */
import { ActivityFailure, ApplicationFailure, condition, log, proxyActivities, proxyLocalActivities, upsertSearchAttributes, uuid4 } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { ItemEvent } from '../../domain/item/events';
import { isOpen, nextDeadline } from '../../domain/ladder';
import { refusal, type ItemRequests, type PeriodView, type RequestContext, type RequestKind } from '../../domain/item/requests';
import type { FeedbackState, FinalState, ItemPolicy, ItemState, PeriodState, ReportReceipt } from '../../domain/item/state';
import { apply, type ApplyOptions, type ItemChange } from '../../domain/item/transitions';
import * as d from '../definitions';
import { Lock } from '../lock';
import { nextDueBeforeFinalLadder, type Behaviours } from './behaviours';

export const acts = proxyActivities<Activities>({
  // Short database writes: a worker that dies mid-activity is noticed within this.
  startToCloseTimeout: '15 seconds',
  // Effects are idempotent, so retrying until they succeed is safe; nothing is dropped.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Deadline arithmetic on the working-day calendar only reads, so on new runs
 * (localDeadlines) it runs as a local activity: in the worker, within the
 * workflow task, without the three history events and the extra workflow task
 * of an ordinary one.
 */
const localDeadlines = proxyLocalActivities<
  Pick<Activities, 'planAcknowledgement' | 'retimeAcknowledgement' | 'planReportingPeriod' | 'retimeReportingPeriod' | 'planFinalDeadline' | 'checkDueDate' | 'planInstructionFeedback'>
>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An event as a handler or the loop describes it; the run adds the item, the clock's anchor and the event id. */
export type NewEvent = DistributiveOmit<ItemEvent, 'itemKey' | 'title' | 'anchor' | 'eventId'>;

export function reject(message: string): never {
  throw ApplicationFailure.create({ message, type: 'InvalidRequest', nonRetryable: true });
}
export function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}
/** An activity that failed for good: retrying cannot help (bad data, unknown department, a notice that cannot be built). */
export function failedForGood(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && cause.nonRetryable === true;
}
/** The activity's own message: an ordinary activity's failure wraps it, a local activity's failure arrives as it is. */
export function failureMessage(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? cause.message : undefined;
}

export function periodView(p: PeriodState): PeriodView {
  return { seq: p.seq, status: p.status, originalDueOn: p.originalDueOn, dueOn: p.dueOn, extendedDueOn: p.extendedDueOn };
}

/** The latest input of each co-operating department, as a consolidated report lists them. */
export function latestInputs(p: PeriodState, withTimes = false): { department: string; receiptId: string; version: number; receivedAt?: number }[] {
  const latest = new Map<string, ReportReceipt>();
  for (const r of p.inputs) if ((latest.get(r.department)?.version ?? 0) < r.version) latest.set(r.department, r);
  return [...latest.values()].map((r) => ({ department: r.department, receiptId: r.receiptId, version: r.version, ...(withTimes ? { receivedAt: r.receivedAt } : {}) }));
}

export class ItemCore {
  readonly state: ItemState;
  readonly first: boolean;
  /** The clock's anchor: the day of assignment began at assignedAt (the start date on items from before assignedOn). */
  readonly anchor: { date: string; at: number };
  readonly policy: ItemPolicy;
  readonly deadlines: typeof localDeadlines;
  readonly lock = new Lock();
  readonly context: RequestContext;

  // Updates may arrive before the assignment row exists; their effects wait for it.
  recorded: boolean;
  mirrored: boolean;
  /** Every handler bumps the version; the main loop wakes on it. */
  version = 0;
  retimeWanted = false;
  calendarVersion = 0;
  /** The calendar version an item was blocked under: a newer one is worth another try. A carried block is retried at once. */
  blockedUnder: number;
  dirty = true;
  /** What this run last upserted (quietMirror): the same values again add only an event to the history. */
  private published: string | undefined;

  constructor(
    readonly input: d.ItemWorkflowInput,
    readonly flags: Behaviours,
  ) {
    this.first = input.carried === undefined;
    this.state = input.carried ?? ({} as ItemState);
    if (this.first) {
      const item = { itemKey: input.itemKey, lead: input.lead, cooperating: input.cooperating, assignedAt: Date.now() };
      this.apply(input.reopen ? { kind: 'reopened', ...item, firstPeriodSeq: input.reopen.firstPeriodSeq } : { kind: 'assigned', ...item });
    }
    this.anchor = { date: input.assignedOn ?? input.startDate, at: this.state.assignedAt };
    this.policy = {
      ...(flags.catchUp ? { catchUpWorkingDays: d.CATCH_UP_WORKING_DAYS } : {}),
      ...(flags.loop ? { coopLeadWorkingDays: d.COOP_LEAD_WORKING_DAYS } : {}),
      ...input.policy,
    };
    this.deadlines = flags.localDeadlines ? localDeadlines : acts;
    this.recorded = !this.first;
    this.mirrored = !this.first;
    this.blockedUnder = this.state.blocked ? -1 : 0;
    this.context = { loop: flags.loop, share: input.parent !== undefined };
  }

  /** The state changes only here, through the domain's transitions. */
  apply(change: ItemChange, opts: Omit<ApplyOptions, 'finalLadder'> = {}): boolean {
    return apply(this.state, change, { ...opts, finalLadder: this.flags.finalDeadline });
  }

  changed(): void {
    this.version += 1;
    this.dirty = true;
  }

  /** Effects wait for the assignment record. */
  ready(): Promise<void> {
    return condition(() => this.recorded);
  }

  /** Under the lock on new runs; as it came on runs from before it. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.flags.lock ? this.lock.run(fn) : fn();
  }

  refuse<K extends RequestKind>(kind: K, req: ItemRequests[K]): void {
    const problem = refusal(this.state, kind, req, this.context);
    if (problem) reject(problem);
  }

  currentPeriod(): PeriodState {
    if (!this.state.period) reject('there is no open reporting period');
    return this.state.period;
  }

  parties(): string[] {
    return [this.state.lead, ...this.state.cooperating];
  }

  /** Records the event; its id is minted once per event (uuid4 is deterministic on replay), and the activity's retries carry the same one. */
  event(e: NewEvent): Promise<void> {
    const { input } = this;
    return acts.recordItemEvent({
      ...e,
      itemKey: input.itemKey,
      title: input.title,
      anchor: this.anchor,
      ...(input.reopen ? { round: input.reopen.round } : {}),
      ...(this.flags.eventIds ? { eventId: uuid4() } : {}),
    } as ItemEvent);
  }

  /** A system effect (a notice, a rung's record): one that fails for good is logged and passed over, on new runs. */
  async effect(run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      if (!this.flags.surviveFailures || !failedForGood(err)) throw err;
      log.error('effect failed for good and was passed over', { error: failureMessage(err), type: failureType(err) });
    }
  }

  private publish(): void {
    const s = this.state;
    const nextDueAt = this.flags.finalDeadline ? nextDeadline(s)?.at : nextDueBeforeFinalLadder(s);
    if (this.flags.quietMirror) {
      const values = JSON.stringify([s.status, s.lead, s.escalationLevel, isOpen(s) ? nextDueAt : null]);
      if (values === this.published) return;
      this.published = values;
    }
    upsertSearchAttributes([
      { key: d.statusSA, value: s.status },
      { key: d.leadSA, value: s.lead },
      { key: d.escalationLevelSA, value: s.escalationLevel },
      { key: d.nextDueSA, value: nextDueAt !== undefined && isOpen(s) ? new Date(nextDueAt) : null },
    ]);
  }

  /** Writes the state to PostgreSQL; under the lock (new runs), so mirror writes land in the order of the states they carry. */
  async sync(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    this.publish();
    try {
      // The remembered answers stay in the workflow: the mirror has no use for them.
      await acts.syncItem(this.flags.lock ? { ...this.state, answered: undefined } : this.state);
    } catch (err) {
      if (!this.flags.surviveFailures || !failedForGood(err)) throw err;
      log.error('mirror write failed for good; the next change writes it again', { error: failureMessage(err) });
    }
  }

  /**
   * The 落实反馈 deadline of an instruction. A year with no calendar leaves the
   * instruction without one (logged): it never blocks the item.
   */
  async planFeedback(req: { instructionKey: string; seq: number; withinWorkingDays: number; already?: FeedbackState }): Promise<FeedbackState | undefined> {
    try {
      return await localDeadlines.planInstructionFeedback({ anchor: this.anchor, policy: this.policy, ...req });
    } catch (err) {
      if (failureType(err) !== 'CalendarNotLoaded' && !failedForGood(err)) throw err;
      log.warn('no 落实反馈 deadline for the instruction', { instructionKey: req.instructionKey, reason: failureMessage(err) });
      return req.already;
    }
  }

  async planFinal(final?: FinalState): Promise<FinalState | undefined> {
    try {
      return await this.deadlines.planFinalDeadline({ anchor: this.anchor, policy: this.policy, finalDeadline: this.input.finalDeadline, final });
    } catch (err) {
      if (failureType(err) !== 'CalendarNotLoaded' && !(this.flags.surviveFailures && failedForGood(err))) throw err;
      return final;
    }
  }
}
