/**
 * The item workflow's Temporal contract, defined once: its input, updates,
 * signals, query, search attributes and workflow ids. Shared by the workflow,
 * the worker's activities and every client (API, CLI, tests). The state and
 * the requests themselves are plain data in domain/item/, re-exported here so
 * a client needs one import.
 */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CityReport, ExtensionRequest, ItemPolicy, ItemState, ItemStatus, ReportReceipt } from '../domain/item/state';
import type {
  AcknowledgeInput,
  CancelInput,
  CascadeAnswer,
  CascadeInput,
  CompletionDecisionInput,
  CompletionRequestInput,
  ExtensionDecisionInput,
  ExtensionRequestInput,
  FeedbackInput,
  InstructInput,
  PeriodView,
  ReassignInput,
  ReviewInput,
  SubmitReportInput,
} from '../domain/item/requests';

export * from '../domain/item/state';
export type * from '../domain/item/requests';

export const ITEM_WORKFLOW_TYPE = 'itemWorkflow';

/** Cities' shares an item starts at once when it is cascaded. */
export const CASCADE_CONCURRENCY = 5;

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
