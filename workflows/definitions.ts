/**
 * The item workflow's contract, defined once: its input, state, signals,
 * updates and queries. Shared by the workflow, the worker's activities and
 * every client (API, CLI, tests). Imports only the Temporal workflow SDK.
 */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export const ITEM_WORKFLOW_TYPE = 'itemWorkflow';

export type Cadence = 'monthly' | 'quarterly' | 'half-yearly' | 'yearly';
export type ItemStatus = 'assigned' | 'acknowledged' | 'in_progress' | 'completion_requested' | 'completed' | 'cancelled';
export type PeriodStatus = 'open' | 'submitted' | 'returned' | 'accepted' | 'closed';
export type RungKey = 'cuiban' | 'duban' | 'leading-group';
import type { Grade } from '../domain/words';
import { OPEN_STATUSES as OPEN } from '../domain/status';
export type { Grade };

/** domain/status.ts's list, typed as the item's states for the workflow and its clients. */
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
export const CASCADE_CONCURRENCY = 5;
/** 落实反馈 on a leadership instruction is due this many working days after it was issued, unless the leader says otherwise. */
export const FEEDBACK_WITHIN_WORKING_DAYS = 5;

/** How many update answers an item remembers across continue-as-new (see ItemState.answered). */
export const REMEMBERED_ANSWERS = 20;

export interface ItemWorkflowInput {
  itemKey: string;
  planCode: string;
  actionCode: string;
  itemCode: string;
  title: string;
  lead: string;
  cooperating: string[];
  secretariat: string;
  startDate: string;
  finalDeadline: string;
  policy: ItemPolicy;
  assignedBy: string;
  /**
   * The business date the item was assigned on (交办): the acknowledgement window
   * and the catch-up rule count from it, never from the plan's start date.
   * Absent on items assigned before this field existed: then it is startDate.
   */
  assignedOn?: string;
  /** The request that assigned (or reopened) the item, for the audit trail. */
  requestId?: string;
  /**
   * Present when a completed or cancelled item is reopened (a new run on the
   * same assignment record): the round (2 for the first reopening), why, and
   * the first period of the new round, numbered after the earlier ones.
   */
  reopen?: { round: number; reason: string; firstPeriodSeq: number };
  /** Present on a city's share (分解下达): the item it was cascaded from, and its weight in that item's 序时进度. */
  parent?: { itemKey: string; weight: number };
  /** Present when the workflow continues as new: the state it carries over. */
  carried?: ItemState;
}

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

// ---- updates: the answer is what the workflow accepted ----

export interface Actor {
  /** The person acting (user name), for the record. */
  actor: string;
  /** The department the person acts for, where the action is a department's. */
  department?: string;
  requestId?: string;
}

export interface AcknowledgeInput extends Actor {
  department: string;
}
export interface SubmitReportInput extends Actor {
  department: string;
  periodSeq: number;
  progress: string;
  percentDone: number;
  problems?: string;
  nextSteps?: string;
  attachments?: string[];
  /** Values of the item's indicators (coord-plan/v2) as of this report, by indicator name. */
  indicators?: IndicatorValue[];
}
export interface IndicatorValue {
  name: string;
  value: number;
}
export interface ReviewInput extends Actor {
  decision: 'accept' | 'return';
  comment?: string;
  /** Required when returning: the new due date of the reopened period. */
  newDueOn?: string;
}
export interface ExtensionRequestInput extends Actor {
  department: string;
  requestedDueOn: string;
  reason: string;
}
export interface ExtensionDecisionInput extends Actor {
  extensionId: string;
  approve: boolean;
  /** The approved due date; defaults to the requested one. */
  dueOn?: string;
  comment?: string;
}
export interface ReassignInput extends Actor {
  newLead: string;
  reason: string;
}
export interface InstructInput extends Actor {
  text: string;
  /** 落实反馈 is due this many working days after today (default FEEDBACK_WITHIN_WORKING_DAYS). */
  respondWithinWorkingDays?: number;
}
export interface FeedbackInput extends Actor {
  department: string;
  instructionKey: string;
  text: string;
}
export interface CompletionRequestInput extends Actor {
  department: string;
  summary: string;
}
export interface CompletionDecisionInput extends Actor {
  approve: boolean;
  grade?: Grade;
  comment?: string;
}
export interface CancelInput extends Actor {
  reason: string;
}
export interface CascadeInput extends Actor {
  /** The cities, each once; weight in the item's 序时进度 (default 1). */
  cities: { code: string; weight?: number }[];
}
export interface CascadeAnswer {
  started: string[];
  existing: string[];
}

export interface PeriodView {
  seq: number;
  status: PeriodStatus;
  originalDueOn: string;
  dueOn: string;
  extendedDueOn?: string;
}

/** Sent with the workflow's start (update-with-start): answers once the assignment record exists, so the caller reads its own write. */
export const assignmentUpdate = defineUpdate<{ status: ItemStatus; acknowledgeBy?: string }, []>('assignment');
export const acknowledgeUpdate = defineUpdate<ItemStatus, [AcknowledgeInput]>('acknowledge');
export const submitReportUpdate = defineUpdate<ReportReceipt, [SubmitReportInput]>('submitReport');
export const reviewReportUpdate = defineUpdate<PeriodView, [ReviewInput]>('reviewReport');
export const requestExtensionUpdate = defineUpdate<ExtensionRequest, [ExtensionRequestInput]>('requestExtension');
export const decideExtensionUpdate = defineUpdate<PeriodView, [ExtensionDecisionInput]>('decideExtension');
export const reassignLeadUpdate = defineUpdate<{ lead: string; cooperating: string[] }, [ReassignInput]>('reassignLead');
export const instructUpdate = defineUpdate<{ instructionKey: string; feedbackDueOn?: string }, [InstructInput]>('instruct');
export const fileFeedbackUpdate = defineUpdate<{ instructionKey: string; late: boolean }, [FeedbackInput]>('fileFeedback');
export const requestCompletionUpdate = defineUpdate<ItemStatus, [CompletionRequestInput]>('requestCompletion');
export const decideCompletionUpdate = defineUpdate<ItemStatus, [CompletionDecisionInput]>('decideCompletion');
export const cancelUpdate = defineUpdate<ItemStatus, [CancelInput]>('cancel');
/** 分解下达: starts a share for each city not cascaded to yet (runs with the supervision loop only). */
export const cascadeUpdate = defineUpdate<CascadeAnswer, [CascadeInput]>('cascade');

/** To a city's share: the item it was cascaded from was cancelled or completed; the share ends as cancelled. */
export const parentClosedSignal = defineSignal<[{ status: 'cancelled' | 'completed'; reason: string }]>('parentClosed');
/** From a city's share to its item: the city filed its consolidated report. */
export const cityReportSignal = defineSignal<[CityReport]>('cityReport');

/** The administrator loaded or replaced a year of the calendar: re-time open deadlines. */
export const calendarChangedSignal = defineSignal<[]>('calendarChanged');

export const stateQuery = defineQuery<ItemState>('state');

// ---- search attributes, registered on the server at start ----

export const planSA = defineSearchAttributeKey('CoordPlan', 'KEYWORD');
export const actionSA = defineSearchAttributeKey('CoordAction', 'KEYWORD');
export const leadSA = defineSearchAttributeKey('CoordLead', 'KEYWORD');
export const statusSA = defineSearchAttributeKey('CoordStatus', 'KEYWORD');
export const nextDueSA = defineSearchAttributeKey('CoordNextDue', 'DATETIME');
export const escalationLevelSA = defineSearchAttributeKey('CoordEscalationLevel', 'INT');
export const ITEM_SEARCH_ATTRIBUTES = [planSA, actionSA, leadSA, statusSA, nextDueSA, escalationLevelSA];

export function itemWorkflowId(planCode: string, itemCode: string): string {
  return `item:${planCode}:${itemCode}`;
}

/** A city's share of an item: `<item key>:<city code>`. */
export function shareWorkflowId(itemKey: string, city: string): string {
  return `${itemKey}:${city}`;
}
