import { isGrpcServiceError, ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import { OPEN_STATUSES } from '../../workflows/definitions';
import { HttpError } from '../errors';
import { busy } from './bounded-wait';

/** The innermost application failure of a failed update: the workflow's own reason. */
export function refusalReason(err: unknown): ApplicationFailure | undefined {
  let cur: unknown = err;
  let found: ApplicationFailure | undefined;
  while (cur instanceof Error) {
    if (cur instanceof ApplicationFailure) found = cur;
    cur = (cur as TemporalFailure).cause;
  }
  return found;
}

/** What the mirror says of the item the update is for: whether it is assigned, and its status. */
export interface MirroredItem {
  assigned: boolean;
  status?: string;
}

/**
 * No workflow answered for the item. Not assigned: 404. Assigned and open:
 * the workflow is between two runs (continue-as-new) or its start is not yet
 * visible, so the same request will find it in a moment: 503 with
 * Retry-After. Completed or cancelled: its workflow has ended: 409.
 */
function noWorkflow(item: MirroredItem | undefined): HttpError {
  if (!item?.assigned) return new HttpError(404, 'not_assigned', 'the item is not assigned (no workflow runs for it)');
  if (item.status && !(OPEN_STATUSES as readonly string[]).includes(item.status)) return new HttpError(409, 'conflict', `the item is ${item.status}: its workflow has ended`);
  return busy(1_000, "the item's workflow is between two runs; retry with the same Idempotency-Key");
}

/** gRPC FAILED_PRECONDITION. */
const FAILED_PRECONDITION = 9;

/**
 * The server dropped the update without applying it: the workflow task that
 * carried it failed (a worker died mid-task, or the task raced a
 * continue-as-new). Sent again under the same update id, it is taken once.
 */
function updateDropped(err: unknown): boolean {
  return err instanceof ServiceError && isGrpcServiceError(err.cause) && err.cause.code === FAILED_PRECONDITION;
}

/**
 * Runs a workflow update and turns its refusal into the API's answer: a state
 * the request does not fit is 409, a bad date 422, an item not assigned 404.
 */
export async function throughWorkflow<T>(fn: () => Promise<T>, item?: MirroredItem): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw noWorkflow(item);
    if (updateDropped(err)) throw busy(1_000, "the item's workflow could not take the write just now; retry with the same Idempotency-Key");
    if (err instanceof WorkflowUpdateFailedError) {
      const why = refusalReason(err);
      const message = why?.message ?? err.message;
      if (why?.type === 'InvalidDueDate' || why?.type === 'InvalidDate' || why?.type === 'CalendarNotLoaded') throw new HttpError(422, 'invalid_date', message);
      if (why?.type === 'UnknownDepartment') throw new HttpError(422, 'unknown_department', message);
      // Data the database or a notice refused (activities/failures.ts, notifications/outbox.ts): the request's, not a conflict.
      if (why?.type === 'InvalidData' || why?.type === 'InvalidNotification') throw new HttpError(422, 'invalid_data', message);
      throw new HttpError(409, 'conflict', message);
    }
    throw err;
  }
}
