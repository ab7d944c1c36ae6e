/**
 * The item workflow's behaviour changes since the first release, each guarded
 * by a patch as in Temporal's patching sample, and the old paths that runs
 * recorded before a change still take, as named functions.
 *
 * A patch's life (docs/patches.md): patched(id) when the change lands; once no
 * open run lacks the newer marker (an operator counts the running itemWorkflow
 * executions whose TemporalChangeVersion lacks it: none), deprecatePatch(id)
 * for one release, so runs recorded with the marker still replay; then the
 * call and the old path go. None is retired yet: the recorded histories in
 * test/histories/ replay runs from before every one of these markers.
 */
import { allHandlersFinished, condition, patched, workflowInfo } from '@temporalio/workflow';
import { isOpen } from '../../domain/ladder';
import type { ItemState } from '../../domain/item/state';
import type { ItemLoop } from './loop';

/**
 * Read once, when a run starts: a run that replays a history recorded before a
 * change keeps the old behaviour to its end, and takes the new one at its next
 * continue-as-new.
 */
export const PATCHES = {
  /** Handlers and the main loop change state under one lock. */
  lock: 'handlers-under-one-lock',
  /** The mirror is written before waiting for handlers, so none is abandoned at continue-as-new. */
  syncThenDrain: 'sync-then-drain',
  /** A write answers only once the mirror shows it. */
  readYourWrites: 'handlers-sync-mirror',
  /** The final deadline is chased: reminders, then its own ladder (逾期未办结). */
  finalDeadline: 'final-deadline-ladder',
  /** An effect that failed for good is recorded and passed over; the item goes on. */
  surviveFailures: 'survive-failed-effects',
  /** Catch-up due dates for periods the department never had time for. */
  catchUp: 'catch-up-due-dates',
  /**
   * Each event carries an id minted here, which keys its audit row and notices:
   * a second A→B reassignment is announced again, and a caller's request id never merges two events.
   */
  eventIds: 'workflow-minted-event-ids',
  /**
   * A handler first fires, in order, the reminders and rungs whose moment has
   * passed and that the loop has not fired yet (no worker ran, or it was
   * busy): a report that comes in after a rung fell due never erases that rung.
   */
  overdueFirst: 'overdue-before-handlers',
  /**
   * Fewer commands for the same mirror: a reminder (it changes nothing the
   * mirror or the search attributes hold) is not followed by a mirror write,
   * and search attributes are upserted only when one of them changed.
   */
  quietMirror: 'quiet-mirror',
  /** Deadlines are computed by local activities (localDeadlines). */
  localDeadlines: 'local-deadline-activities',
} as const;

/**
 * One marker for every patch above, recorded by runs started since. PATCHES is
 * closed from here on: runs holding this marker replay with exactly these
 * behaviours, so a later change gets a patched() call of its own beside this.
 */
export const ALL_PATCHES = 'all-behaviours-2026-11';

/**
 * The supervision loop (issue 11), for runs started since: co-operating
 * departments 签收 and have their own input deadline, reminders and one 催办;
 * an instruction (批示) asks for 落实反馈 by a date, reminded and chased up
 * the ladder like a report; a consolidated report lists which inputs arrived
 * and when, and which did not.
 */
export const SUPERVISION_LOOP = 'supervision-loop-2026-11';

export type Behaviours = Record<keyof typeof PATCHES, boolean> & {
  /** The supervision loop (SUPERVISION_LOOP). */
  loop: boolean;
};

/** The run's behaviours. The patched() calls come in this order, always: ALL_PATCHES, each of PATCHES while it is absent, then SUPERVISION_LOOP. */
export function behaviours(): Behaviours {
  // Every patch writes a marker and a search-attribute upsert (TemporalChangeVersion) into each run's
  // history, ten of them a run; a run started today records one that stands for all. Runs started
  // before it read their own markers, in the order they always did.
  const all = patched(ALL_PATCHES);
  const flags = Object.fromEntries(Object.entries(PATCHES).map(([flag, id]) => [flag, all || patched(id)])) as Record<keyof typeof PATCHES, boolean>;
  return { ...flags, loop: patched(SUPERVISION_LOOP) };
}

// ---- the old paths, for runs recorded before a patch ----
//
// Each stands in for a whole step of the newer path, and awaits exactly what it
// awaited when it was written: the order in which a handler and the main loop
// issue commands within one workflow task follows from those awaits.

/** Before `lock`: a year with no calendar blocks the item right where the deadline was asked for, until a calendar comes or the item closes. */
export function waitForCalendarBeforeLock(run: ItemLoop, calendarSeen: number): Promise<void> {
  return condition(() => run.calendarVersion !== calendarSeen || !isOpen(run.state));
}

/** Before `syncThenDrain`: at a period boundary or when suggested, wait for every handler, write the mirror once, continue as new. */
export async function continueAsNewBeforeSyncThenDrain(run: ItemLoop, boundary: boolean): Promise<void> {
  if (!boundary && !workflowInfo().continueAsNewSuggested) return;
  await condition(allHandlersFinished);
  await run.sync();
  await run.continueAsNew();
}

/** Before `syncThenDrain`: the item closed; wait for every handler, then write the mirror once. */
export async function finishBeforeSyncThenDrain(run: ItemLoop): Promise<void> {
  await condition(allHandlersFinished);
  run.dirty = true;
  await run.sync();
}

/** Before `finalDeadline`: the search attribute's next due instant, the acknowledgement's or the open period's only. */
export function nextDueBeforeFinalLadder(s: ItemState): number | undefined {
  const p = s.period && s.period.status !== 'accepted' ? s.period : undefined;
  return s.status === 'assigned' ? s.ack?.dueAt : p?.dueAt;
}
