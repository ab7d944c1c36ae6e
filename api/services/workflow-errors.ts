import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import { HttpError } from '../errors';

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

/**
 * Runs a workflow update and turns its refusal into the API's answer: a state
 * the request does not fit is 409, a bad date 422, an item not assigned 404.
 */
export async function throughWorkflow<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'not_assigned', 'the item is not assigned (no workflow runs for it)');
    if (err instanceof WorkflowUpdateFailedError) {
      const why = refusalReason(err);
      const message = why?.message ?? err.message;
      if (why?.type === 'InvalidDueDate' || why?.type === 'InvalidDate' || why?.type === 'CalendarNotLoaded') throw new HttpError(422, 'invalid_date', message);
      if (why?.type === 'UnknownDepartment') throw new HttpError(422, 'unknown_department', message);
      // Data the database or a notice refused (activities/failures.ts, notifications.ts): the request's, not a conflict.
      if (why?.type === 'InvalidData' || why?.type === 'InvalidNotification') throw new HttpError(422, 'invalid_data', message);
      throw new HttpError(409, 'conflict', message);
    }
    throw err;
  }
}
