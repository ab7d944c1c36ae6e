/**
 * One assigned item, one long-running workflow: from assignment (已交办) through
 * acknowledgement (已签收) and the reporting periods (推进中) to completion
 * (已办结) or cancellation (已撤销). It owns the process state; activities
 * compute every deadline from the working-day calendar and write the mirror
 * rows, the audit trail and the notifications.
 *
 * In the shape of Temporal's safe-message-handlers sample: this file wires
 * each handler to a method of ItemRun (run.ts) and runs the main loop
 * (loop.ts); the request rules and the state changes are pure, in
 * domain/item/; the patches and the paths of older runs are in behaviours.ts.
 */
import { condition, currentUpdateInfo, setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { isOpen, nextDue } from '../../domain/ladder';
import type { ItemRequests, RequestKind } from '../../domain/item/requests';
import type { ItemState } from '../../domain/item/state';
import * as d from '../definitions';
import { behaviours } from './behaviours';
import { ItemRun } from './run';

export async function itemWorkflow(input: d.ItemWorkflowInput): Promise<ItemState> {
  const run = new ItemRun(input, behaviours());

  // In the order they were always registered: a message buffered before its handler is delivered at registration.
  setHandler(d.stateQuery, () => run.state);
  setHandler(d.calendarChangedSignal, () => run.calendarChanged());
  setHandler(d.assignmentUpdate, () => run.assignment());
  update(run, d.acknowledgeUpdate, 'acknowledge', (req) => run.acknowledge(req));
  update(run, d.submitReportUpdate, 'submitReport', (req) => run.submitReport(req));
  update(run, d.reviewReportUpdate, 'reviewReport', (req) => run.reviewReport(req));
  update(run, d.requestExtensionUpdate, 'requestExtension', (req) => run.requestExtension(req));
  update(run, d.decideExtensionUpdate, 'decideExtension', (req) => run.decideExtension(req));
  update(run, d.reassignLeadUpdate, 'reassignLead', (req) => run.reassignLead(req));
  update(run, d.instructUpdate, 'instruct', (req) => run.instruct(req));
  update(run, d.fileFeedbackUpdate, 'fileFeedback', (req) => run.fileFeedback(req));
  update(run, d.requestCompletionUpdate, 'requestCompletion', (req) => run.requestCompletion(req));
  update(run, d.decideCompletionUpdate, 'decideCompletion', (req) => run.decideCompletion(req));
  update(run, d.cancelUpdate, 'cancel', (req) => run.cancel(req));
  setHandler(d.cityReportSignal, (report) => run.cityReport(report));
  setHandler(d.parentClosedSignal, (req) => run.parentClosed(req));
  update(run, d.cascadeUpdate, 'cascade', (req) => run.cascade(req));

  // The main loop. Between its awaits nothing else runs; the awaits themselves are as they always were,
  // since they order this loop's commands against the handlers' within a workflow task.
  const { state: s, flags, lock } = run;
  if (run.first) await run.recordAssignment();
  while (isOpen(s)) {
    // Taken before any await: a handler that runs meanwhile wakes the wait below.
    const seen = run.version;
    if (flags.lock) {
      const crossed = await lock.run(() => run.step());
      if (crossed) await run.continueAsNewIfDue(true);
      await lock.run(() => run.sync());
    } else {
      // Runs from before the lock, as first released: after a period's transition, continue as new if more follow, or if suggested.
      const crossed = await run.step();
      if (crossed !== undefined) await run.continueAsNewIfDue(crossed);
      await run.sync();
    }
    run.mirrored = true;
    // Wait for a handler, for work, or for the next reminder or rung, and fire it when its moment comes.
    const due = nextDue(s);
    const wake = () => run.version !== seen || run.pendingWork() || !isOpen(s);
    const woken = due ? await condition(wake, Math.max(0, due.event.at - Date.now())) : (await condition(wake), true);
    if (!woken && due) await (flags.lock ? run.fireStillDue() : run.fire(due));
    await run.continueAsNewIfDue(false);
  }
  await run.finish();
  return s;
}

/**
 * One update handler. Its validator refuses what cannot succeed before
 * anything is recorded (domain/item/requests.ts). Under the lock (new runs)
 * the handler checks again, since another handler or the main loop may have
 * moved the state while it waited, fires what fell due before it came in, and
 * answers only once the mirror shows its effect.
 */
function update<K extends RequestKind, Ret>(run: ItemRun, def: UpdateDefinition<Ret, [ItemRequests[K]]>, kind: K, act: (req: ItemRequests[K]) => Promise<Ret>): void {
  const { flags } = run;
  setHandler(
    def,
    async (req) => {
      // When the update came in: what was due by then is owed, whatever the handler waits for first.
      const arrived = Date.now();
      await run.ready();
      if (!flags.lock) return act(req);
      return run.lock.run(async () => {
        const before = answeredEarlier(run);
        if (before) return before.answer as Ret;
        run.refuse(kind, req);
        if (flags.overdueFirst) await run.fireOverdue(arrived);
        const answer = await act(req);
        const id = currentUpdateInfo()?.id;
        if (id !== undefined) run.apply({ kind: 'answered', id, answer });
        if (flags.readYourWrites) await run.sync();
        return answer;
      });
    },
    { validator: (req) => (flags.lock && answeredEarlier(run) ? undefined : run.refuse(kind, req)) },
  );
}

/**
 * Temporal dedupes an update id within a run only: a caller retrying after a
 * timeout may reach the next run. The last answers travel with the state
 * across continue-as-new, so the retry gets the first answer back.
 */
function answeredEarlier(run: ItemRun): { id: string; answer: unknown } | undefined {
  const id = currentUpdateInfo()?.id;
  return id === undefined ? undefined : run.state.answered?.find((a) => a.id === id);
}
