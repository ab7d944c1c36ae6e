/**
 * The item's state as the item workflow keeps it and the mirror, the API and
 * the pure rules read it: statuses, the timeline of deadlines, reminders and
 * rungs, periods and their receipts, and the policy that times them. Plain
 * data, no Temporal: domain/item/transitions.ts changes it, and
 * workflows/definitions.ts re-exports it as part of the item's contract.
 */
import { OPEN_STATUSES as OPEN } from '../status';
import type { Grade } from '../words';
export type { Grade };

export type Cadence = 'monthly' | 'quarterly' | 'half-yearly' | 'yearly';
export type ItemStatus = 'assigned' | 'acknowledged' | 'in_progress' | 'completion_requested' | 'completed' | 'cancelled';
export type PeriodStatus = 'open' | 'submitted' | 'returned' | 'accepted' | 'closed';
export type RungKey = 'cuiban' | 'duban' | 'leading-group';

/** domain/status.ts's list, typed as the item's states. */
export const OPEN_STATUSES: readonly ItemStatus[] = OPEN;

/** The words for each rung in notices, the board and the ledger. */
export const RUNG_LABELS: Record<RungKey, string> = { cuiban: '催办', duban: '督办', 'leading-group': '上报领导小组' };

export interface Rung {
  rung: RungKey;
  label: string;
  overdueWorkingDays: number;
}

export interface ItemPolicy {
  cadence: Cadence;
  dueOffsetWorkingDays: number;
  reminderOffsetsWorkingDays: number[];
  acknowledgeWithinWorkingDays: number;
  escalation: Rung[];
  /**
   * A period that ended before the item was assigned, or whose due date passed
   * before it opened, is due this many working days after it opens (default
   * CATCH_UP_WORKING_DAYS). Absent on items assigned before the rule existed.
   */
  catchUpWorkingDays?: number;
  /** Co-operating departments' inputs are due this many working days before the lead's report (default COOP_LEAD_WORKING_DAYS). */
  coopLeadWorkingDays?: number;
  /** A city's share (分解下达) is due this many working days before the item's own report (default CASCADE_LEAD_WORKING_DAYS). */
  cascadeLeadWorkingDays?: number;
}

export const CATCH_UP_WORKING_DAYS = 5;
export const COOP_LEAD_WORKING_DAYS = 2;
export const CASCADE_LEAD_WORKING_DAYS = 3;
/** Cities' shares an item starts at once when it is cascaded. */
/** 落实反馈 on a leadership instruction is due this many working days after it was issued, unless the leader says otherwise. */
export const FEEDBACK_WITHIN_WORKING_DAYS = 5;

/** How many update answers an item remembers across continue-as-new (see ItemState.answered). */
export const REMEMBERED_ANSWERS = 20;

/** A city's latest consolidated report on its share, as the item it was cascaded from keeps it. */
export interface CityReport {
  city: string;
  periodSeq: number;
  percentDone: number;
  receiptId: string;
  receivedAt: number;
}

/** A city's share of a cascaded item: its own workflow, started as a child of the item's. */
export interface ShareState {
  city: string;
  workflowId: string;
  weight: number;
  latest?: CityReport;
}

/** A point on the timeline: a business date and the absolute instant it maps to. */
export interface TimedEvent {
  on: string;
  at: number;
  fired: boolean;
}
export interface ReminderEvent extends TimedEvent {
  offset: number;
}
export interface RungEvent extends TimedEvent {
  rung: RungKey;
  label: string;
  level: number;
}

export interface ReportReceipt {
  receiptId: string;
  periodSeq: number;
  department: string;
  kind: 'input' | 'consolidated';
  version: number;
  receivedAt: number;
  /** On a consolidated report: the co-operating departments' inputs it was filed with, and when each arrived. */
  inputs?: { department: string; receiptId: string; version: number; receivedAt?: number }[];
  /** On a consolidated report: the co-operating departments whose input had not arrived. */
  missingInputs?: string[];
  /** On a consolidated report of a cascaded item: each city's latest report on its share. */
  cities?: CityReport[];
}

/**
 * The co-operating departments' inputs for a period: due `dueOn`, some
 * working days before the lead's report; reminders before, and one 催办
 * (`chase`) to each department still silent once it is overdue.
 */
export interface CoopInputState {
  dueOn: string;
  dueAt: number;
  reminders: ReminderEvent[];
  chase: TimedEvent;
}

/** A leadership instruction awaiting its 落实反馈 from the lead: reminded and chased up the ladder like a report. */
export interface FeedbackState {
  instructionKey: string;
  /** The instruction's number on the item (1, 2, ...), in its escalations. */
  seq: number;
  issuedOn: string;
  withinWorkingDays: number;
  dueOn: string;
  dueAt: number;
  reminders: ReminderEvent[];
  rungs: RungEvent[];
}

export interface PeriodState {
  seq: number;
  startsOn: string;
  endsOn: string;
  last: boolean;
  originalDueOn: string;
  dueOn: string;
  extendedDueOn?: string;
  dueAt: number;
  /** The end of the original due date: the original clock of "on time". */
  originalDueAt?: number;
  /** The business date the period opened on (planned); the catch-up rule counts from it. */
  openedOn?: string;
  /** The due date came from the catch-up rule, not from the period's end. */
  catchUp?: boolean;
  status: PeriodStatus;
  reminders: ReminderEvent[];
  rungs: RungEvent[];
  inputs: ReportReceipt[];
  consolidated?: ReportReceipt;
  consolidatedVersions: number;
  /** The co-operating inputs' own deadline (items assigned since co-operating deadlines exist). */
  coop?: CoopInputState;
}

export interface AckState {
  dueOn: string;
  dueAt: number;
  rungs: RungEvent[];
}

/** The final deadline (完成时限): reminders before it, and its own ladder (逾期未办结) after it. */
export interface FinalState {
  dueOn: string;
  dueAt: number;
  reminders: ReminderEvent[];
  rungs: RungEvent[];
}

export interface ExtensionRequest {
  extensionId: string;
  periodSeq: number;
  requestedDueOn: string;
  reason: string;
  requestedBy: string;
}

export interface ItemState {
  itemKey: string;
  status: ItemStatus;
  lead: string;
  cooperating: string[];
  /** The clock's anchor: business date `startDate` begins at `assignedAt` (used by the compressed test clock). */
  assignedAt: number;
  ack?: AckState;
  period?: PeriodState;
  final?: FinalState;
  nextPeriodSeq: number;
  /** The end of the last accepted period; the next one starts the day after. */
  lastPeriodEnd?: string;
  periodsDone: boolean;
  acceptedPeriods: number;
  escalationLevel: number;
  pendingExtension?: ExtensionRequest;
  completionRequest?: { summary: string; requestedBy: string; previousStatus: ItemStatus };
  grade?: Grade;
  instructions: number;
  /** Instructions whose 落实反馈 is still owed. */
  feedback?: FeedbackState[];
  /** Co-operating departments that have acknowledged (签收), and when. */
  coopAcks?: Record<string, number>;
  /** The answers to the last updates, by update id, so a caller's retry that lands on a later run gets the same answer. */
  answered?: { id: string; answer: unknown }[];
  /** The cities' shares of a cascaded item (分解下达). */
  shares?: ShareState[];
  /** Why the item cannot move on by itself, e.g. "calendar for 2027 not loaded". */
  blocked?: string;
  runs: number;
}

