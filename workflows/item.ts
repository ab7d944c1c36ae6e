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
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ItemEvent } from '../activities/items';
import * as d from './definitions';

const acts = proxyActivities<Activities>({
  // Short database writes: a worker that dies mid-activity is noticed within this.
  startToCloseTimeout: '15 seconds',
  // Effects are idempotent, so retrying until they succeed is safe; nothing is dropped.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const TEXT_MAX = 5000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function reject(message: string): never {
  throw ApplicationFailure.create({ message, type: 'InvalidRequest', nonRetryable: true });
}
function requireText(value: unknown, field: string, max = TEXT_MAX): void {
  if (typeof value !== 'string' || !value.trim()) reject(`${field} is required`);
  if ((value as string).length > max) reject(`${field} is longer than ${max} characters`);
}
function requireDate(value: unknown, field: string): void {
  if (typeof value !== 'string' || !DATE.test(value)) reject(`${field} must be a date as YYYY-MM-DD`);
}
function requireActor(input: d.Actor): void {
  requireText(input?.actor, 'actor', 200);
}
function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

function isOpen(s: d.ItemState): boolean {
  return d.OPEN_STATUSES.includes(s.status);
}

type Due = { kind: 'reminder'; event: d.ReminderEvent } | { kind: 'rung'; subject: 'report' | 'acknowledgement'; event: d.RungEvent };

/** The earliest reminder or rung that has not fired and still applies. */
function nextDue(s: d.ItemState): Due | undefined {
  const due: Due[] = [];
  if (s.status === 'assigned' && s.ack) {
    for (const event of s.ack.rungs) if (!event.fired) due.push({ kind: 'rung', subject: 'acknowledgement', event });
  }
  const p = s.period;
  // A report awaiting review pauses the ladder; an accepted one ends it.
  if ((s.status === 'acknowledged' || s.status === 'in_progress') && p && (p.status === 'open' || p.status === 'returned')) {
    for (const event of p.reminders) if (!event.fired) due.push({ kind: 'reminder', event });
    for (const event of p.rungs) if (!event.fired) due.push({ kind: 'rung', subject: 'report', event });
  }
  return due.sort((a, b) => a.event.at - b.event.at)[0];
}

export async function itemWorkflow(input: d.ItemWorkflowInput): Promise<d.ItemState> {
  const first = input.carried === undefined;
  const s: d.ItemState = input.carried ?? {
    itemKey: input.itemKey,
    status: 'assigned',
    lead: input.lead,
    cooperating: [...input.cooperating],
    assignedAt: Date.now(),
    nextPeriodSeq: 1,
    periodsDone: false,
    acceptedPeriods: 0,
    escalationLevel: 0,
    instructions: 0,
    runs: 1,
  };
  const anchor = { date: input.startDate, at: s.assignedAt };
  const policy = input.policy;

  // Updates may arrive before the assignment row exists; their effects wait for it.
  let recorded = !first;
  const ready = () => condition(() => recorded);

  // Every handler bumps the version; the main loop wakes on it.
  let version = 0;
  let retimeWanted = false;
  let calendarVersion = 0;
  let dirty = true;
  const changed = () => {
    version += 1;
    dirty = true;
  };
  const event = (e: DistributiveOmit<ItemEvent, 'itemKey' | 'title' | 'anchor'>) =>
    acts.recordItemEvent({ ...e, itemKey: input.itemKey, title: input.title, anchor } as ItemEvent);
  const parties = () => [s.lead, ...s.cooperating];

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

  setHandler(d.stateQuery, () => s);
  setHandler(d.calendarChangedSignal, () => {
    retimeWanted = true;
    calendarVersion += 1;
    changed();
  });

  setHandler(
    d.acknowledgeUpdate,
    async (req) => {
      await ready();
      await event({ kind: 'acknowledged', department: req.department, actor: req.actor, requestId: req.requestId });
      s.status = 'acknowledged';
      s.escalationLevel = 0;
      changed();
      return s.status;
    },
    {
      validator: (req) => {
        requireActor(req);
        if (s.status !== 'assigned') reject(`the item is ${s.status}; only an assigned item is acknowledged`);
        requireLead(req.department);
      },
    },
  );

  setHandler(
    d.submitReportUpdate,
    async (req) => {
      await ready();
      const p = currentPeriod();
      const kind = req.department === s.lead ? 'consolidated' : 'input';
      // Reserved before the await, so two reports filed at once get distinct versions.
      const version = kind === 'consolidated' ? ++p.consolidatedVersions : p.inputs.filter((i) => i.department === req.department).length + 1;
      const receipt: d.ReportReceipt = {
        receiptId: uuid4(),
        periodSeq: p.seq,
        department: req.department,
        kind,
        version,
        receivedAt: Date.now(),
        ...(kind === 'consolidated' ? { inputs: latestInputs(p) } : {}),
      };
      if (kind === 'input') p.inputs.push(receipt);
      await event({ kind: 'report', receipt, report: req, lead: s.lead, secretariat: input.secretariat, actor: req.actor, requestId: req.requestId });
      if (kind === 'consolidated') {
        p.consolidated = receipt;
        p.status = 'submitted';
      }
      if (s.status === 'acknowledged') s.status = 'in_progress';
      changed();
      return receipt;
    },
    {
      validator: (req) => {
        requireActor(req);
        requireReporting();
        const p = currentPeriod();
        if (p.status === 'accepted' || p.status === 'closed') reject(`period ${p.seq} is ${p.status}`);
        if (req.periodSeq !== p.seq) reject(`periodSeq ${req.periodSeq} is not the open period (${p.seq})`);
        if (req.department !== s.lead && !s.cooperating.includes(req.department)) reject(`department ${req.department} is neither lead nor co-operating on this item`);
        requireText(req.progress, 'progress');
        if (!Number.isInteger(req.percentDone) || req.percentDone < 0 || req.percentDone > 100) reject('percentDone must be a whole number from 0 to 100');
        if (req.problems !== undefined) requireText(req.problems, 'problems');
        if (req.nextSteps !== undefined) requireText(req.nextSteps, 'nextSteps');
        if (req.attachments !== undefined) {
          if (!Array.isArray(req.attachments) || req.attachments.length > 20) reject('attachments must be a list of at most 20 links');
          req.attachments.forEach((a: unknown, i: number) => {
            if (typeof a !== 'string' || !/^https?:\/\/\S{1,1000}$/.test(a)) reject(`attachments[${i}] must be an http(s) link`);
          });
        }
      },
    },
  );

  setHandler(
    d.reviewReportUpdate,
    async (req) => {
      await ready();
      const p = currentPeriod();
      if (req.decision === 'accept') {
        const onTime = (p.consolidated?.receivedAt ?? Infinity) <= p.dueAt;
        await event({ kind: 'review', periodSeq: p.seq, version: p.consolidatedVersions, decision: 'accept', comment: req.comment, lead: s.lead, onTime, actor: req.actor, requestId: req.requestId });
        p.status = 'accepted';
        s.acceptedPeriods += 1;
        s.escalationLevel = 0;
      } else {
        const { dueOn } = await acts.checkDueDate({ anchor, dueOn: req.newDueOn as string });
        const retimed = await acts.retimeReportingPeriod({ anchor, policy, period: p, dueOn });
        await event({ kind: 'review', periodSeq: p.seq, version: p.consolidatedVersions, decision: 'return', comment: req.comment, newDueOn: dueOn, lead: s.lead, actor: req.actor, requestId: req.requestId });
        s.period = { ...retimed, status: 'returned', consolidated: p.consolidated, inputs: p.inputs, consolidatedVersions: p.consolidatedVersions };
      }
      changed();
      return periodView(s.period as d.PeriodState);
    },
    {
      validator: (req) => {
        requireActor(req);
        const p = currentPeriod();
        if (p.status !== 'submitted') reject(`period ${p.seq} has no report awaiting review (it is ${p.status})`);
        if (req.decision !== 'accept' && req.decision !== 'return') reject('decision must be accept or return');
        if (req.decision === 'return') requireDate(req.newDueOn, 'newDueOn');
        if (req.comment !== undefined) requireText(req.comment, 'comment');
      },
    },
  );

  setHandler(
    d.requestExtensionUpdate,
    async (req) => {
      await ready();
      const p = currentPeriod();
      const { dueOn } = await acts.checkDueDate({ anchor, dueOn: req.requestedDueOn });
      const request: d.ExtensionRequest = { extensionId: `extension:${input.itemKey}:p${p.seq}:${uuid4()}`, periodSeq: p.seq, requestedDueOn: dueOn, reason: req.reason, requestedBy: req.actor };
      await event({ kind: 'extension-requested', ...request, department: req.department, secretariat: input.secretariat, actor: req.actor, requestId: req.requestId });
      s.pendingExtension = request;
      changed();
      return request;
    },
    {
      validator: (req) => {
        requireActor(req);
        requireReporting();
        requireLead(req.department);
        const p = currentPeriod();
        if (p.status === 'accepted') reject(`period ${p.seq} is already accepted`);
        if (s.pendingExtension) reject('an extension request is already waiting for a decision');
        requireDate(req.requestedDueOn, 'requestedDueOn');
        if (req.requestedDueOn <= p.dueOn) reject(`requestedDueOn must be after the current due date ${p.dueOn}`);
        requireText(req.reason, 'reason');
      },
    },
  );

  setHandler(
    d.decideExtensionUpdate,
    async (req) => {
      await ready();
      const pending = s.pendingExtension as d.ExtensionRequest;
      if (req.approve) {
        const { dueOn } = await acts.checkDueDate({ anchor, dueOn: req.dueOn ?? pending.requestedDueOn });
        const p = currentPeriod();
        const retimed = await acts.retimeReportingPeriod({ anchor, policy, period: p, dueOn });
        await event({ kind: 'extension-decided', extensionId: pending.extensionId, approve: true, dueOn, comment: req.comment, lead: s.lead, actor: req.actor, requestId: req.requestId });
        s.period = { ...retimed, extendedDueOn: dueOn, status: p.status, inputs: p.inputs, consolidated: p.consolidated, consolidatedVersions: p.consolidatedVersions };
      } else {
        await event({ kind: 'extension-decided', extensionId: pending.extensionId, approve: false, comment: req.comment, lead: s.lead, actor: req.actor, requestId: req.requestId });
      }
      s.pendingExtension = undefined;
      changed();
      return periodView(currentPeriod());
    },
    {
      validator: (req) => {
        requireActor(req);
        if (!s.pendingExtension) reject('there is no extension request waiting for a decision');
        if (req.extensionId !== s.pendingExtension?.extensionId) reject(`extensionId ${req.extensionId} is not the pending request`);
        if (typeof req.approve !== 'boolean') reject('approve must be true or false');
        if (req.dueOn !== undefined) requireDate(req.dueOn, 'dueOn');
        if (req.comment !== undefined) requireText(req.comment, 'comment');
      },
    },
  );

  setHandler(
    d.reassignLeadUpdate,
    async (req) => {
      await ready();
      const from = s.lead;
      await event({ kind: 'reassigned', from, to: req.newLead, reason: req.reason, actor: req.actor, requestId: req.requestId });
      s.lead = req.newLead;
      s.cooperating = s.cooperating.filter((c) => c !== req.newLead);
      changed();
      return { lead: s.lead, cooperating: s.cooperating };
    },
    {
      validator: (req) => {
        requireActor(req);
        requireOpen();
        requireText(req.newLead, 'newLead', 64);
        if (req.newLead === s.lead) reject(`${req.newLead} is already the lead department`);
        requireText(req.reason, 'reason');
      },
    },
  );

  setHandler(
    d.instructUpdate,
    async (req) => {
      await ready();
      const instructionKey = `instruction:${input.itemKey}:${uuid4()}`;
      await event({ kind: 'instruction', instructionKey, text: req.text, recipients: parties(), actor: req.actor, requestId: req.requestId });
      s.instructions += 1;
      changed();
      return { instructionKey };
    },
    {
      validator: (req) => {
        requireActor(req);
        requireOpen();
        requireText(req.text, 'text', 2000);
      },
    },
  );

  setHandler(
    d.requestCompletionUpdate,
    async (req) => {
      await ready();
      await event({ kind: 'completion-requested', summary: req.summary, department: req.department, secretariat: input.secretariat, actor: req.actor, requestId: req.requestId });
      s.completionRequest = { summary: req.summary, requestedBy: req.actor, previousStatus: s.status };
      s.status = 'completion_requested';
      changed();
      return s.status;
    },
    {
      validator: (req) => {
        requireActor(req);
        requireReporting();
        requireLead(req.department);
        requireText(req.summary, 'summary');
      },
    },
  );

  setHandler(
    d.decideCompletionUpdate,
    async (req) => {
      await ready();
      await event({ kind: 'completion-decided', approve: req.approve, grade: req.grade, comment: req.comment, lead: s.lead, actor: req.actor, requestId: req.requestId });
      if (req.approve) {
        s.status = 'completed';
        s.grade = req.grade;
        if (s.period && s.period.status !== 'accepted') s.period.status = 'closed';
      } else {
        s.status = s.completionRequest?.previousStatus ?? 'in_progress';
      }
      s.completionRequest = undefined;
      changed();
      return s.status;
    },
    {
      validator: (req) => {
        requireActor(req);
        if (s.status !== 'completion_requested') reject(`the item is ${s.status}; there is no completion request to decide`);
        if (typeof req.approve !== 'boolean') reject('approve must be true or false');
        if (req.approve && !['excellent', 'good', 'pass', 'fail'].includes(req.grade as string)) reject('grade must be one of excellent, good, pass, fail');
        if (req.comment !== undefined) requireText(req.comment, 'comment');
      },
    },
  );

  setHandler(
    d.cancelUpdate,
    async (req) => {
      await ready();
      await event({ kind: 'cancelled', reason: req.reason, recipients: parties(), actor: req.actor, requestId: req.requestId });
      s.status = 'cancelled';
      s.escalationLevel = 0;
      if (s.period && s.period.status !== 'accepted') s.period.status = 'closed';
      changed();
      return s.status;
    },
    {
      validator: (req) => {
        requireActor(req);
        requireOpen();
        requireText(req.reason, 'reason');
      },
    },
  );

  // ---- the main loop ----

  const publish = () => {
    const p = s.period && s.period.status !== 'accepted' ? s.period : undefined;
    const nextDueAt = s.status === 'assigned' ? s.ack?.dueAt : p?.dueAt;
    upsertSearchAttributes([
      { key: d.statusSA, value: s.status },
      { key: d.leadSA, value: s.lead },
      { key: d.escalationLevelSA, value: s.escalationLevel },
      { key: d.nextDueSA, value: nextDueAt !== undefined && isOpen(s) ? new Date(nextDueAt) : null },
    ]);
  };
  const sync = async () => {
    if (!dirty) return;
    dirty = false;
    publish();
    await acts.syncItem(s);
  };

  /** Runs a deadline computation; a year with no calendar blocks the item until an administrator loads it. */
  const plan = async <T>(compute: () => Promise<T>): Promise<T | undefined> => {
    // Taken before the attempt: a calendar loaded while it fails still unblocks the item.
    const calendarSeen = calendarVersion;
    try {
      return await compute();
    } catch (err) {
      if (failureType(err) !== 'CalendarNotLoaded') throw err;
      const reason = (err instanceof ActivityFailure ? err.cause?.message : undefined) ?? 'calendar not loaded';
      log.warn('item blocked', { reason });
      if (s.blocked !== reason) {
        s.blocked = reason;
        dirty = true;
        await event({ kind: 'blocked', reason, secretariat: input.secretariat, actor: 'system' });
      }
      await condition(() => calendarVersion !== calendarSeen || !isOpen(s));
      s.blocked = undefined;
      return undefined;
    }
  };

  const fire = async (due: Due) => {
    if (due.kind === 'reminder') {
      const p = s.period as d.PeriodState;
      await event({ kind: 'reminder', periodSeq: p.seq, offset: due.event.offset, dueOn: p.dueOn, lead: s.lead, actor: 'system', businessDate: due.event.on });
    } else {
      const subject = due.subject;
      const dueOn = subject === 'acknowledgement' ? (s.ack as d.AckState).dueOn : (s.period as d.PeriodState).dueOn;
      const periodSeq = subject === 'acknowledgement' ? 0 : (s.period as d.PeriodState).seq;
      await event({ kind: 'escalation', subject, periodSeq, rung: due.event, dueOn, lead: s.lead, secretariat: input.secretariat, actor: 'system', businessDate: due.event.on });
      s.escalationLevel = Math.max(s.escalationLevel, due.event.level);
    }
    markFired(due);
    dirty = true;
  };

  // A handler may have re-timed the period while the activity ran: mark the event in the current state.
  const markFired = (due: Due) => {
    due.event.fired = true;
    if (due.kind === 'reminder') {
      const same = s.period?.reminders.find((r) => r.offset === due.event.offset && r.on === due.event.on);
      if (same) same.fired = true;
    } else {
      const rungs = due.subject === 'acknowledgement' ? s.ack?.rungs : s.period?.rungs;
      const same = rungs?.find((r) => r.rung === due.event.rung);
      if (same) same.fired = true;
    }
  };

  const retime = async () => {
    retimeWanted = false;
    if (s.status === 'assigned' && s.ack) {
      const ack = s.ack;
      const next = await plan(() => acts.retimeAcknowledgement({ anchor, policy, ack }));
      if (next) s.ack = next;
    }
    const p = s.period;
    if (p && p.status !== 'accepted' && p.status !== 'closed') {
      const next = await plan(() => acts.retimeReportingPeriod({ anchor, policy, period: p }));
      if (next) s.period = { ...next, status: s.period?.status ?? p.status };
    }
    dirty = true;
  };

  const continueAsNewIfDue = async (boundary: boolean) => {
    if (!boundary && !workflowInfo().continueAsNewSuggested) return;
    // No update or signal is lost: let every running handler finish first.
    await condition(allHandlersFinished);
    await sync();
    await continueAsNew<typeof itemWorkflow>({ ...input, carried: { ...s, runs: s.runs + 1 } });
  };

  if (first) {
    await acts.recordAssignment({ input, assignedAt: s.assignedAt });
    recorded = true;
    upsertSearchAttributes([
      { key: d.planSA, value: input.planCode },
      { key: d.actionSA, value: input.actionCode },
    ]);
  }

  // Work the loop can do now without waiting for anyone.
  const pendingWork = () =>
    retimeWanted ||
    (s.status === 'assigned' && !s.ack && !s.blocked) ||
    ((s.status === 'acknowledged' || s.status === 'in_progress') && !s.period && !s.periodsDone && !s.blocked) ||
    (s.period?.status === 'accepted' && s.status !== 'completion_requested');

  while (isOpen(s)) {
    // Taken before any await: a handler that runs meanwhile wakes the wait below.
    const seen = version;
    if (retimeWanted) await retime();

    if (s.status === 'assigned' && !s.ack) {
      s.ack = await plan(() => acts.planAcknowledgement({ anchor, policy }));
      dirty = true;
    } else if ((s.status === 'acknowledged' || s.status === 'in_progress') && !s.period && !s.periodsDone) {
      const startsOn = s.nextPeriodSeq === 1 ? input.startDate : shiftDay(s.lastPeriodEnd as string);
      s.period = await plan(() => acts.planReportingPeriod({ anchor, policy, seq: s.nextPeriodSeq, startsOn, finalDeadline: input.finalDeadline }));
      dirty = true;
    } else if (s.period?.status === 'accepted' && s.status !== 'completion_requested') {
      s.lastPeriodEnd = s.period.endsOn;
      s.periodsDone = s.period.last;
      s.nextPeriodSeq = s.period.seq + 1;
      await sync();
      s.period = undefined;
      dirty = true;
      await continueAsNewIfDue(!s.periodsDone);
    }

    await sync();
    const due = nextDue(s);
    const wake = () => version !== seen || pendingWork() || !isOpen(s);
    const woken = due ? await condition(wake, Math.max(0, due.event.at - Date.now())) : (await condition(wake), true);
    if (!woken && due) await fire(due);
    await continueAsNewIfDue(false);
  }

  await condition(allHandlersFinished);
  dirty = true;
  await sync();
  return s;
}

function latestInputs(p: d.PeriodState): { department: string; receiptId: string; version: number }[] {
  const latest = new Map<string, d.ReportReceipt>();
  for (const r of p.inputs) if ((latest.get(r.department)?.version ?? 0) < r.version) latest.set(r.department, r);
  return [...latest.values()].map((r) => ({ department: r.department, receiptId: r.receiptId, version: r.version }));
}

function periodView(p: d.PeriodState): d.PeriodView {
  return { seq: p.seq, status: p.status, originalDueOn: p.originalDueOn, dueOn: p.dueOn, extendedDueOn: p.extendedDueOn };
}

/** The day after a 'YYYY-MM-DD' date: plain calendar arithmetic, deterministic. */
function shiftDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
