/**
 * One assigned item, one long-running workflow: from assignment (已交办) through
 * acknowledgement (已签收) and the reporting periods (推进中) to completion
 * (已办结) or cancellation (已撤销). It owns the process state; activities
 * compute every deadline from the working-day calendar and write the mirror
 * rows, the audit trail and the notifications.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, type UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../activities';
import type { ItemEvent } from '../activities/items';
import { finalLevel, inputsOwed, isOpen, markFired, nextDeadline, nextDue, openEscalationLevel, openFeedbackLevel, type Due } from '../domain/ladder';
import { onTimeVerdict } from '../domain/on-time';
import { TEXT_LIMITS, textProblem, type TextLimit } from '../domain/text';
import * as d from './definitions';
import { Lock } from './lock';

const acts = proxyActivities<Activities>({
  // Short database writes: a worker that dies mid-activity is noticed within this.
  startToCloseTimeout: '15 seconds',
  // Effects are idempotent, so retrying until they succeed is safe; nothing is dropped.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Deadline arithmetic on the working-day calendar only reads, so on new runs
 * (localDeadlines) it runs as a local activity: in the worker, within the
 * workflow task, without the three history events and the extra workflow task
 * of an ordinary one.
 */
const localDeadlines = proxyLocalActivities<
  Pick<Activities, 'planAcknowledgement' | 'retimeAcknowledgement' | 'planReportingPeriod' | 'retimeReportingPeriod' | 'planFinalDeadline' | 'checkDueDate' | 'planInstructionFeedback'>
>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function reject(message: string): never {
  throw ApplicationFailure.create({ message, type: 'InvalidRequest', nonRetryable: true });
}
function requireText(value: unknown, field: string, limit: TextLimit): void {
  const problem = textProblem(value, TEXT_LIMITS[limit]);
  if (problem) reject(`${field} ${problem}`);
}
function requireDate(value: unknown, field: string): void {
  if (typeof value !== 'string' || !DATE.test(value)) reject(`${field} must be a date as YYYY-MM-DD`);
}
function requireActor(input: d.Actor): void {
  requireText(input?.actor, 'actor', 'name');
}
function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}
/** An activity that failed for good: retrying cannot help (bad data, unknown department, a notice that cannot be built). */
function failedForGood(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && cause.nonRetryable === true;
}
/** The activity's own message: an ordinary activity's failure wraps it, a local activity's failure arrives as it is. */
function failureMessage(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? cause.message : undefined;
}

/**
 * The behaviour changes since the first release, each guarded by its own
 * patch, as in Temporal's patching sample. They are read once, when a run
 * starts: a run that replays a history recorded before a change keeps the old
 * behaviour to its end, and takes the new one at its next continue-as-new.
 */
const PATCHES = {
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
const ALL_PATCHES = 'all-behaviours-2026-11';

/**
 * The supervision loop (issue 11), for runs started since: co-operating
 * departments 签收 and have their own input deadline, reminders and one 催办;
 * an instruction (批示) asks for 落实反馈 by a date, reminded and chased up
 * the ladder like a report; a consolidated report lists which inputs arrived
 * and when, and which did not.
 */
const SUPERVISION_LOOP = 'supervision-loop-2026-11';

function behaviours(): Record<keyof typeof PATCHES, boolean> {
  // Every patch writes a marker and a search-attribute upsert (TemporalChangeVersion) into each run's
  // history, ten of them a run; a run started today records one that stands for all. Runs started
  // before it read their own markers, in the order they always did.
  const all = patched(ALL_PATCHES);
  return Object.fromEntries(Object.entries(PATCHES).map(([flag, id]) => [flag, all || patched(id)])) as Record<keyof typeof PATCHES, boolean>;
}

export async function itemWorkflow(input: d.ItemWorkflowInput): Promise<d.ItemState> {
  const flags = behaviours();
  const loop = patched(SUPERVISION_LOOP);
  const first = input.carried === undefined;
  const s: d.ItemState = input.carried ?? {
    itemKey: input.itemKey,
    status: 'assigned',
    lead: input.lead,
    cooperating: [...input.cooperating],
    assignedAt: Date.now(),
    nextPeriodSeq: input.reopen?.firstPeriodSeq ?? 1,
    periodsDone: false,
    acceptedPeriods: 0,
    escalationLevel: 0,
    instructions: 0,
    runs: 1,
  };
  // The clock's anchor: the day of assignment began at assignedAt (the start date on items from before assignedOn).
  const anchor = { date: input.assignedOn ?? input.startDate, at: s.assignedAt };
  const policy: d.ItemPolicy = {
    ...(flags.catchUp ? { catchUpWorkingDays: d.CATCH_UP_WORKING_DAYS } : {}),
    ...(loop ? { coopLeadWorkingDays: d.COOP_LEAD_WORKING_DAYS } : {}),
    ...input.policy,
  };
  const deadlines = flags.localDeadlines ? localDeadlines : acts;
  const lock = new Lock();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => (flags.lock ? lock.run(fn) : fn());

  // Updates may arrive before the assignment row exists; their effects wait for it.
  let recorded = !first;
  const ready = () => condition(() => recorded);
  let mirrored = !first;

  // Every handler bumps the version; the main loop wakes on it.
  let version = 0;
  let retimeWanted = false;
  let calendarVersion = 0;
  // The calendar version an item was blocked under: a newer one is worth another try. A carried block is retried at once.
  let blockedUnder = s.blocked ? -1 : 0;
  let dirty = true;
  const changed = () => {
    version += 1;
    dirty = true;
  };
  // The id is minted once per event (uuid4 is deterministic on replay); the activity's retries carry the same one.
  const event = (e: DistributiveOmit<ItemEvent, 'itemKey' | 'title' | 'anchor' | 'eventId'>) =>
    acts.recordItemEvent({
      ...e,
      itemKey: input.itemKey,
      title: input.title,
      anchor,
      ...(input.reopen ? { round: input.reopen.round } : {}),
      ...(flags.eventIds ? { eventId: uuid4() } : {}),
    } as ItemEvent);
  const parties = () => [s.lead, ...s.cooperating];
  // An instruction's open 落实反馈 rungs stay open beside the final deadline's (only runs with the supervision loop have any).
  const openLevel = () => (flags.finalDeadline ? Math.max(finalLevel(s), openFeedbackLevel(s)) : 0);

  const requireOpen = () => {
    if (!isOpen(s)) reject(`the item is ${s.status}`);
  };
  const requireReporting = () => {
    if (s.status !== 'acknowledged' && s.status !== 'in_progress') reject(`the item is ${s.status}, not in progress`);
  };
  const requireLead = (department: string | undefined) => {
    if (department !== s.lead) reject(`department ${department ?? '(none)'} is not the lead department of this item`);
  };
  const currentPeriod = (): d.PeriodState => {
    if (!s.period) reject('there is no open reporting period');
    return s.period as d.PeriodState;
  };

  // ---- the mirror ----

  // What this run last upserted (quietMirror): the same values again add only an event to the history.
  let published: string | undefined;
  const publish = () => {
    let nextDueAt: number | undefined;
    if (flags.finalDeadline) nextDueAt = nextDeadline(s)?.at;
    else {
      const p = s.period && s.period.status !== 'accepted' ? s.period : undefined;
      nextDueAt = s.status === 'assigned' ? s.ack?.dueAt : p?.dueAt;
    }
    if (flags.quietMirror) {
      const values = JSON.stringify([s.status, s.lead, s.escalationLevel, isOpen(s) ? nextDueAt : null]);
      if (values === published) return;
      published = values;
    }
    upsertSearchAttributes([
      { key: d.statusSA, value: s.status },
      { key: d.leadSA, value: s.lead },
      { key: d.escalationLevelSA, value: s.escalationLevel },
      { key: d.nextDueSA, value: nextDueAt !== undefined && isOpen(s) ? new Date(nextDueAt) : null },
    ]);
  };
  /** Writes the state to PostgreSQL; under the lock (new runs), so mirror writes land in the order of the states they carry. */
  const sync = async () => {
    if (!dirty) return;
    dirty = false;
    publish();
    try {
      // The remembered answers stay in the workflow: the mirror has no use for them.
      await acts.syncItem(flags.lock ? { ...s, answered: undefined } : s);
    } catch (err) {
      if (!flags.surviveFailures || !failedForGood(err)) throw err;
      log.error('mirror write failed for good; the next change writes it again', { error: failureMessage(err) });
    }
  };

  /**
   * One update handler. Its validator refuses what cannot succeed before
   * anything is recorded. Under the lock (new runs) the handler checks again,
   * since another handler or the main loop may have moved the state while it
   * waited, and answers only once the mirror shows its effect.
   */
  const handle = <Ret, I>(def: UpdateDefinition<Ret, [I]>, validate: (req: I) => void, run: (req: I) => Promise<Ret>) => {
    setHandler(
      def,
      async (req: I) => {
        // When the update came in: what was due by then is owed, whatever the handler waits for first.
        const arrived = Date.now();
        await ready();
        if (!flags.lock) return run(req);
        return lock.run(async () => {
          const before = answeredEarlier();
          if (before) return before.answer as Ret;
          validate(req);
          if (flags.overdueFirst) await fireOverdue(arrived);
          const answer = await run(req);
          remember(answer);
          if (flags.readYourWrites) await sync();
          return answer;
        });
      },
      { validator: (req: I) => (flags.lock && answeredEarlier() ? undefined : validate(req)) },
    );
  };
  // Temporal dedupes an update id within a run only: a caller retrying after a timeout may reach the next run.
  // The last answers travel with the state across continue-as-new, so the retry gets the first answer back.
  const answeredEarlier = () => {
    const id = currentUpdateInfo()?.id;
    return id === undefined ? undefined : s.answered?.find((a) => a.id === id);
  };
  const remember = (answer: unknown) => {
    const id = currentUpdateInfo()?.id;
    if (id !== undefined) s.answered = [...(s.answered ?? []), { id, answer }].slice(-d.REMEMBERED_ANSWERS);
  };

  setHandler(d.stateQuery, () => s);
  setHandler(d.calendarChangedSignal, () => {
    retimeWanted = true;
    calendarVersion += 1;
    changed();
  });
  setHandler(d.assignmentUpdate, async () => {
    await condition(() => recorded && mirrored);
    return { status: s.status, acknowledgeBy: s.ack?.dueOn };
  });

  handle(
    d.acknowledgeUpdate,
    (req) => {
      requireActor(req);
      if (loop && s.cooperating.includes(req.department)) {
        requireOpen();
        if (s.coopAcks?.[req.department] !== undefined) reject(`department ${req.department} has already acknowledged this item`);
        return;
      }
      if (s.status !== 'assigned') reject(`the item is ${s.status}; only an assigned item is acknowledged`);
      requireLead(req.department);
    },
    async (req) => {
      if (loop && s.cooperating.includes(req.department)) {
        // A co-operating department's 签收: recorded and shown; the item's own state is the lead's.
        await event({ kind: 'acknowledged', department: req.department, role: 'cooperating', actor: req.actor, requestId: req.requestId });
        s.coopAcks = { ...s.coopAcks, [req.department]: Date.now() };
        changed();
        return s.status;
      }
      await event({ kind: 'acknowledged', department: req.department, actor: req.actor, requestId: req.requestId });
      s.status = 'acknowledged';
      s.escalationLevel = openLevel();
      changed();
      return s.status;
    },
  );

  handle(
    d.submitReportUpdate,
    (req) => {
      requireActor(req);
      requireReporting();
      const p = currentPeriod();
      if (p.status === 'accepted' || p.status === 'closed') reject(`period ${p.seq} is ${p.status}`);
      if (req.periodSeq !== p.seq) reject(`periodSeq ${req.periodSeq} is not the open period (${p.seq})`);
      if (req.department !== s.lead && !s.cooperating.includes(req.department)) reject(`department ${req.department} is neither lead nor co-operating on this item`);
      requireText(req.progress, 'progress', 'long');
      if (!Number.isInteger(req.percentDone) || req.percentDone < 0 || req.percentDone > 100) reject('percentDone must be a whole number from 0 to 100');
      if (req.problems !== undefined) requireText(req.problems, 'problems', 'long');
      if (req.nextSteps !== undefined) requireText(req.nextSteps, 'nextSteps', 'long');
      if (req.attachments !== undefined) {
        if (!Array.isArray(req.attachments) || req.attachments.length > 20) reject('attachments must be a list of at most 20 links');
        req.attachments.forEach((a: unknown, i: number) => {
          if (typeof a !== 'string' || !/^https?:\/\/\S{1,1000}$/.test(a)) reject(`attachments[${i}] must be an http(s) link`);
        });
      }
      if (req.indicators !== undefined) {
        if (!Array.isArray(req.indicators) || req.indicators.length > 50) reject('indicators must be a list of at most 50 values');
        req.indicators.forEach((v: unknown, i: number) => {
          const { name, value } = (v ?? {}) as Partial<d.IndicatorValue>;
          requireText(name, `indicators[${i}].name`, 'name');
          if (typeof value !== 'number' || !Number.isFinite(value)) reject(`indicators[${i}].value must be a number`);
        });
      }
    },
    async (req) => {
      const p = currentPeriod();
      const kind = req.department === s.lead ? 'consolidated' : 'input';
      const inputVersion = () => p.inputs.filter((i) => i.department === req.department).length + 1;
      // Old runs reserve the version before the await, so two reports filed at once get distinct versions;
      // under the lock nothing runs meanwhile, and a report that fails to record leaves no trace.
      const version = kind === 'consolidated' ? (flags.lock ? p.consolidatedVersions + 1 : ++p.consolidatedVersions) : inputVersion();
      const receipt: d.ReportReceipt = {
        receiptId: uuid4(),
        periodSeq: p.seq,
        department: req.department,
        kind,
        version,
        receivedAt: Date.now(),
        ...(kind === 'consolidated' ? (loop ? { inputs: latestInputs(p, true), missingInputs: inputsOwed(s) } : { inputs: latestInputs(p) }) : {}),
        // Only cascaded items (runs with the supervision loop) have shares.
        ...(kind === 'consolidated' && s.shares?.length ? { cities: s.shares.flatMap((x) => (x.latest ? [x.latest] : [])) } : {}),
      };
      if (kind === 'input' && !flags.lock) p.inputs.push(receipt);
      await event({ kind: 'report', receipt, report: req, lead: s.lead, secretariat: input.secretariat, actor: req.actor, requestId: req.requestId });
      if (kind === 'input' && flags.lock) p.inputs.push(receipt);
      if (kind === 'consolidated') {
        p.consolidatedVersions = version;
        p.consolidated = receipt;
        p.status = 'submitted';
        // A city's share: its report rolls up into the item it was cascaded from.
        if (input.parent) await tellParent({ city: input.lead, periodSeq: p.seq, percentDone: req.percentDone, receiptId: receipt.receiptId, receivedAt: receipt.receivedAt });
      }
      if (s.status === 'acknowledged') s.status = 'in_progress';
      changed();
      return receipt;
    },
  );

  handle(
    d.reviewReportUpdate,
    (req) => {
      requireActor(req);
      const p = currentPeriod();
      if (p.status !== 'submitted') reject(`period ${p.seq} has no report awaiting review (it is ${p.status})`);
      if (req.decision !== 'accept' && req.decision !== 'return') reject('decision must be accept or return');
      if (req.decision === 'return') requireDate(req.newDueOn, 'newDueOn');
      if (req.comment !== undefined) requireText(req.comment, 'comment', 'comment');
    },
    async (req) => {
      const p = currentPeriod();
      if (req.decision === 'accept') {
        const verdict = onTimeVerdict(p);
        await event({ kind: 'review', periodSeq: p.seq, version: p.consolidatedVersions, decision: 'accept', comment: req.comment, lead: s.lead, ...verdict, actor: req.actor, requestId: req.requestId });
        p.status = 'accepted';
        s.acceptedPeriods += 1;
        s.escalationLevel = openLevel();
      } else {
        const { dueOn } = await deadlines.checkDueDate({ anchor, dueOn: req.newDueOn as string });
        const retimed = await deadlines.retimeReportingPeriod({ anchor, policy, period: p, dueOn, assignedOn: input.assignedOn });
        await event({ kind: 'review', periodSeq: p.seq, version: p.consolidatedVersions, decision: 'return', comment: req.comment, newDueOn: dueOn, lead: s.lead, actor: req.actor, requestId: req.requestId });
        s.period = { ...retimed, status: 'returned', consolidated: p.consolidated, inputs: p.inputs, consolidatedVersions: p.consolidatedVersions };
      }
      changed();
      return periodView(s.period as d.PeriodState);
    },
  );

  handle(
    d.requestExtensionUpdate,
    (req) => {
      requireActor(req);
      requireReporting();
      requireLead(req.department);
      const p = currentPeriod();
      if (p.status === 'accepted') reject(`period ${p.seq} is already accepted`);
      if (s.pendingExtension) reject('an extension request is already waiting for a decision');
      requireDate(req.requestedDueOn, 'requestedDueOn');
      if (req.requestedDueOn <= p.dueOn) reject(`requestedDueOn must be after the current due date ${p.dueOn}`);
      requireText(req.reason, 'reason', 'comment');
    },
    async (req) => {
      const p = currentPeriod();
      const { dueOn } = await deadlines.checkDueDate({ anchor, dueOn: req.requestedDueOn });
      const request: d.ExtensionRequest = { extensionId: `extension:${input.itemKey}:p${p.seq}:${uuid4()}`, periodSeq: p.seq, requestedDueOn: dueOn, reason: req.reason, requestedBy: req.actor };
      await event({ kind: 'extension-requested', ...request, department: req.department, secretariat: input.secretariat, actor: req.actor, requestId: req.requestId });
      s.pendingExtension = request;
      changed();
      return request;
    },
  );

  handle(
    d.decideExtensionUpdate,
    (req) => {
      requireActor(req);
      if (!s.pendingExtension) reject('there is no extension request waiting for a decision');
      if (req.extensionId !== s.pendingExtension?.extensionId) reject(`extensionId ${req.extensionId} is not the pending request`);
      if (typeof req.approve !== 'boolean') reject('approve must be true or false');
      if (req.dueOn !== undefined) requireDate(req.dueOn, 'dueOn');
      if (req.comment !== undefined) requireText(req.comment, 'comment', 'comment');
    },
    async (req) => {
      const pending = s.pendingExtension as d.ExtensionRequest;
      if (req.approve) {
        const { dueOn } = await deadlines.checkDueDate({ anchor, dueOn: req.dueOn ?? pending.requestedDueOn });
        const p = currentPeriod();
        const retimed = await deadlines.retimeReportingPeriod({ anchor, policy, period: p, dueOn, assignedOn: input.assignedOn });
        await event({ kind: 'extension-decided', extensionId: pending.extensionId, approve: true, dueOn, comment: req.comment, lead: s.lead, actor: req.actor, requestId: req.requestId });
        s.period = { ...retimed, extendedDueOn: dueOn, status: p.status, inputs: p.inputs, consolidated: p.consolidated, consolidatedVersions: p.consolidatedVersions };
      } else {
        await event({ kind: 'extension-decided', extensionId: pending.extensionId, approve: false, comment: req.comment, lead: s.lead, actor: req.actor, requestId: req.requestId });
      }
      s.pendingExtension = undefined;
      changed();
      return periodView(currentPeriod());
    },
  );

  handle(
    d.reassignLeadUpdate,
    (req) => {
      requireActor(req);
      requireOpen();
      requireText(req.newLead, 'newLead', 'name');
      if (req.newLead === s.lead) reject(`${req.newLead} is already the lead department`);
      requireText(req.reason, 'reason', 'comment');
    },
    async (req) => {
      const from = s.lead;
      await event({ kind: 'reassigned', from, to: req.newLead, reason: req.reason, actor: req.actor, requestId: req.requestId });
      s.lead = req.newLead;
      s.cooperating = s.cooperating.filter((c) => c !== req.newLead);
      changed();
      return { lead: s.lead, cooperating: s.cooperating };
    },
  );

  handle(
    d.instructUpdate,
    (req) => {
      requireActor(req);
      requireOpen();
      requireText(req.text, 'text', 'comment');
    },
    async (req) => {
      const instructionKey = `instruction:${input.itemKey}:${uuid4()}`;
      const feedback = loop ? await planFeedback({ instructionKey, seq: s.instructions + 1, withinWorkingDays: req.respondWithinWorkingDays ?? d.FEEDBACK_WITHIN_WORKING_DAYS }) : undefined;
      await event({ kind: 'instruction', instructionKey, text: req.text, recipients: parties(), ...(feedback ? { feedbackDueOn: feedback.dueOn, seq: feedback.seq } : {}), actor: req.actor, requestId: req.requestId });
      s.instructions += 1;
      if (feedback) s.feedback = [...(s.feedback ?? []), feedback];
      changed();
      return { instructionKey, ...(feedback ? { feedbackDueOn: feedback.dueOn } : {}) };
    },
  );

  handle(
    d.fileFeedbackUpdate,
    (req) => {
      requireActor(req);
      requireOpen();
      requireLead(req.department);
      if (!s.feedback?.some((f) => f.instructionKey === req.instructionKey)) reject(`instruction ${req.instructionKey} awaits no 落实反馈 on this item`);
      requireText(req.text, 'text', 'long');
    },
    async (req) => {
      const f = (s.feedback ?? []).find((x) => x.instructionKey === req.instructionKey) as d.FeedbackState;
      const late = Date.now() > f.dueAt;
      await event({ kind: 'feedback', instructionKey: f.instructionKey, seq: f.seq, text: req.text, late, dueOn: f.dueOn, department: req.department, secretariat: input.secretariat, actor: req.actor, requestId: req.requestId });
      s.feedback = (s.feedback ?? []).filter((x) => x.instructionKey !== f.instructionKey);
      // Its rungs are answered: the item's level falls back to what is still open.
      s.escalationLevel = openEscalationLevel(s);
      changed();
      return { instructionKey: f.instructionKey, late };
    },
  );

  handle(
    d.requestCompletionUpdate,
    (req) => {
      requireActor(req);
      requireReporting();
      requireLead(req.department);
      requireText(req.summary, 'summary', 'long');
    },
    async (req) => {
      await event({ kind: 'completion-requested', summary: req.summary, department: req.department, secretariat: input.secretariat, actor: req.actor, requestId: req.requestId });
      s.completionRequest = { summary: req.summary, requestedBy: req.actor, previousStatus: s.status };
      s.status = 'completion_requested';
      changed();
      return s.status;
    },
  );

  handle(
    d.decideCompletionUpdate,
    (req) => {
      requireActor(req);
      if (s.status !== 'completion_requested') reject(`the item is ${s.status}; there is no completion request to decide`);
      if (typeof req.approve !== 'boolean') reject('approve must be true or false');
      if (req.approve && !['excellent', 'good', 'pass', 'fail'].includes(req.grade as string)) reject('grade must be one of excellent, good, pass, fail');
      if (req.comment !== undefined) requireText(req.comment, 'comment', 'comment');
    },
    async (req) => {
      await event({ kind: 'completion-decided', approve: req.approve, grade: req.grade, comment: req.comment, lead: s.lead, actor: req.actor, requestId: req.requestId });
      if (req.approve) {
        s.status = 'completed';
        s.grade = req.grade;
        if (flags.finalDeadline) s.escalationLevel = 0;
        if (s.period && s.period.status !== 'accepted') s.period.status = 'closed';
        if (s.shares?.length) await closeShares('completed', req.comment ?? '');
      } else {
        s.status = s.completionRequest?.previousStatus ?? 'in_progress';
      }
      s.completionRequest = undefined;
      changed();
      return s.status;
    },
  );

  handle(
    d.cancelUpdate,
    (req) => {
      requireActor(req);
      requireOpen();
      requireText(req.reason, 'reason', 'comment');
    },
    async (req) => {
      await event({ kind: 'cancelled', reason: req.reason, recipients: parties(), actor: req.actor, requestId: req.requestId });
      s.status = 'cancelled';
      s.escalationLevel = 0;
      if (s.period && s.period.status !== 'accepted') s.period.status = 'closed';
      if (s.shares?.length) await closeShares('cancelled', req.reason);
      changed();
      return s.status;
    },
  );

  // ---- cities' shares (分解下达): only runs with the supervision loop start them ----

  /** The item was cancelled or completed: each share ends too (ParentClosePolicy.ABANDON keeps them across continue-as-new). */
  const closeShares = async (status: 'cancelled' | 'completed', reason: string) => {
    await Promise.all(
      (s.shares ?? []).map(async (share) => {
        try {
          await getExternalWorkflowHandle(share.workflowId).signal(d.parentClosedSignal, { status, reason });
        } catch (err) {
          // A share that ended already (cancelled on its own, or completed) has nothing to end.
          log.warn('share not told that its item closed', { share: share.workflowId, error: String(err) });
        }
      }),
    );
  };
  const tellParent = async (report: d.CityReport) => {
    try {
      await getExternalWorkflowHandle((input.parent as NonNullable<d.ItemWorkflowInput['parent']>).itemKey).signal(d.cityReportSignal, report);
    } catch (err) {
      log.warn('the item this share was cascaded from was not told of its report', { error: String(err) });
    }
  };

  setHandler(d.cityReportSignal, (report: d.CityReport) => {
    const share = s.shares?.find((x) => x.city === report.city);
    if (!share || (share.latest && share.latest.receivedAt > report.receivedAt)) return;
    share.latest = report;
    dirty = true;
  });
  setHandler(d.parentClosedSignal, (req: { status: 'cancelled' | 'completed'; reason: string }) =>
    exclusive(async () => {
      await ready();
      if (!input.parent || !isOpen(s)) return;
      const why = req.status === 'completed' ? '所属省级事项已办结' : `所属省级事项已撤销:${req.reason}`;
      await event({ kind: 'cancelled', reason: why.slice(0, TEXT_LIMITS.comment), recipients: parties(), actor: 'system' });
      s.status = 'cancelled';
      s.escalationLevel = 0;
      if (s.period && s.period.status !== 'accepted') s.period.status = 'closed';
      changed();
    }),
  );

  handle(
    d.cascadeUpdate,
    (req) => {
      requireActor(req);
      if (!loop) reject('this item was assigned before items could be cascaded to cities; reopen it to cascade');
      if (input.parent) reject("a city's share is not cascaded further");
      requireOpen();
      if (!Array.isArray(req.cities) || req.cities.length === 0 || req.cities.length > 50) reject('cities must list 1 to 50 cities');
      const seen = new Set<string>();
      req.cities.forEach((c, i) => {
        requireText(c?.code, `cities[${i}].code`, 'name');
        if (seen.has(c.code)) reject(`cities[${i}].code ${c.code} is listed twice`);
        seen.add(c.code);
        if (c.weight !== undefined && (typeof c.weight !== 'number' || !Number.isFinite(c.weight) || c.weight <= 0 || c.weight > 1000)) reject(`cities[${i}].weight must be a positive number`);
        if (c.code === s.lead || s.cooperating.includes(c.code)) reject(`cities[${i}].code ${c.code} is already a party to this item`);
      });
    },
    async (req) => {
      const fresh = req.cities.filter((c) => !s.shares?.some((x) => x.city === c.code));
      const found = new Set(req.cities.filter((c) => !fresh.includes(c)).map((c) => c.code));
      const began = new Set<string>();
      if (fresh.length) {
        // The share's own day of assignment: its acknowledgement window counts from today.
        const assignedOn = await acts.businessDate({ anchor });
        const sharePolicy: d.ItemPolicy = { ...policy, dueOffsetWorkingDays: Math.max(0, policy.dueOffsetWorkingDays - (policy.cascadeLeadWorkingDays ?? d.CASCADE_LEAD_WORKING_DAYS)) };
        for (let i = 0; i < fresh.length; i += d.CASCADE_CONCURRENCY) {
          const batch = fresh.slice(i, i + d.CASCADE_CONCURRENCY);
          const outcomes = await Promise.all(
            batch.map(async (c): Promise<'started' | 'existing' | Error> => {
              const workflowId = d.shareWorkflowId(input.itemKey, c.code);
              const weight = c.weight ?? 1;
              const shareInput: d.ItemWorkflowInput = {
                itemKey: workflowId,
                planCode: input.planCode,
                actionCode: input.actionCode,
                itemCode: input.itemCode,
                title: input.title,
                lead: c.code,
                cooperating: [],
                secretariat: input.secretariat,
                startDate: input.startDate,
                finalDeadline: input.finalDeadline,
                policy: sharePolicy,
                assignedBy: req.actor,
                assignedOn,
                ...(req.requestId ? { requestId: req.requestId } : {}),
                parent: { itemKey: input.itemKey, weight },
              };
              try {
                // ABANDON: the item continues as new at each period boundary, which must not end its shares; it ends them itself (closeShares).
                await startChild(itemWorkflow, { workflowId, args: [shareInput], parentClosePolicy: ParentClosePolicy.ABANDON });
                return 'started';
              } catch (err) {
                // Started by an earlier attempt whose answer was lost: it exists.
                if (err instanceof WorkflowExecutionAlreadyStartedError) return 'existing';
                return err instanceof Error ? err : new Error(String(err));
              }
            }),
          );
          // Kept in the order asked, whatever order the starts completed in; a share that failed to start is not kept, so a repeat tries it again.
          batch.forEach((c, k) => {
            const outcome = outcomes[k];
            if (outcome instanceof Error) return;
            (outcome === 'started' ? began : found).add(c.code);
            s.shares = [...(s.shares ?? []), { city: c.code, workflowId: d.shareWorkflowId(input.itemKey, c.code), weight: c.weight ?? 1 }];
          });
          const failed = outcomes.find((o): o is Error => o instanceof Error);
          if (failed) throw failed;
        }
      }
      const started = req.cities.map((c) => c.code).filter((c) => began.has(c));
      const existing = req.cities.map((c) => c.code).filter((c) => found.has(c));
      await event({ kind: 'cascaded', cities: req.cities, started, existing, actor: req.actor, requestId: req.requestId });
      changed();
      return { started, existing };
    },
  );

  // ---- the main loop ----

  /**
   * Runs a deadline computation. A year with no calendar blocks the item until
   * an administrator loads it. Old runs wait for that here; new runs return and
   * wait in the main loop, without holding the lock, so the item can still be
   * cancelled or reassigned meanwhile.
   */
  const plan = async <T>(compute: () => Promise<T>): Promise<T | undefined> => {
    // Taken before the attempt: a calendar loaded while it fails still unblocks the item.
    const calendarSeen = calendarVersion;
    try {
      return await compute();
    } catch (err) {
      const calendar = failureType(err) === 'CalendarNotLoaded';
      if (!calendar && !(flags.surviveFailures && failedForGood(err))) throw err;
      const reason = failureMessage(err) ?? 'calendar not loaded';
      log.warn('item blocked', { reason });
      if (s.blocked !== reason) {
        s.blocked = reason;
        dirty = true;
        await effect(() => event({ kind: 'blocked', reason, secretariat: input.secretariat, actor: 'system' }));
      }
      if (flags.lock) {
        blockedUnder = calendarSeen;
        return undefined;
      }
      await condition(() => calendarVersion !== calendarSeen || !isOpen(s));
      s.blocked = undefined;
      return undefined;
    }
  };

  /** A system effect (a notice, a rung's record): one that fails for good is logged and passed over, on new runs. */
  const effect = async (run: () => Promise<void>) => {
    try {
      await run();
    } catch (err) {
      if (!flags.surviveFailures || !failedForGood(err)) throw err;
      log.error('effect failed for good and was passed over', { error: failureMessage(err), type: failureType(err) });
    }
  };

  /**
   * The 落实反馈 deadline of an instruction. A year with no calendar leaves the
   * instruction without one (logged): it never blocks the item.
   */
  const planFeedback = async (req: { instructionKey: string; seq: number; withinWorkingDays: number; already?: d.FeedbackState }): Promise<d.FeedbackState | undefined> => {
    try {
      return await localDeadlines.planInstructionFeedback({ anchor, policy, ...req });
    } catch (err) {
      if (failureType(err) !== 'CalendarNotLoaded' && !failedForGood(err)) throw err;
      log.warn('no 落实反馈 deadline for the instruction', { instructionKey: req.instructionKey, reason: failureMessage(err) });
      return req.already;
    }
  };

  /** Reminders and chases of the supervision loop: an instruction's 落实反馈, the co-operating inputs. */
  const fireLoop = async (due: Due) => {
    const businessDate = due.event.on;
    if (due.subject === 'instruction') {
      const f = (s.feedback ?? []).find((x) => x.instructionKey === due.instructionKey) as d.FeedbackState;
      if (due.kind === 'reminder') {
        await effect(() => event({ kind: 'reminder', subject: 'instruction', instructionKey: f.instructionKey, periodSeq: f.seq, offset: due.event.offset, dueOn: f.dueOn, lead: s.lead, actor: 'system', businessDate }));
      } else if (due.kind === 'rung') {
        await effect(() =>
          event({ kind: 'escalation', subject: 'instruction', instructionKey: f.instructionKey, periodSeq: f.seq, rung: due.event, dueOn: f.dueOn, lead: s.lead, secretariat: input.secretariat, actor: 'system', businessDate }),
        );
        s.escalationLevel = Math.max(s.escalationLevel, due.event.level);
      }
    } else if (due.subject === 'input') {
      const p = s.period as d.PeriodState;
      const coop = p.coop as d.CoopInputState;
      const stage = due.kind === 'chase' ? 'chase' : 'reminder';
      const offset = due.kind === 'reminder' ? due.event.offset : 0;
      await effect(() => event({ kind: 'input-due', stage, periodSeq: p.seq, offset, dueOn: coop.dueOn, departments: inputsOwed(s), lead: s.lead, actor: 'system', businessDate }));
    }
    markFired(s, due);
    if (due.kind === 'rung') dirty = true;
  };

  const fire = async (due: Due) => {
    if (due.subject === 'instruction' || due.subject === 'input') return fireLoop(due);
    if (due.kind === 'reminder') {
      const { seq, dueOn } = due.subject === 'final' ? { seq: 0, dueOn: (s.final as d.FinalState).dueOn } : (s.period as d.PeriodState);
      await effect(() =>
        event({ kind: 'reminder', ...(due.subject === 'final' ? { subject: 'final' } : {}), periodSeq: seq, offset: due.event.offset, dueOn, lead: s.lead, actor: 'system', businessDate: due.event.on }),
      );
    } else {
      const subject = due.subject;
      const dueOn = subject === 'acknowledgement' ? (s.ack as d.AckState).dueOn : subject === 'final' ? (s.final as d.FinalState).dueOn : (s.period as d.PeriodState).dueOn;
      const periodSeq = subject === 'report' ? (s.period as d.PeriodState).seq : 0;
      await effect(() => event({ kind: 'escalation', subject, periodSeq, rung: due.event, dueOn, lead: s.lead, secretariat: input.secretariat, actor: 'system', businessDate: due.event.on }));
      s.escalationLevel = Math.max(s.escalationLevel, due.event.level);
    }
    markFired(s, due);
    if (due.kind !== 'reminder' || !flags.quietMirror) dirty = true;
  };

  /**
   * Under the lock: every event that was due when the handler came in and that
   * the loop has not fired yet, in order, before the handler changes the state.
   */
  const fireOverdue = async (arrived: number) => {
    for (let due = nextDue(s); due && due.event.at <= arrived; due = nextDue(s)) await fire(due);
  };

  const retime = async () => {
    retimeWanted = false;
    if (s.status === 'assigned' && s.ack) {
      const ack = s.ack;
      const next = await plan(() => deadlines.retimeAcknowledgement({ anchor, policy, ack }));
      if (next) s.ack = next;
    }
    const p = s.period;
    if (p && p.status !== 'accepted' && p.status !== 'closed') {
      const next = await plan(() => deadlines.retimeReportingPeriod({ anchor, policy, period: p, assignedOn: input.assignedOn }));
      // Under the lock nothing replaced the period meanwhile; old runs keep what they did.
      if (next) s.period = flags.lock ? { ...next, status: p.status, inputs: p.inputs, consolidated: p.consolidated, consolidatedVersions: p.consolidatedVersions } : { ...next, status: s.period?.status ?? p.status };
    }
    if (s.final && flags.finalDeadline) s.final = await planFinal(s.final);
    // Only runs with the supervision loop have instructions awaiting 落实反馈.
    for (const f of s.feedback ?? []) {
      const next = await planFeedback({ instructionKey: f.instructionKey, seq: f.seq, withinWorkingDays: f.withinWorkingDays, already: f });
      if (next) s.feedback = (s.feedback ?? []).map((x) => (x.instructionKey === f.instructionKey ? next : x));
    }
    dirty = true;
  };

  let finalTriedUnder = -1;
  const planFinal = async (final?: d.FinalState): Promise<d.FinalState | undefined> => {
    try {
      return await deadlines.planFinalDeadline({ anchor, policy, finalDeadline: input.finalDeadline, final });
    } catch (err) {
      if (failureType(err) !== 'CalendarNotLoaded' && !(flags.surviveFailures && failedForGood(err))) throw err;
      return final;
    }
  };

  const continueAsNewIfDue = async (boundary: boolean) => {
    if (!boundary && !workflowInfo().continueAsNewSuggested) return;
    if (flags.syncThenDrain) {
      // Mirror first, then let every running handler finish; one that ran meanwhile may have changed the state, so repeat.
      do {
        await exclusive(sync);
        await condition(allHandlersFinished);
      } while (dirty);
    } else {
      await condition(allHandlersFinished);
      await sync();
    }
    await continueAsNew<typeof itemWorkflow>({ ...input, carried: { ...s, runs: s.runs + 1 } });
  };

  if (first) {
    await acts.recordAssignment({ input, assignedAt: s.assignedAt, ...(loop ? { coopAcknowledges: true } : {}) });
    recorded = true;
    upsertSearchAttributes([
      { key: d.planSA, value: input.planCode },
      { key: d.actionSA, value: input.actionCode },
    ]);
  }

  const reporting = () => s.status === 'acknowledged' || s.status === 'in_progress';
  const unblocked = () => !s.blocked || (flags.lock && calendarVersion !== blockedUnder);
  // Work the loop can do now without waiting for anyone.
  const pendingWork = () =>
    retimeWanted ||
    (s.status === 'assigned' && !s.ack && unblocked()) ||
    (flags.finalDeadline && !s.final && isOpen(s) && finalTriedUnder !== calendarVersion) ||
    (reporting() && !s.period && !s.periodsDone && unblocked()) ||
    (s.period?.status === 'accepted' && s.status !== 'completion_requested');

  /** One step of planning. After a period's transition: whether a period boundary was crossed (more periods follow). */
  const step = async (): Promise<boolean | undefined> => {
    if (retimeWanted) await retime();
    if (s.blocked && calendarVersion !== blockedUnder) s.blocked = undefined;
    // Blocked: nothing is planned until the calendar changes; the rest goes on.
    const canPlan = !s.blocked;
    if (s.status === 'assigned' && !s.ack) {
      if (!canPlan) return undefined;
      s.ack = await plan(() => deadlines.planAcknowledgement({ anchor, policy }));
      dirty = true;
    } else if (flags.finalDeadline && !s.final && isOpen(s) && finalTriedUnder !== calendarVersion) {
      // A final deadline in a year not loaded yet blocks nothing: it is planned once the calendar reaches it.
      finalTriedUnder = calendarVersion;
      s.final = await planFinal();
      dirty = true;
    } else if (reporting() && !s.period && !s.periodsDone && canPlan) {
      const startsOn = s.lastPeriodEnd === undefined ? input.startDate : shiftDay(s.lastPeriodEnd);
      // With the supervision loop, co-operating departments get their own deadline before the lead's.
      const coop = loop && s.cooperating.length ? { coopLeadWorkingDays: policy.coopLeadWorkingDays } : {};
      s.period = await plan(() => deadlines.planReportingPeriod({ anchor, policy, seq: s.nextPeriodSeq, startsOn, finalDeadline: input.finalDeadline, assignedOn: input.assignedOn, ...coop }));
      dirty = true;
    } else if (s.period?.status === 'accepted' && s.status !== 'completion_requested') {
      s.lastPeriodEnd = s.period.endsOn;
      s.periodsDone = s.period.last;
      s.nextPeriodSeq = s.period.seq + 1;
      await sync();
      s.period = undefined;
      dirty = true;
      return !s.periodsDone;
    }
    return undefined;
  };

  while (isOpen(s)) {
    // Taken before any await: a handler that runs meanwhile wakes the wait below.
    const seen = version;
    if (flags.lock) {
      const crossed = await lock.run(step);
      if (crossed) await continueAsNewIfDue(true);
      await lock.run(sync);
    } else {
      // Old runs, as first released: after a period's transition, continue as new if more follow, or if suggested.
      const crossed = await step();
      if (crossed !== undefined) await continueAsNewIfDue(crossed);
      await sync();
    }
    mirrored = true;

    const due = nextDue(s);
    const wake = () => version !== seen || pendingWork() || !isOpen(s);
    const woken = due ? await condition(wake, Math.max(0, due.event.at - Date.now())) : (await condition(wake), true);
    if (!woken && due) {
      if (flags.lock) {
        await lock.run(async () => {
          // A handler may have settled it while the loop waited for the lock: fire only what is still due.
          const still = nextDue(s);
          if (still && still.event.at <= Date.now()) await fire(still);
        });
      } else await fire(due);
    }
    await continueAsNewIfDue(false);
  }

  if (flags.syncThenDrain) {
    dirty = true;
    do {
      await exclusive(sync);
      await condition(allHandlersFinished);
    } while (dirty);
  } else {
    await condition(allHandlersFinished);
    dirty = true;
    await sync();
  }
  return s;
}

function latestInputs(p: d.PeriodState, withTimes = false): { department: string; receiptId: string; version: number; receivedAt?: number }[] {
  const latest = new Map<string, d.ReportReceipt>();
  for (const r of p.inputs) if ((latest.get(r.department)?.version ?? 0) < r.version) latest.set(r.department, r);
  return [...latest.values()].map((r) => ({ department: r.department, receiptId: r.receiptId, version: r.version, ...(withTimes ? { receivedAt: r.receivedAt } : {}) }));
}

function periodView(p: d.PeriodState): d.PeriodView {
  return { seq: p.seq, status: p.status, originalDueOn: p.originalDueOn, dueOn: p.dueOn, extendedDueOn: p.extendedDueOn };
}

/** The day after a 'YYYY-MM-DD' date: plain calendar arithmetic, deterministic. */
function shiftDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
