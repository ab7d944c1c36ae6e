import { isGrpcCancelledError, isGrpcDeadlineError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { HttpError } from '../errors';

export const DEFAULT_UPDATE_WAIT_MS = 10_000;

/** Did a Temporal call give up at our deadline (or our cancel), rather than fail on its own? */
function gaveUpWaiting(err: unknown): boolean {
  return err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(err) || isGrpcCancelledError(err);
}

/** 503 `busy`: the workflow has not answered yet; the same request (same Idempotency-Key) may be retried. */
export function busy(waitMs: number, message = `the item's workflow did not answer within ${waitMs} ms; retry with the same Idempotency-Key`): HttpError {
  const retryAfter = String(Math.max(1, Math.ceil(waitMs / 1000)));
  return new HttpError(503, 'busy', message, undefined, {
    'Retry-After': retryAfter,
  });
}

/** The error as the API answers it: 503 busy when Temporal gave up at our deadline, otherwise unchanged. */
export function busyIfGaveUp(err: unknown, waitMs = DEFAULT_UPDATE_WAIT_MS): unknown {
  return gaveUpWaiting(err) ? busy(waitMs) : err;
}

/**
 * Runs `fn` with every Temporal call in it bounded by one deadline, so an API
 * write never hangs on a workflow that is not being processed (no worker, a
 * long history replay): past the deadline the answer is 503 with Retry-After.
 * An update sent with a fixed update id stays in the workflow and a retry
 * attaches to it, so giving up here never loses or doubles the write.
 */
export async function withinWait<T>(client: Client, waitMs: number | undefined, fn: () => Promise<T>): Promise<T> {
  const ms = waitMs ?? DEFAULT_UPDATE_WAIT_MS;
  try {
    return await client.withDeadline(Date.now() + ms, fn);
  } catch (err) {
    throw busyIfGaveUp(err, ms);
  }
}
