/**
 * ItemRun: one method per action on the item, each in the same few steps:
 * the deadlines it needs, the event recorded through the activity, the change
 * applied to the state (domain/item/transitions.ts), the answer. The request
 * was checked before (domain/item/requests.ts, in update() of index.ts).
 */
import { condition, uuid4 } from '@temporalio/workflow';
import { inputsOwed, isOpen } from '../../domain/ladder';
import { onTimeVerdict } from '../../domain/on-time';
import { cooperatingAck, type CascadeAnswer, type PeriodView } from '../../domain/item/requests';
import type { CityReport, ExtensionRequest, FeedbackState, ItemStatus, PeriodState, ReportReceipt } from '../../domain/item/state';
import { TEXT_LIMITS } from '../../domain/text';
import * as d from '../definitions';
import { latestInputs, periodView } from './core';
import { ItemLoop } from './loop';
import { closeShares, startShares, tellParent } from './shares';

export class ItemRun extends ItemLoop {
  /** Sent with the workflow's start: answers once the assignment record exists, so the caller reads its own write. */
  async assignment(): Promise<{ status: ItemStatus; acknowledgeBy?: string }> {
    await condition(() => this.recorded && this.mirrored);
    return { status: this.state.status, acknowledgeBy: this.state.ack?.dueOn };
  }

  calendarChanged(): void {
    this.retimeWanted = true;
    this.calendarVersion += 1;
    this.changed();
  }

  async acknowledge(req: d.AcknowledgeInput): Promise<ItemStatus> {
    // A co-operating department's 签收 is recorded and shown; the item's own state is the lead's.
    const role = cooperatingAck(this.state, req, this.context) ? { role: 'cooperating' as const } : {};
    await this.event({ kind: 'acknowledged', department: req.department, ...role, actor: req.actor, requestId: req.requestId });
    this.apply({ kind: 'acknowledged', department: req.department, ...role, at: Date.now() });
    this.changed();
    return this.state.status;
  }

  async submitReport(req: d.SubmitReportInput): Promise<ReportReceipt> {
    const { state: s, flags } = this;
    const p = this.currentPeriod();
    const kind = req.department === s.lead ? 'consolidated' : 'input';
    const version = kind === 'consolidated' ? p.consolidatedVersions + 1 : p.inputs.filter((i) => i.department === req.department).length + 1;
    const receipt: ReportReceipt = {
      receiptId: uuid4(),
      periodSeq: p.seq,
      department: req.department,
      kind,
      version,
      receivedAt: Date.now(),
      ...(kind === 'consolidated' ? (flags.loop ? { inputs: latestInputs(p, true), missingInputs: inputsOwed(s) } : { inputs: latestInputs(p) }) : {}),
      // Only cascaded items (runs with the supervision loop) have shares.
      ...(kind === 'consolidated' && s.shares?.length ? { cities: s.shares.flatMap((x) => (x.latest ? [x.latest] : [])) } : {}),
    };
    // Old runs reserve the version (or keep the input) before the await, so two reports filed at once get distinct versions;
    // under the lock nothing runs meanwhile, and a report that fails to record leaves no trace.
    if (!flags.lock) this.apply({ kind: 'report-reserved', receipt }, { period: p });
    await this.event({ kind: 'report', receipt, report: req, lead: s.lead, secretariat: this.input.secretariat, actor: req.actor, requestId: req.requestId });
    this.apply({ kind: 'report-filed', receipt, reserved: !flags.lock }, { period: p });
    // A city's share: its report rolls up into the item it was cascaded from.
    if (kind === 'consolidated' && this.input.parent) {
      await tellParent(this, { city: this.input.lead, periodSeq: p.seq, percentDone: req.percentDone, receiptId: receipt.receiptId, receivedAt: receipt.receivedAt });
    }
    this.changed();
    return receipt;
  }

  async reviewReport(req: d.ReviewInput): Promise<PeriodView> {
    const { anchor, policy } = this;
    const p = this.currentPeriod();
    // Read when the event is recorded: a run from before the lock may have changed them while this one awaited.
    const review = () => ({ kind: 'review' as const, periodSeq: p.seq, version: p.consolidatedVersions, comment: req.comment, lead: this.state.lead });
    if (req.decision === 'accept') {
      const verdict = onTimeVerdict(p);
      await this.event({ ...review(), decision: 'accept', ...verdict, actor: req.actor, requestId: req.requestId });
      this.apply({ kind: 'accepted' }, { period: p });
    } else {
      const { dueOn } = await this.deadlines.checkDueDate({ anchor, dueOn: req.newDueOn as string });
      const retimed = await this.deadlines.retimeReportingPeriod({ anchor, policy, period: p, dueOn, assignedOn: this.input.assignedOn });
      await this.event({ ...review(), decision: 'return', newDueOn: dueOn, actor: req.actor, requestId: req.requestId });
      this.apply({ kind: 'returned', period: retimed }, { period: p });
    }
    this.changed();
    return periodView(this.state.period as PeriodState);
  }

  async requestExtension(req: d.ExtensionRequestInput): Promise<ExtensionRequest> {
    const p = this.currentPeriod();
    const { dueOn } = await this.deadlines.checkDueDate({ anchor: this.anchor, dueOn: req.requestedDueOn });
    const request: ExtensionRequest = { extensionId: `extension:${this.input.itemKey}:p${p.seq}:${uuid4()}`, periodSeq: p.seq, requestedDueOn: dueOn, reason: req.reason, requestedBy: req.actor };
    await this.event({ kind: 'extension-requested', ...request, department: req.department, secretariat: this.input.secretariat, actor: req.actor, requestId: req.requestId });
    this.apply({ kind: 'extension-requested', request });
    this.changed();
    return request;
  }

  async decideExtension(req: d.ExtensionDecisionInput): Promise<PeriodView> {
    const { anchor, policy } = this;
    const pending = this.state.pendingExtension as ExtensionRequest;
    const decided = () => ({ kind: 'extension-decided' as const, extensionId: pending.extensionId, comment: req.comment, lead: this.state.lead, actor: req.actor, requestId: req.requestId });
    if (req.approve) {
      const { dueOn } = await this.deadlines.checkDueDate({ anchor, dueOn: req.dueOn ?? pending.requestedDueOn });
      const p = this.currentPeriod();
      const retimed = await this.deadlines.retimeReportingPeriod({ anchor, policy, period: p, dueOn, assignedOn: this.input.assignedOn });
      await this.event({ ...decided(), approve: true, dueOn });
      this.apply({ kind: 'extension-decided', approve: true, period: retimed, dueOn }, { period: p });
    } else {
      await this.event({ ...decided(), approve: false });
      this.apply({ kind: 'extension-decided', approve: false });
    }
    this.changed();
    return periodView(this.currentPeriod());
  }

  async reassignLead(req: d.ReassignInput): Promise<{ lead: string; cooperating: string[] }> {
    await this.event({ kind: 'reassigned', from: this.state.lead, to: req.newLead, reason: req.reason, actor: req.actor, requestId: req.requestId });
    this.apply({ kind: 'reassigned', to: req.newLead });
    this.changed();
    return { lead: this.state.lead, cooperating: this.state.cooperating };
  }

  async instruct(req: d.InstructInput): Promise<{ instructionKey: string; feedbackDueOn?: string }> {
    const s = this.state;
    const instructionKey = `instruction:${this.input.itemKey}:${uuid4()}`;
    const within = req.respondWithinWorkingDays ?? d.FEEDBACK_WITHIN_WORKING_DAYS;
    const feedback = this.flags.loop ? await this.planFeedback({ instructionKey, seq: s.instructions + 1, withinWorkingDays: within }) : undefined;
    const asked = feedback ? { feedbackDueOn: feedback.dueOn, seq: feedback.seq } : {};
    await this.event({ kind: 'instruction', instructionKey, text: req.text, recipients: this.parties(), ...asked, actor: req.actor, requestId: req.requestId });
    this.apply({ kind: 'instructed', feedback });
    this.changed();
    return { instructionKey, ...(feedback ? { feedbackDueOn: feedback.dueOn } : {}) };
  }

  async fileFeedback(req: d.FeedbackInput): Promise<{ instructionKey: string; late: boolean }> {
    const f = (this.state.feedback ?? []).find((x) => x.instructionKey === req.instructionKey) as FeedbackState;
    const late = Date.now() > f.dueAt;
    const { instructionKey, seq, dueOn } = f;
    await this.event({ kind: 'feedback', instructionKey, seq, text: req.text, late, dueOn, department: req.department, secretariat: this.input.secretariat, actor: req.actor, requestId: req.requestId });
    this.apply({ kind: 'feedback-filed', instructionKey });
    this.changed();
    return { instructionKey, late };
  }

  async requestCompletion(req: d.CompletionRequestInput): Promise<ItemStatus> {
    await this.event({ kind: 'completion-requested', summary: req.summary, department: req.department, secretariat: this.input.secretariat, actor: req.actor, requestId: req.requestId });
    this.apply({ kind: 'completion-requested', summary: req.summary, requestedBy: req.actor });
    this.changed();
    return this.state.status;
  }

  async decideCompletion(req: d.CompletionDecisionInput): Promise<ItemStatus> {
    await this.event({ kind: 'completion-decided', approve: req.approve, grade: req.grade, comment: req.comment, lead: this.state.lead, actor: req.actor, requestId: req.requestId });
    this.apply({ kind: 'completion-decided', approve: req.approve, grade: req.grade });
    if (req.approve && this.state.shares?.length) await closeShares(this, 'completed', req.comment ?? '');
    this.changed();
    return this.state.status;
  }

  async cancel(req: d.CancelInput): Promise<ItemStatus> {
    await this.event({ kind: 'cancelled', reason: req.reason, recipients: this.parties(), actor: req.actor, requestId: req.requestId });
    this.apply({ kind: 'cancelled' });
    if (this.state.shares?.length) await closeShares(this, 'cancelled', req.reason);
    this.changed();
    return this.state.status;
  }

  /** 分解下达: a share for each city not cascaded to yet (runs with the supervision loop only). */
  async cascade(req: d.CascadeInput): Promise<CascadeAnswer> {
    const { started, existing } = await startShares(this, req);
    await this.event({ kind: 'cascaded', cities: req.cities, started, existing, actor: req.actor, requestId: req.requestId });
    this.changed();
    return { started, existing };
  }

  /** From a city's share: its latest consolidated report, kept unless an older one arrives late. */
  cityReport(report: CityReport): void {
    if (this.apply({ kind: 'city-reported', report })) this.dirty = true;
  }

  /** To a city's share: the item it was cascaded from closed, so the share ends as cancelled. */
  parentClosed(req: { status: 'cancelled' | 'completed'; reason: string }): Promise<void> {
    return this.exclusive(async () => {
      await this.ready();
      if (!this.input.parent || !isOpen(this.state)) return;
      const why = req.status === 'completed' ? '所属省级事项已办结' : `所属省级事项已撤销:${req.reason}`;
      await this.event({ kind: 'cancelled', reason: why.slice(0, TEXT_LIMITS.comment), recipients: this.parties(), actor: 'system' });
      this.apply({ kind: 'cancelled' });
      this.changed();
    });
  }
}
