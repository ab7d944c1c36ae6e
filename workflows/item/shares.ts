/**
 * 分解下达: an item's cities' shares, each its own item workflow started as a
 * child (runs with the supervision loop only), told when the item closes, and
 * telling the item of their reports.
 */
import { getExternalWorkflowHandle, log, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { CascadeAnswer, CascadeInput } from '../../domain/item/requests';
import type { CityReport, ItemPolicy } from '../../domain/item/state';
import * as d from '../definitions';
import { acts, type ItemCore } from './core';
import type { itemWorkflow } from './index';

type City = CascadeInput['cities'][number];

/** The item was cancelled or completed: each share ends too (ParentClosePolicy.ABANDON keeps them across continue-as-new). */
export async function closeShares(run: ItemCore, status: 'cancelled' | 'completed', reason: string): Promise<void> {
  await Promise.all(
    (run.state.shares ?? []).map(async (share) => {
      try {
        await getExternalWorkflowHandle(share.workflowId).signal(d.parentClosedSignal, { status, reason });
      } catch (err) {
        // A share that ended already (cancelled on its own, or completed) has nothing to end.
        log.warn('share not told that its item closed', { share: share.workflowId, error: String(err) });
      }
    }),
  );
}

export async function tellParent(run: ItemCore, report: CityReport): Promise<void> {
  try {
    await getExternalWorkflowHandle((run.input.parent as NonNullable<d.ItemWorkflowInput['parent']>).itemKey).signal(d.cityReportSignal, report);
  } catch (err) {
    log.warn('the item this share was cascaded from was not told of its report', { error: String(err) });
  }
}

/** The share's own input: the item's, led by the city, due some working days before the item's own report. */
function shareInput(run: ItemCore, req: CascadeInput, c: City, assignedOn: string, policy: ItemPolicy): d.ItemWorkflowInput {
  const { input } = run;
  const workflowId = d.shareWorkflowId(input.itemKey, c.code);
  return {
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
    policy,
    assignedBy: req.actor,
    assignedOn,
    ...(req.requestId ? { requestId: req.requestId } : {}),
    parent: { itemKey: input.itemKey, weight: c.weight ?? 1 },
  };
}

async function startShare(run: ItemCore, req: CascadeInput, c: City, assignedOn: string, policy: ItemPolicy): Promise<'started' | 'existing' | Error> {
  const args = shareInput(run, req, c, assignedOn, policy);
  try {
    // ABANDON: the item continues as new at each period boundary, which must not end its shares; it ends them itself (closeShares).
    await startChild<typeof itemWorkflow>(d.ITEM_WORKFLOW_TYPE, { workflowId: args.itemKey, args: [args], parentClosePolicy: ParentClosePolicy.ABANDON });
    return 'started';
  } catch (err) {
    // Started by an earlier attempt whose answer was lost: it exists.
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'existing';
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Starts a share for each city not cascaded to yet, CASCADE_CONCURRENCY at a time; the answer lists the cities in the order asked. */
export async function startShares(run: ItemCore, req: CascadeInput): Promise<CascadeAnswer> {
  const { policy } = run;
  const fresh = req.cities.filter((c) => !run.state.shares?.some((x) => x.city === c.code));
  const found = new Set(req.cities.filter((c) => !fresh.includes(c)).map((c) => c.code));
  const began = new Set<string>();
  if (fresh.length) {
    // The share's own day of assignment: its acknowledgement window counts from today.
    const assignedOn = await acts.businessDate({ anchor: run.anchor });
    const sharePolicy: ItemPolicy = { ...policy, dueOffsetWorkingDays: Math.max(0, policy.dueOffsetWorkingDays - (policy.cascadeLeadWorkingDays ?? d.CASCADE_LEAD_WORKING_DAYS)) };
    for (let i = 0; i < fresh.length; i += d.CASCADE_CONCURRENCY) {
      const batch = fresh.slice(i, i + d.CASCADE_CONCURRENCY);
      const outcomes = await Promise.all(batch.map((c) => startShare(run, req, c, assignedOn, sharePolicy)));
      // Kept in the order asked, whatever order the starts completed in; a share that failed to start is not kept, so a repeat tries it again.
      batch.forEach((c, k) => {
        const outcome = outcomes[k];
        if (outcome instanceof Error) return;
        (outcome === 'started' ? began : found).add(c.code);
        run.apply({ kind: 'cascaded', shares: [{ city: c.code, workflowId: d.shareWorkflowId(run.input.itemKey, c.code), weight: c.weight ?? 1 }] });
      });
      const failed = outcomes.find((o): o is Error => o instanceof Error);
      if (failed) throw failed;
    }
  }
  return { started: req.cities.map((c) => c.code).filter((c) => began.has(c)), existing: req.cities.map((c) => c.code).filter((c) => found.has(c)) };
}
