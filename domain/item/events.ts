import type { ClockAnchor } from '../clock';
import type { Grade } from '../words';
// The item's state types still live beside the Temporal contract; they move to domain/item/state.ts.
import type { SubmitReportInput } from './requests';
import type { ReportReceipt, RungEvent } from './state';

/**
 * The events of an item's life, as the workflow hands them to the activity
 * that records them (activities/item-events/): each kind's rows, audit entry
 * and notices.
 */

export interface ItemRef {
  itemKey: string;
  title: string;
}

export type ItemEvent = ItemRef & {
  actor: string;
  /** The caller's request (X-Request-ID): traced on the audit row, never part of a key, since a client may send one twice. */
  requestId?: string;
  /**
   * The event's own id, minted by the workflow: the key of the audit row and
   * notices of events that may happen more than once (reassignment, completion
   * request and decision). Absent from events of older workflow code.
   */
  eventId?: string;
  /** The item's clock, for the business date of events that happen "today". */
  anchor: ClockAnchor;
  /** The working day the event belongs to, where it has its own (a reminder's, a rung's). */
  businessDate?: string;
  /** The round of a reopened item (2, 3, ...): its one-time events are keyed apart from the earlier rounds'. */
  round?: number;
} & (
    | { kind: 'acknowledged'; department: string; role?: 'cooperating' }
    | { kind: 'report'; receipt: ReportReceipt; report: SubmitReportInput; lead: string; secretariat: string }
    | {
        kind: 'review';
        periodSeq: number;
        version: number;
        decision: 'accept' | 'return';
        comment?: string;
        newDueOn?: string;
        lead: string;
        /** On an acceptance, the workflow's verdicts (domain/on-time.ts): by the due instant in force... */
        onTime?: boolean;
        /** ...and by the end of the original due date; absent from older workflow code. */
        onTimeOriginal?: boolean;
      }
    | { kind: 'reminder'; subject?: 'report' | 'final' | 'instruction'; instructionKey?: string; periodSeq: number; offset: number; dueOn: string; lead: string }
    | { kind: 'escalation'; subject: 'report' | 'acknowledgement' | 'final' | 'instruction'; instructionKey?: string; periodSeq: number; rung: RungEvent; dueOn: string; lead: string; secretariat: string }
    | { kind: 'extension-requested'; extensionId: string; periodSeq: number; requestedDueOn: string; reason: string; department: string; secretariat: string }
    | { kind: 'extension-decided'; extensionId: string; approve: boolean; dueOn?: string; comment?: string; lead: string }
    | { kind: 'reassigned'; from: string; to: string; reason: string }
    | { kind: 'instruction'; instructionKey: string; text: string; recipients: string[]; seq?: number; feedbackDueOn?: string }
    | { kind: 'feedback'; instructionKey: string; seq: number; text: string; late: boolean; dueOn: string; department: string; secretariat: string }
    /** The co-operating inputs of a period: a reminder to the departments still silent, or their one 催办 (the lead is told). */
    | { kind: 'input-due'; stage: 'reminder' | 'chase'; periodSeq: number; offset: number; dueOn: string; departments: string[]; lead: string }
    | { kind: 'completion-requested'; summary: string; department: string; secretariat: string }
    | { kind: 'completion-decided'; approve: boolean; grade?: Grade; comment?: string; lead: string }
    | { kind: 'cancelled'; reason: string; recipients: string[] }
    /** 分解下达: the cities whose shares this cascade started, and those it found already there (audit only). */
    | { kind: 'cascaded'; cities: { code: string; weight?: number }[]; started: string[]; existing: string[] }
    | { kind: 'blocked'; reason: string; secretariat: string }
  );

export type ItemEventKind = ItemEvent['kind'];

/** One kind of event, with the working day it belongs to settled (the record and its notices are keyed by it). */
export type DatedEvent<K extends ItemEventKind = ItemEventKind> = Extract<ItemEvent, { kind: K }> & { businessDate: string };

/** The key of an event that may come again: its own id; events from older workflow code keep the key they were recorded under. */
export function eventKey(ev: { eventId?: string }, before: string): string {
  return ev.eventId ?? before;
}

/** The key suffix of a reopened item's round; nothing for the first, so earlier keys stay as they were. */
export function roundKey(ev: { round?: number }): string {
  return ev.round && ev.round > 1 ? `:r${ev.round}` : '';
}
