import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../../db/connection';
import { mapLimited } from '../../platform/limited';
import type { Logger } from '../../platform/logger';
import { calendarChangedSignal, OPEN_STATUSES } from '../../workflows/definitions';

/** What became of the open items told of a calendar change. */
export interface CalendarNotice {
  /** Signalled: they re-time their deadlines (and a blocked one resumes). */
  told: number;
  /** Closed since their row was read: nothing to re-time. */
  closed: number;
  /** Not reached after every attempt: they keep their old deadlines until told again. */
  failed: { workflowId: string; error: string }[];
}

export interface CalendarNoticeOptions {
  /** Signals in flight at once. */
  concurrency?: number;
  /** Tries per item (and for the namespace check) before it counts as failed. */
  attempts?: number;
  /** The wait before the second try; it doubles for each one after. */
  backoffMs?: number;
  /** The bound on one call to Temporal. */
  callTimeoutMs?: number;
}

const DEFAULTS: Required<CalendarNoticeOptions> = { concurrency: 8, attempts: 4, backoffMs: 250, callTimeoutMs: 5_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Runs `fn` up to `attempts` times, waiting longer after each failure; `final` errors are not retried. */
async function withRetries<T>(o: Required<CalendarNoticeOptions>, final: (err: unknown) => boolean, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (final(err) || attempt >= o.attempts) throw err;
      await sleep(o.backoffMs * 2 ** (attempt - 1));
    }
  }
}

/**
 * After an administrator loads or replaces a year, every open item re-times
 * its deadlines (and a blocked one resumes): each gets the calendarChanged
 * signal. Temporal answers "not found" both for a closed workflow and for a
 * namespace that does not exist, so the namespace is checked first: otherwise
 * a misconfigured client would pass every item off as closed. Any other
 * failure is retried, then logged with the workflow id and reported.
 */
export async function signalCalendarChanged(client: Client, db: Db, log: Logger, options: CalendarNoticeOptions = {}): Promise<CalendarNotice> {
  const o = { ...DEFAULTS, ...options };
  const open = (await db('assignments').whereIn('status', OPEN_STATUSES as string[]).orderBy('id').pluck('workflow_id')) as string[];
  const notice: CalendarNotice = { told: 0, closed: 0, failed: [] };
  if (!open.length) return notice;
  const bounded = <T>(fn: () => Promise<T>) => client.withDeadline(Date.now() + o.callTimeoutMs, fn);

  const namespace = client.options.namespace;
  try {
    await withRetries(o, () => false, () => bounded(() => client.workflowService.describeNamespace({ namespace })));
  } catch (err) {
    const error = `namespace ${namespace} not reachable: ${message(err)}`;
    log.error({ err, namespace, workflowIds: open }, 'open items not told of the calendar change: Temporal namespace not reachable');
    return { ...notice, failed: open.map((workflowId) => ({ workflowId, error })) };
  }

  await mapLimited(open, o.concurrency, async (workflowId) => {
    try {
      await withRetries(o, (err) => err instanceof WorkflowNotFoundError, () => bounded(() => client.workflow.getHandle(workflowId).signal(calendarChangedSignal)));
      notice.told += 1;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        notice.closed += 1;
        log.debug({ workflowId }, 'item closed since its row was read: nothing to re-time');
        return;
      }
      notice.failed.push({ workflowId, error: message(err) });
      log.error({ err, workflowId }, 'open item not told of the calendar change');
    }
  });
  notice.failed.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
  return notice;
}
