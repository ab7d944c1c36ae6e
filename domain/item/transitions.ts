/**
 * Every change to the item's state, as apply(state, change): the item
 * workflow records an event through an activity, then applies it here, in its
 * handlers and its main loop alike. Pure and synchronous, so each change is
 * unit-tested without a server.
 *
 * The state is changed in place: the workflow's query answers the same object,
 * and runs from before the handlers' lock keep references to the period they
 * read before awaiting (ApplyOptions.period).
 */
import { finalLevel, markFired, openEscalationLevel, openFeedbackLevel, type Due } from '../ladder';
import type { AckState, CityReport, ExtensionRequest, FeedbackState, FinalState, Grade, ItemState, PeriodState, ReportReceipt, ShareState } from './state';
import { REMEMBERED_ANSWERS } from './state';

export type ItemChange =
  /** 交办: a new item, or a reopened one (a new round numbered from firstPeriodSeq). */
  | { kind: 'assigned'; itemKey: string; lead: string; cooperating: string[]; assignedAt: number; firstPeriodSeq?: number }
  | { kind: 'reopened'; itemKey: string; lead: string; cooperating: string[]; assignedAt: number; firstPeriodSeq: number }
  /** 签收, by the lead (the item moves on) or by a co-operating department (recorded, at `at`). */
  | { kind: 'acknowledged'; department: string; role?: 'cooperating'; at: number }
  | { kind: 'acknowledgement-planned'; ack?: AckState }
  | { kind: 'final-planned'; final?: FinalState }
  | { kind: 'period-opened'; period?: PeriodState }
  /** Old runs only: a report's version (consolidated) or the input itself is taken before it is recorded. */
  | { kind: 'report-reserved'; receipt: ReportReceipt }
  | { kind: 'report-filed'; receipt: ReportReceipt; reserved: boolean }
  | { kind: 'accepted' }
  | { kind: 'returned'; period: PeriodState }
  | { kind: 'extension-requested'; request: ExtensionRequest }
  | { kind: 'extension-decided'; approve: boolean; period?: PeriodState; dueOn?: string }
  | { kind: 'reassigned'; to: string }
  /** 批示, with the 落实反馈 it asks for (runs with the supervision loop). */
  | { kind: 'instructed'; feedback?: FeedbackState }
  | { kind: 'feedback-filed'; instructionKey: string }
  /** A reminder, a rung or a co-operating input's 催办 fired. */
  | { kind: 'fired'; due: Due }
  /** The accepted period is closed: the next one starts after it (the period itself is dropped by period-cleared). */
  | { kind: 'period-closed' }
  | { kind: 'period-cleared' }
  | { kind: 'completion-requested'; summary: string; requestedBy: string }
  | { kind: 'completion-decided'; approve: boolean; grade?: Grade }
  | { kind: 'cancelled' }
  /** New deadlines after the calendar changed; the period keeps its receipts (receipts: 'kept'), or, on old runs, its status only. */
  | { kind: 'retimed'; ack?: AckState; period?: PeriodState; receipts?: 'kept' | 'as-computed'; final?: FinalState; feedback?: FeedbackState }
  | { kind: 'blocked'; reason: string }
  | { kind: 'unblocked' }
  /** 分解下达: the cities' shares just started or found started. */
  | { kind: 'cascaded'; shares: ShareState[] }
  | { kind: 'city-reported'; report: CityReport }
  /** An update's answer, kept for a retry that lands on a later run. */
  | { kind: 'answered'; id: string; answer: unknown };

export interface ApplyOptions {
  /**
   * The period the change concerns, where it may no longer be state.period:
   * runs from before the handlers' lock read it before awaiting, and another
   * handler may have replaced it meanwhile. Defaults to state.period.
   */
  period?: PeriodState;
  /** The run chases the final deadline (patch final-deadline-ladder): its open rungs count in the level. Default true. */
  finalLadder?: boolean;
}

/** Applies the change to the state, in place; false when it changes nothing (a city's report older than the one kept). */
export function apply(s: ItemState, change: ItemChange, opts: ApplyOptions = {}): boolean {
  const finalLadder = opts.finalLadder ?? true;
  const p = opts.period ?? s.period;
  // An instruction's open 落实反馈 rungs stay open beside the final deadline's.
  const openLevel = () => (finalLadder ? Math.max(finalLevel(s), openFeedbackLevel(s)) : 0);
  switch (change.kind) {
    case 'assigned':
    case 'reopened':
      Object.assign(s, newItem(change));
      return true;
    case 'acknowledged':
      if (change.role === 'cooperating') s.coopAcks = { ...s.coopAcks, [change.department]: change.at };
      else {
        s.status = 'acknowledged';
        s.escalationLevel = openLevel();
      }
      return true;
    case 'acknowledgement-planned':
      s.ack = change.ack;
      return true;
    case 'final-planned':
      s.final = change.final;
      return true;
    case 'period-opened':
      s.period = change.period;
      return true;
    case 'report-reserved':
      if (change.receipt.kind === 'input') need(p).inputs.push(change.receipt);
      else need(p).consolidatedVersions = change.receipt.version;
      return true;
    case 'report-filed':
      fileReport(s, need(p), change.receipt, change.reserved);
      return true;
    case 'accepted':
      need(p).status = 'accepted';
      s.acceptedPeriods += 1;
      s.escalationLevel = openLevel();
      return true;
    case 'returned': {
      const was = need(p);
      s.period = { ...change.period, status: 'returned', consolidated: was.consolidated, inputs: was.inputs, consolidatedVersions: was.consolidatedVersions };
      return true;
    }
    case 'extension-requested':
      s.pendingExtension = change.request;
      return true;
    case 'extension-decided':
      if (change.approve && change.period) {
        const was = need(p);
        s.period = { ...change.period, extendedDueOn: change.dueOn, status: was.status, inputs: was.inputs, consolidated: was.consolidated, consolidatedVersions: was.consolidatedVersions };
      }
      s.pendingExtension = undefined;
      return true;
    case 'reassigned':
      s.lead = change.to;
      s.cooperating = s.cooperating.filter((c) => c !== change.to);
      return true;
    case 'instructed':
      s.instructions += 1;
      if (change.feedback) s.feedback = [...(s.feedback ?? []), change.feedback];
      return true;
    case 'feedback-filed':
      s.feedback = (s.feedback ?? []).filter((x) => x.instructionKey !== change.instructionKey);
      // Its rungs are answered: the item's level falls back to what is still open.
      s.escalationLevel = openEscalationLevel(s);
      return true;
    case 'fired':
      if (change.due.kind === 'rung') s.escalationLevel = Math.max(s.escalationLevel, change.due.event.level);
      markFired(s, change.due);
      return true;
    case 'period-closed': {
      const done = need(s.period);
      s.lastPeriodEnd = done.endsOn;
      s.periodsDone = done.last;
      s.nextPeriodSeq = done.seq + 1;
      return true;
    }
    case 'period-cleared':
      s.period = undefined;
      return true;
    case 'completion-requested':
      s.completionRequest = { summary: change.summary, requestedBy: change.requestedBy, previousStatus: s.status };
      s.status = 'completion_requested';
      return true;
    case 'completion-decided':
      if (change.approve) {
        s.status = 'completed';
        s.grade = change.grade;
        if (finalLadder) s.escalationLevel = 0;
        closePeriod(s);
      } else s.status = s.completionRequest?.previousStatus ?? 'in_progress';
      s.completionRequest = undefined;
      return true;
    case 'cancelled':
      s.status = 'cancelled';
      s.escalationLevel = 0;
      closePeriod(s);
      return true;
    case 'retimed':
      retime(s, change, p);
      return true;
    case 'blocked':
      s.blocked = change.reason;
      return true;
    case 'unblocked':
      s.blocked = undefined;
      return true;
    case 'cascaded':
      s.shares = [...(s.shares ?? []), ...change.shares];
      return true;
    case 'city-reported': {
      const share = s.shares?.find((x) => x.city === change.report.city);
      if (!share || (share.latest && share.latest.receivedAt > change.report.receivedAt)) return false;
      share.latest = change.report;
      return true;
    }
    case 'answered':
      s.answered = [...(s.answered ?? []), { id: change.id, answer: change.answer }].slice(-REMEMBERED_ANSWERS);
      return true;
  }
}

/** A new item's state (交办), or a reopened one's, numbered from its first period. */
export function newItem(e: { itemKey: string; lead: string; cooperating: string[]; assignedAt: number; firstPeriodSeq?: number }): ItemState {
  return {
    itemKey: e.itemKey,
    status: 'assigned',
    lead: e.lead,
    cooperating: [...e.cooperating],
    assignedAt: e.assignedAt,
    nextPeriodSeq: e.firstPeriodSeq ?? 1,
    periodsDone: false,
    acceptedPeriods: 0,
    escalationLevel: 0,
    instructions: 0,
    runs: 1,
  };
}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('the change concerns a period the item does not have');
  return value;
}

function fileReport(s: ItemState, p: PeriodState, receipt: ReportReceipt, reserved: boolean): void {
  if (receipt.kind === 'input') {
    if (!reserved) p.inputs.push(receipt);
  } else {
    p.consolidatedVersions = receipt.version;
    p.consolidated = receipt;
    p.status = 'submitted';
  }
  if (s.status === 'acknowledged') s.status = 'in_progress';
}

/** An item that ends leaves its period closed, unless it was accepted. */
function closePeriod(s: ItemState): void {
  if (s.period && s.period.status !== 'accepted') s.period.status = 'closed';
}

function retime(s: ItemState, change: Extract<ItemChange, { kind: 'retimed' }>, was: PeriodState | undefined): void {
  if (change.ack) s.ack = change.ack;
  if (change.period && was) {
    s.period =
      change.receipts === 'as-computed'
        ? { ...change.period, status: s.period?.status ?? was.status }
        : { ...change.period, status: was.status, inputs: was.inputs, consolidated: was.consolidated, consolidatedVersions: was.consolidatedVersions };
  }
  if ('final' in change) s.final = change.final;
  const next = change.feedback;
  if (next) s.feedback = (s.feedback ?? []).map((x) => (x.instructionKey === next.instructionKey ? next : x));
}
