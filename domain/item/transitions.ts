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

/** What a change is applied with: the period it concerns and the run's rules. */
interface Applying {
  period: PeriodState | undefined;
  finalLadder: boolean;
}
type Kind = ItemChange['kind'];
/** One change; returns false only when it changes nothing. */
type Change<K extends Kind> = (s: ItemState, change: Extract<ItemChange, { kind: K }>, at: Applying) => void | false;

/** The level once a rung was answered: an instruction's open 落实反馈 rungs stay open beside the final deadline's. */
function openLevel(s: ItemState, at: Applying): number {
  return at.finalLadder ? Math.max(finalLevel(s), openFeedbackLevel(s)) : 0;
}

const CHANGES: { [K in Kind]: Change<K> } = {
  assigned: (s, e) => void Object.assign(s, newItem(e)),
  reopened: (s, e) => void Object.assign(s, newItem(e)),
  acknowledged: (s, e, at) => {
    if (e.role === 'cooperating') s.coopAcks = { ...s.coopAcks, [e.department]: e.at };
    else {
      s.status = 'acknowledged';
      s.escalationLevel = openLevel(s, at);
    }
  },
  'acknowledgement-planned': (s, e) => void (s.ack = e.ack),
  'final-planned': (s, e) => void (s.final = e.final),
  'period-opened': (s, e) => void (s.period = e.period),
  'report-reserved': (_s, e, at) => {
    if (e.receipt.kind === 'input') need(at.period).inputs.push(e.receipt);
    else need(at.period).consolidatedVersions = e.receipt.version;
  },
  'report-filed': (s, e, at) => fileReport(s, need(at.period), e.receipt, e.reserved),
  accepted: (s, _e, at) => {
    need(at.period).status = 'accepted';
    s.acceptedPeriods += 1;
    s.escalationLevel = openLevel(s, at);
  },
  returned: (s, e, at) => {
    const was = need(at.period);
    s.period = { ...e.period, status: 'returned', consolidated: was.consolidated, inputs: was.inputs, consolidatedVersions: was.consolidatedVersions };
  },
  'extension-requested': (s, e) => void (s.pendingExtension = e.request),
  'extension-decided': (s, e, at) => {
    if (e.approve && e.period) {
      const was = need(at.period);
      s.period = { ...e.period, extendedDueOn: e.dueOn, status: was.status, inputs: was.inputs, consolidated: was.consolidated, consolidatedVersions: was.consolidatedVersions };
    }
    s.pendingExtension = undefined;
  },
  reassigned: (s, e) => {
    s.lead = e.to;
    s.cooperating = s.cooperating.filter((c) => c !== e.to);
  },
  instructed: (s, e) => {
    s.instructions += 1;
    if (e.feedback) s.feedback = [...(s.feedback ?? []), e.feedback];
  },
  'feedback-filed': (s, e) => {
    s.feedback = (s.feedback ?? []).filter((x) => x.instructionKey !== e.instructionKey);
    // Its rungs are answered: the item's level falls back to what is still open.
    s.escalationLevel = openEscalationLevel(s);
  },
  fired: (s, e) => {
    if (e.due.kind === 'rung') s.escalationLevel = Math.max(s.escalationLevel, e.due.event.level);
    markFired(s, e.due);
  },
  'period-closed': (s) => {
    const done = need(s.period);
    s.lastPeriodEnd = done.endsOn;
    s.periodsDone = done.last;
    s.nextPeriodSeq = done.seq + 1;
  },
  'period-cleared': (s) => void (s.period = undefined),
  'completion-requested': (s, e) => {
    s.completionRequest = { summary: e.summary, requestedBy: e.requestedBy, previousStatus: s.status };
    s.status = 'completion_requested';
  },
  'completion-decided': (s, e, at) => {
    if (e.approve) {
      s.status = 'completed';
      s.grade = e.grade;
      if (at.finalLadder) s.escalationLevel = 0;
      closePeriod(s);
    } else s.status = s.completionRequest?.previousStatus ?? 'in_progress';
    s.completionRequest = undefined;
  },
  cancelled: (s) => {
    s.status = 'cancelled';
    s.escalationLevel = 0;
    closePeriod(s);
  },
  retimed: (s, e, at) => retime(s, e, at.period),
  blocked: (s, e) => void (s.blocked = e.reason),
  unblocked: (s) => void (s.blocked = undefined),
  cascaded: (s, e) => void (s.shares = [...(s.shares ?? []), ...e.shares]),
  'city-reported': (s, e) => {
    const share = s.shares?.find((x) => x.city === e.report.city);
    if (!share || (share.latest && share.latest.receivedAt > e.report.receivedAt)) return false;
    share.latest = e.report;
  },
  answered: (s, e) => void (s.answered = [...(s.answered ?? []), { id: e.id, answer: e.answer }].slice(-REMEMBERED_ANSWERS)),
};

/** Applies the change to the state, in place; false when it changes nothing (a city's report older than the one kept). */
export function apply(s: ItemState, change: ItemChange, opts: ApplyOptions = {}): boolean {
  const at: Applying = { period: opts.period ?? s.period, finalLadder: opts.finalLadder ?? true };
  return (CHANGES[change.kind] as Change<Kind>)(s, change, at) !== false;
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
