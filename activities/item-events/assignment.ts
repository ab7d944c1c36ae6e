import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import { recordAudit } from '../../db/audit';
import { CADENCE_WORDS, wordFor } from '../../domain/words';
import type { ItemWorkflowInput } from '../../workflows/definitions';
import { chineseDate } from '../../domain/words';
import { assignmentId, departmentId, type Names, type Notice } from './context';

/**
 * 交办: the assignment row, its co-operating departments, the audit, and the
 * notices to the departments; and 重新交办, a completed or cancelled item's
 * next round on the same assignment row.
 */

export interface AssignmentRequest {
  input: ItemWorkflowInput;
  assignedAt: number;
  /** The workflow lets its co-operating departments 签收 (the supervision loop). */
  coopAcknowledges?: boolean;
}

/** One provincial assignment per item, one share per city and item: a retry or a replay inserts nothing. */
export async function insertAssignment(trx: Knex.Transaction, req: AssignmentRequest): Promise<void> {
  const { input } = req;
  const item = (await trx('items as i').join('plans as p', 'p.id', 'i.plan_id').where({ 'p.code': input.planCode, 'i.code': input.itemCode }).first('i.id')) as { id: number } | undefined;
  if (!item) throw ApplicationFailure.nonRetryable(`item ${input.planCode}/${input.itemCode} is not in the catalog`, 'ItemNotFound');
  // A city's share (分解下达) points at the item's provincial assignment.
  const parentId = input.parent ? await assignmentId(trx, input.parent.itemKey) : undefined;
  const inserted = (await trx('assignments')
    .insert({
      item_id: item.id,
      workflow_id: input.itemKey,
      lead_department_id: await departmentId(trx, input.lead),
      cadence: input.policy.cadence,
      due_offset_working_days: input.policy.dueOffsetWorkingDays,
      start_date: input.startDate,
      assigned_on: input.assignedOn ?? null,
      final_deadline: input.finalDeadline,
      policy: JSON.stringify(input.policy),
      status: 'assigned',
      assigned_by: input.assignedBy,
      assigned_at: new Date(req.assignedAt),
      coop_acknowledges: req.coopAcknowledges === true,
      ...(input.parent ? { parent_assignment_id: parentId, share_weight: input.parent.weight } : {}),
    })
    .onConflict()
    .ignore()
    .returning('id')) as { id: number }[];
  if (!inserted.length) return;
  const id = inserted[0]!.id;
  for (const code of input.cooperating) {
    await trx('assignment_cooperators').insert({ assignment_id: id, department_id: await departmentId(trx, code) });
  }
  const payload = {
    ...(input.parent ? { parent: input.parent.itemKey, weight: input.parent.weight } : {}),
    lead: input.lead,
    cooperating: input.cooperating,
    cadence: input.policy.cadence,
    startDate: input.startDate,
    finalDeadline: input.finalDeadline,
  };
  await recordAudit(trx, { actor: input.assignedBy, action: 'item.assign', subject: input.itemKey, payload, requestId: input.requestId });
}

/** The next round starts once on the same row, however often the activity is retried; earlier periods, reports and audit stay. */
export async function reopenAssignment(trx: Knex.Transaction, req: AssignmentRequest): Promise<void> {
  const { input } = req;
  const reopen = input.reopen as NonNullable<ItemWorkflowInput['reopen']>;
  const updated = (await trx('assignments')
    .where({ workflow_id: input.itemKey })
    .where('round', '<', reopen.round)
    .update({
      round: reopen.round,
      status: 'assigned',
      lead_department_id: await departmentId(trx, input.lead),
      start_date: input.startDate,
      assigned_on: input.assignedOn ?? null,
      final_deadline: input.finalDeadline,
      policy: JSON.stringify(input.policy),
      assigned_by: input.assignedBy,
      assigned_at: new Date(req.assignedAt),
      reopened_at: new Date(req.assignedAt),
      reopen_reason: reopen.reason,
      coop_acknowledges: req.coopAcknowledges === true,
      next_due_on: null,
      next_due_at: null,
      escalation_level: 0,
      grade: null,
      acknowledged_at: null,
      completed_at: null,
      cancelled_at: null,
      updated_at: trx.fn.now(),
    })
    .returning('id')) as { id: number }[];
  if (!updated.length) return;
  const id = updated[0]!.id;
  await trx('assignment_cooperators').where({ assignment_id: id }).delete();
  for (const code of input.cooperating) {
    await trx('assignment_cooperators').insert({ assignment_id: id, department_id: await departmentId(trx, code) });
  }
  const payload = {
    round: reopen.round,
    reason: reopen.reason,
    lead: input.lead,
    cooperating: input.cooperating,
    startDate: input.startDate,
    finalDeadline: input.finalDeadline,
    firstPeriodSeq: reopen.firstPeriodSeq,
  };
  await recordAudit(trx, { actor: input.assignedBy, action: 'item.reopen', subject: input.itemKey, payload, requestId: input.requestId });
}

/** The departments, lead first, with the role each is told it has. */
function parties(input: ItemWorkflowInput): [string, string][] {
  return [[input.lead, '牵头'], ...input.cooperating.map((c): [string, string] => [c, '配合'])];
}

/** The lead and each co-operating department are told, with one text: who leads, who co-operates, the deadline, and 签收 within how many working days. */
export function notices(input: ItemWorkflowInput, names: Names): Notice[] {
  const cooperating = input.cooperating.map(names).join('、') || '无';
  const signWithin = `请于${input.policy.acknowledgeWithinWorkingDays}个工作日内签收。`;
  if (input.reopen) {
    const { round, reason } = input.reopen;
    const body = `${input.title}\n本事项重新交办。理由:${reason}\n牵头单位:${names(input.lead)}\n配合单位:${cooperating}\n完成时限:${chineseDate(input.finalDeadline)}。${signWithin}`;
    return parties(input).map(([to, role]) => ({ to, kind: 'assignment', key: `assign:${input.itemKey}:r${round}:${to}`, title: `【重新交办】${input.title}(${role})`, body }));
  }
  const body = `${input.title}\n牵头单位:${names(input.lead)}\n配合单位:${cooperating}\n报送周期:${wordFor(CADENCE_WORDS, input.policy.cadence)},完成时限:${chineseDate(input.finalDeadline)}。${signWithin}`;
  return parties(input).map(([to, role]) => ({
    to,
    kind: 'assignment',
    key: `assign:${input.itemKey}:${to}`,
    title: role === '牵头' && input.parent ? `【分解下达】${input.title}` : `【交办】${input.title}(${role})`,
    body,
  }));
}
