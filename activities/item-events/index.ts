import type { DatedEvent, ItemEventKind } from '../../domain/item/events';
import { recordAcknowledgement } from './acknowledgement';
import { recordBlocked } from './blocked';
import { recordCancellation, recordCascade } from './cancellation';
import { recordCompletionDecision, recordCompletionRequest } from './completion';
import type { EventContext } from './context';
import { recordEscalation } from './escalations';
import { recordExtensionDecision, recordExtensionRequest } from './extensions';
import { recordFeedback, recordInstruction } from './instructions';
import { recordReassignment } from './reassignment';
import { recordInputDue, recordReminder } from './reminders';
import { recordReport, recordReview } from './reports';

/**
 * The events of an item's life, one file per family: each writes its rows
 * and audit entry, then sends the notices its pure `notices()` words.
 */

type Recorder<K extends ItemEventKind> = (ctx: EventContext, ev: DatedEvent<K>) => Promise<void>;

const RECORDERS: { [K in ItemEventKind]: Recorder<K> } = {
  acknowledged: recordAcknowledgement,
  report: recordReport,
  review: recordReview,
  reminder: recordReminder,
  escalation: recordEscalation,
  'extension-requested': recordExtensionRequest,
  'extension-decided': recordExtensionDecision,
  reassigned: recordReassignment,
  instruction: recordInstruction,
  feedback: recordFeedback,
  'input-due': recordInputDue,
  'completion-requested': recordCompletionRequest,
  'completion-decided': recordCompletionDecision,
  cancelled: recordCancellation,
  cascaded: recordCascade,
  blocked: recordBlocked,
};

/** One event of the item's life: its rows, its audit entry, its notices. */
export function recordEvent(ctx: EventContext, ev: DatedEvent): Promise<void> {
  // Each kind's recorder takes that kind: the table is typed so, the lookup cannot say it.
  return (RECORDERS[ev.kind] as Recorder<ItemEventKind>)(ctx, ev);
}
