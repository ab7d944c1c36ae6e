import type { Knex } from 'knex';
import { recordAudit } from '../../db/audit';
import { verdictColumns } from '../../db/on-time';
import { refreshScheduleStanding } from '../../db/schedule-standing';
import type { DatedEvent } from '../../domain/item/events';
import { chineseDate } from '../../domain/words';
import { assignmentId, auditBy, departmentId, departmentNames, noNames, type EventContext, type Names, type Notice } from './context';

/** A report filed (a co-operating department's input, or the lead's consolidated report) and its review. */

export async function recordReport(ctx: EventContext, ev: DatedEvent<'report'>): Promise<void> {
  const { receipt, report } = ev;
  await ctx.db.transaction(async (trx) => {
    await trx('reports')
      .insert({
        receipt_id: receipt.receiptId,
        assignment_id: await assignmentId(trx, ev.itemKey),
        period_seq: receipt.periodSeq,
        department_id: await departmentId(trx, receipt.department),
        kind: receipt.kind,
        version: receipt.version,
        progress: report.progress,
        percent_done: report.percentDone,
        problems: report.problems ?? null,
        next_steps: report.nextSteps ?? null,
        attachments: JSON.stringify(report.attachments ?? []),
        indicator_values: JSON.stringify(report.indicators ?? []),
        // Each input with the instant it arrived, as the API shows it.
        inputs: JSON.stringify((receipt.inputs ?? []).map((i) => ({ ...i, ...(i.receivedAt !== undefined ? { receivedAt: new Date(i.receivedAt).toISOString() } : {}) }))),
        missing_inputs: JSON.stringify(receipt.missingInputs ?? []),
        // A cascaded item's consolidated report: each city's latest report on its share.
        cities: receipt.cities ? JSON.stringify(receipt.cities.map((c) => ({ ...c, receivedAt: new Date(c.receivedAt).toISOString() }))) : null,
        submitted_by: ev.actor,
        submitted_at: new Date(receipt.receivedAt),
      })
      .onConflict('receipt_id')
      .ignore();
    // The lead's report says where the item stands: judged against its 序时进度 in the same transaction.
    if (receipt.kind === 'consolidated') await refreshScheduleStanding(trx, { assignmentId: await assignmentId(trx, ev.itemKey) });
    await recordAudit(trx, { ...auditBy(ev), action: 'item.report', payload: { receipt }, key: `report:${receipt.receiptId}` });
  });
  await ctx.tell(ev, notices(ev, await departmentNames(ctx.db, [receipt.department])));
}

/** The latest consolidated report of the period takes the decision; an acceptance settles the period's verdicts and ends its chase. */
async function writeReview(trx: Knex.Transaction, ev: DatedEvent<'review'>): Promise<void> {
  const id = await assignmentId(trx, ev.itemKey);
  const latest = (await trx('reports').where({ assignment_id: id, period_seq: ev.periodSeq, kind: 'consolidated' }).orderBy('version', 'desc').first('id')) as { id: number } | undefined;
  if (latest) {
    await trx('reports').where({ id: latest.id }).update({
      review: ev.decision === 'accept' ? 'accepted' : 'returned',
      review_comment: ev.comment ?? null,
      reviewed_by: ev.actor,
      reviewed_at: trx.fn.now(),
    });
  }
  if (ev.decision === 'accept') {
    const verdicts = await verdictColumns(trx, { assignmentId: id, seq: ev.periodSeq }, ev);
    await trx('periods').where({ assignment_id: id, seq: ev.periodSeq }).update({ ...verdicts, accepted_at: trx.fn.now() });
    await trx('escalations').where({ assignment_id: id, period_seq: ev.periodSeq, subject: 'report' }).whereNull('resolved_at').update({ resolved_at: trx.fn.now() });
  }
  await recordAudit(trx, { ...auditBy(ev), action: `item.review.${ev.decision}`, payload: { periodSeq: ev.periodSeq, comment: ev.comment, newDueOn: ev.newDueOn }, key: `review:${ev.periodSeq}:v${ev.version}` });
}

export async function recordReview(ctx: EventContext, ev: DatedEvent<'review'>): Promise<void> {
  await ctx.db.transaction((trx) => writeReview(trx, ev));
  await ctx.tell(ev, notices(ev, noNames));
}

/**
 * A co-operating department's input goes to the lead, the lead's report to the
 * secretariat; the review's decision goes back to the lead.
 */
export function notices(ev: DatedEvent<'report' | 'review'>, names: Names): Notice[] {
  if (ev.kind === 'report') {
    const { receipt, report } = ev;
    const input = receipt.kind === 'input';
    const what = input ? `配合单位${names(receipt.department)}报送了第${receipt.periodSeq}期进展` : `牵头单位报送了第${receipt.periodSeq}期进展(第${receipt.version}版)`;
    return [{ to: input ? ev.lead : ev.secretariat, kind: 'review', key: `report:${receipt.receiptId}`, title: `【报送】${ev.title}`, body: `${what},完成${report.percentDone}%。\n${report.progress}` }];
  }
  const accept = ev.decision === 'accept';
  const body = accept ? `第${ev.periodSeq}期进展报告已审核通过。` : `第${ev.periodSeq}期进展报告被退回修改,请于${chineseDate(ev.newDueOn ?? ev.businessDate)}前重新报送。${ev.comment ?? ''}`;
  return [{ to: ev.lead, kind: 'review', key: `review:${ev.itemKey}:p${ev.periodSeq}:v${ev.version}:${ev.decision}`, title: `【${accept ? '审核通过' : '退回'}】${ev.title}`, body }];
}
