import { refreshScheduleStanding } from '../db/schedule-standing';
import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { Db } from '../db/connection';
import { verdictColumns } from '../db/on-time';
import type { Logger } from '../platform/logger';
import { nextDeadline } from '../domain/ladder';
import { CADENCE_WORDS, GRADE_WORDS, wordFor } from '../domain/words';
import { RUNG_LABELS } from '../workflows/definitions';
import type {
  Grade,
  ItemState,
  ItemWorkflowInput,
  ReportReceipt,
  RungEvent,
  SubmitReportInput,
} from '../workflows/definitions';
import type { ClockAnchor } from '../domain/clock';
import { chineseDate } from '../domain/words';
import type { NotificationActivities, NotificationKind } from './notifications';
import type { WorkingCalendar } from '../domain/calendar';
import { issuesNotice, noticePdfLink } from '../domain/supervision-notice';
import { noticeForRung, noticeMention } from './supervision-notices';

/**
 * The item workflow's effects on PostgreSQL and on people: the mirror rows the
 * API and the board read, the audit trail, and the notifications. Each write
 * is keyed (item, period, kind or rung), so a retried or replayed activity
 * changes nothing the second time.
 */

interface ItemRef {
  itemKey: string;
  title: string;
}

export type ItemEvent = ItemRef & {
  actor: string;
  /** The caller's request (X-Request-ID): traced on the audit row, never part of a key, since a client may send one twice. */
  requestId?: string;
  /**
   * The event's own id, minted by the workflow: the key of the audit row and
   * notices of events that may happen more than once (reassignment, completion
   * request and decision). Absent from events of older workflow code.
   */
  eventId?: string;
  /** The item's clock, for the business date of events that happen "today". */
  anchor: ClockAnchor;
  /** The working day the event belongs to, where it has its own (a reminder's, a rung's). */
  businessDate?: string;
  /** The round of a reopened item (2, 3, ...): its one-time events are keyed apart from the earlier rounds'. */
  round?: number;
} & (
    | { kind: 'acknowledged'; department: string; role?: 'cooperating' }
    | { kind: 'report'; receipt: ReportReceipt; report: SubmitReportInput; lead: string; secretariat: string }
    | {
        kind: 'review';
        periodSeq: number;
        version: number;
        decision: 'accept' | 'return';
        comment?: string;
        newDueOn?: string;
        lead: string;
        /** On an acceptance, the workflow's verdicts (domain/on-time.ts): by the due instant in force... */
        onTime?: boolean;
        /** ...and by the end of the original due date; absent from older workflow code. */
        onTimeOriginal?: boolean;
      }
    | { kind: 'reminder'; subject?: 'report' | 'final' | 'instruction'; instructionKey?: string; periodSeq: number; offset: number; dueOn: string; lead: string }
    | { kind: 'escalation'; subject: 'report' | 'acknowledgement' | 'final' | 'instruction'; instructionKey?: string; periodSeq: number; rung: RungEvent; dueOn: string; lead: string; secretariat: string }
    | { kind: 'extension-requested'; extensionId: string; periodSeq: number; requestedDueOn: string; reason: string; department: string; secretariat: string }
    | { kind: 'extension-decided'; extensionId: string; approve: boolean; dueOn?: string; comment?: string; lead: string }
    | { kind: 'reassigned'; from: string; to: string; reason: string }
    | { kind: 'instruction'; instructionKey: string; text: string; recipients: string[]; seq?: number; feedbackDueOn?: string }
    | { kind: 'feedback'; instructionKey: string; seq: number; text: string; late: boolean; dueOn: string; department: string; secretariat: string }
    /** The co-operating inputs of a period: a reminder to the departments still silent, or their one 催办 (the lead is told). */
    | { kind: 'input-due'; stage: 'reminder' | 'chase'; periodSeq: number; offset: number; dueOn: string; departments: string[]; lead: string }
    | { kind: 'completion-requested'; summary: string; department: string; secretariat: string }
    | { kind: 'completion-decided'; approve: boolean; grade?: Grade; comment?: string; lead: string }
    | { kind: 'cancelled'; reason: string; recipients: string[] }
    /** 分解下达: the cities whose shares this cascade started, and those it found already there (audit only). */
    | { kind: 'cascaded'; cities: { code: string; weight?: number }[]; started: string[]; existing: string[] }
    | { kind: 'blocked'; reason: string; secretariat: string }
  );


async function assignmentId(trx: Knex | Knex.Transaction, itemKey: string): Promise<number> {
  const row = (await trx('assignments').where({ workflow_id: itemKey }).first('id')) as { id: number } | undefined;
  if (!row) throw ApplicationFailure.nonRetryable(`no assignment recorded for ${itemKey}`, 'AssignmentMissing');
  return row.id;
}

/** Departments as the notices name them: the short name, else the full name (a code only if the department is unknown). */
async function departmentNames(trx: Knex | Knex.Transaction, codes: string[]): Promise<(code: string) => string> {
  const rows = (await trx('departments').whereIn('code', codes).select('code', 'name', 'short_name')) as { code: string; name: string; short_name: string | null }[];
  const names = new Map(rows.map((r) => [r.code, r.short_name || r.name]));
  return (code) => names.get(code) ?? code;
}

/** Why an item cannot plan its deadlines, as the secretariat reads it: a year not loaded is named, anything else is the administrator's to look into. */
function blockedText(reason: string): string {
  const year = /^calendar for (\d{4}) not loaded$/.exec(reason)?.[1];
  if (year) return `本事项无法计算报送期限:${year}年的工作日安排尚未加载。请管理员加载该年度的工作日安排。`;
  return '本事项无法计算报送期限:计算所需的数据有误。请管理员根据系统日志核查。';
}

async function departmentId(trx: Knex | Knex.Transaction, code: string): Promise<number> {
  const row = (await trx('departments').where({ code }).first('id')) as { id: number } | undefined;
  if (!row) throw ApplicationFailure.nonRetryable(`unknown department ${code}`, 'UnknownDepartment');
  return row.id;
}

/** The key of an event that may come again: its own id; events from older workflow code keep the key they were recorded under. */
function eventKey(ev: { eventId?: string }, before: string): string {
  return ev.eventId ?? before;
}

/** The key suffix of a reopened item's round; nothing for the first, so earlier keys stay as they were. */
function roundKey(ev: { round?: number }): string {
  return ev.round && ev.round > 1 ? `:r${ev.round}` : '';
}

async function audit(trx: Knex | Knex.Transaction, ev: { actor: string; requestId?: string; itemKey: string }, action: string, payload: object, key?: string): Promise<void> {
  // Keyed audit rows make a retried activity leave one trace, not two.
  if (key) {
    const seen = await trx('audit_events').where({ action, subject: ev.itemKey }).whereRaw(`payload->>'key' = ?`, [key]).first('id');
    if (seen) return;
  }
  await trx('audit_events').insert({
    actor: ev.actor,
    action,
    subject: ev.itemKey,
    payload: JSON.stringify(key ? { key, ...payload } : payload),
    request_id: ev.requestId ?? null,
  });
}

export function createItemActivities({
  db,
  log,
  notifications,
  today,
  calendar,
}: {
  db: Db;
  log: Logger;
  notifications: NotificationActivities;
  today: (anchor: ClockAnchor) => Promise<string>;
  /** The working-day calendar, for how many working days overdue a 督办单 says an item is. */
  calendar: () => Promise<WorkingCalendar>;
}) {
  const notify = async (departmentCode: string, kind: NotificationKind, key: string, ev: ItemRef & { businessDate: string }, title: string, body: string, payload?: Record<string, unknown>) =>
    notifications.notify({ key, departmentCode, kind, itemKey: ev.itemKey, businessDate: ev.businessDate, title, body, payload });

  /**
   * A completed or cancelled item reopened: the same assignment record starts
   * its next round (once, however often the activity is retried), and the
   * departments are told. Earlier periods, reports and audit stay.
   */
  const recordReopening = async (req: { input: ItemWorkflowInput; assignedAt: number; coopAcknowledges?: boolean }, businessDate: string): Promise<void> => {
    const { input } = req;
    const reopen = input.reopen as NonNullable<ItemWorkflowInput['reopen']>;
    await db.transaction(async (trx) => {
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
      await audit(trx, { actor: input.assignedBy, itemKey: input.itemKey, requestId: input.requestId }, 'item.reopen', {
        round: reopen.round,
        reason: reopen.reason,
        lead: input.lead,
        cooperating: input.cooperating,
        startDate: input.startDate,
        finalDeadline: input.finalDeadline,
        firstPeriodSeq: reopen.firstPeriodSeq,
      });
    });
    const ev = { itemKey: input.itemKey, title: input.title, businessDate };
    const name = await departmentNames(db, [input.lead, ...input.cooperating]);
    const body = `${input.title}\n本事项重新交办。理由:${reopen.reason}\n牵头单位:${name(input.lead)}\n配合单位:${input.cooperating.map(name).join('、') || '无'}\n完成时限:${chineseDate(input.finalDeadline)}。请于${input.policy.acknowledgeWithinWorkingDays}个工作日内签收。`;
    for (const [code, role] of [[input.lead, '牵头'], ...input.cooperating.map((c) => [c, '配合'])] as [string, string][]) {
      await notify(code, 'assignment', `assign:${input.itemKey}:r${reopen.round}:${code}`, ev, `【重新交办】${input.title}(${role})`, body);
    }
    log.info({ workflowId: input.itemKey, round: reopen.round }, 'reopening recorded');
  };

  return {
    /** The assignment row, its co-operating departments, the audit, and the notices to the departments. */
    /** `coopAcknowledges`: the workflow lets its co-operating departments 签收 (the supervision loop). */
    async recordAssignment(req: { input: ItemWorkflowInput; assignedAt: number; coopAcknowledges?: boolean }): Promise<void> {
      const { input } = req;
      const businessDate = await today({ date: input.assignedOn ?? input.startDate, at: req.assignedAt });
      if (input.reopen) return recordReopening(req, businessDate);
      await db.transaction(async (trx) => {
        const item = (await trx('items as i')
          .join('plans as p', 'p.id', 'i.plan_id')
          .where({ 'p.code': input.planCode, 'i.code': input.itemCode })
          .first('i.id')) as { id: number } | undefined;
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
          // One provincial assignment per item, one share per city and item: a retry or a replay inserts nothing.
          .onConflict()
          .ignore()
          .returning('id')) as { id: number }[];
        if (!inserted.length) return;
        const id = inserted[0]!.id;
        for (const code of input.cooperating) {
          await trx('assignment_cooperators').insert({ assignment_id: id, department_id: await departmentId(trx, code) });
        }
        await audit(trx, { actor: input.assignedBy, itemKey: input.itemKey, requestId: input.requestId }, 'item.assign', {
          ...(input.parent ? { parent: input.parent.itemKey, weight: input.parent.weight } : {}),
          lead: input.lead,
          cooperating: input.cooperating,
          cadence: input.policy.cadence,
          startDate: input.startDate,
          finalDeadline: input.finalDeadline,
        });
      });
      const ev = { itemKey: input.itemKey, title: input.title, businessDate };
      const name = await departmentNames(db, [input.lead, ...input.cooperating]);
      const body = `${input.title}\n牵头单位:${name(input.lead)}\n配合单位:${input.cooperating.map(name).join('、') || '无'}\n报送周期:${wordFor(CADENCE_WORDS, input.policy.cadence)},完成时限:${chineseDate(input.finalDeadline)}。请于${input.policy.acknowledgeWithinWorkingDays}个工作日内签收。`;
      await notify(input.lead, 'assignment', `assign:${input.itemKey}:${input.lead}`, ev, input.parent ? `【分解下达】${input.title}` : `【交办】${input.title}(牵头)`, body);
      for (const code of input.cooperating) {
        await notify(code, 'assignment', `assign:${input.itemKey}:${code}`, ev, `【交办】${input.title}(配合)`, body);
      }
      log.info({ workflowId: input.itemKey, lead: input.lead }, 'assignment recorded');
    },

    /** Mirrors the workflow's state into the rows the API and board read. */
    async syncItem(state: ItemState): Promise<void> {
      await db.transaction(async (trx) => {
        const id = await assignmentId(trx, state.itemKey);
        const next = nextDeadline(state);
        const terminalAt = new Date();
        await trx('assignments')
          .where({ id })
          .update({
            status: state.status,
            lead_department_id: await departmentId(trx, state.lead),
            next_due_on: next?.on ?? null,
            next_due_at: next ? new Date(next.at) : null,
            escalation_level: state.escalationLevel,
            grade: state.grade ?? null,
            acknowledged_at: state.status === 'assigned' ? null : trx.raw('coalesce(acknowledged_at, ?)', [terminalAt]),
            completed_at: state.status === 'completed' ? trx.raw('coalesce(completed_at, ?)', [terminalAt]) : null,
            cancelled_at: state.status === 'cancelled' ? trx.raw('coalesce(cancelled_at, ?)', [terminalAt]) : null,
            updated_at: trx.fn.now(),
          });
        // One after the other: a transaction is one connection, and pg warns of (and will refuse) queries sent on it at once.
        const coops: number[] = [];
        for (const c of state.cooperating) coops.push(await departmentId(trx, c));
        await trx('assignment_cooperators').where({ assignment_id: id }).whereNotIn('department_id', coops.length ? coops : [-1]).delete();
        if (coops.length) {
          await trx('assignment_cooperators').insert(coops.map((d) => ({ assignment_id: id, department_id: d }))).onConflict(['assignment_id', 'department_id']).ignore();
        }
        const p = state.period;
        if (p) {
          await trx('periods')
            .insert({
              assignment_id: id,
              seq: p.seq,
              starts_on: p.startsOn,
              ends_on: p.endsOn,
              original_due_on: p.originalDueOn,
              due_on: p.dueOn,
              extended_due_on: p.extendedDueOn ?? null,
              due_at: new Date(p.dueAt),
              status: p.status,
            })
            .onConflict(['assignment_id', 'seq'])
            .merge(['starts_on', 'ends_on', 'original_due_on', 'due_on', 'extended_due_on', 'due_at', 'status', 'updated_at']);
        }
      });
    },

    /** One event of the item's life: its rows, its audit entry, its notices. */
    async recordItemEvent(event: ItemEvent): Promise<void> {
      const ev = { ...event, businessDate: event.businessDate ?? (await today(event.anchor)) };
      switch (ev.kind) {
        case 'acknowledged':
          if (ev.role === 'cooperating') {
            await db.transaction(async (trx) => {
              await trx('assignment_cooperators')
                .where({ assignment_id: await assignmentId(trx, ev.itemKey), department_id: await departmentId(trx, ev.department) })
                .whereNull('acknowledged_at')
                .update({ acknowledged_at: trx.fn.now() });
              await audit(trx, ev, 'item.acknowledge', { department: ev.department, role: 'cooperating' }, `ack${roundKey(ev)}:${ev.department}`);
            });
            return;
          }
          await db.transaction(async (trx) => {
            // Acknowledging ends the acknowledgement chase: its rungs are no longer open on the board.
            await trx('escalations').where({ assignment_id: await assignmentId(trx, ev.itemKey), subject: 'acknowledgement' }).whereNull('resolved_at').update({ resolved_at: trx.fn.now() });
            await audit(trx, ev, 'item.acknowledge', { department: ev.department }, `ack${roundKey(ev)}`);
          });
          return;

        case 'report': {
          const { receipt, report } = ev;
          await db.transaction(async (trx) => {
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
            await audit(trx, ev, 'item.report', { receipt }, `report:${receipt.receiptId}`);
          });
          const to = receipt.kind === 'input' ? ev.lead : ev.secretariat;
          const name = await departmentNames(db, [receipt.department]);
          const what = receipt.kind === 'input' ? `配合单位${name(receipt.department)}报送了第${receipt.periodSeq}期进展` : `牵头单位报送了第${receipt.periodSeq}期进展(第${receipt.version}版)`;
          await notify(to, 'review', `report:${receipt.receiptId}`, ev, `【报送】${ev.title}`, `${what},完成${report.percentDone}%。\n${report.progress}`);
          return;
        }

        case 'review': {
          await db.transaction(async (trx) => {
            const id = await assignmentId(trx, ev.itemKey);
            const latest = (await trx('reports')
              .where({ assignment_id: id, period_seq: ev.periodSeq, kind: 'consolidated' })
              .orderBy('version', 'desc')
              .first('id')) as { id: number } | undefined;
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
            await audit(trx, ev, `item.review.${ev.decision}`, { periodSeq: ev.periodSeq, comment: ev.comment, newDueOn: ev.newDueOn }, `review:${ev.periodSeq}:v${ev.version}`);
          });
          const text = ev.decision === 'accept' ? `第${ev.periodSeq}期进展报告已审核通过。` : `第${ev.periodSeq}期进展报告被退回修改,请于${chineseDate(ev.newDueOn ?? ev.businessDate)}前重新报送。${ev.comment ?? ''}`;
          await notify(ev.lead, 'review', `review:${ev.itemKey}:p${ev.periodSeq}:v${ev.version}:${ev.decision}`, ev, `【${ev.decision === 'accept' ? '审核通过' : '退回'}】${ev.title}`, text);
          return;
        }

        case 'reminder': {
          if (ev.subject === 'instruction') {
            const when = ev.offset === 0 ? `今天(${chineseDate(ev.dueOn)})到期` : `将于${chineseDate(ev.dueOn)}到期,还有${ev.offset}个工作日`;
            await notify(ev.lead, 'reminder', `reminder:${ev.itemKey}${roundKey(ev)}:instruction:${ev.periodSeq}:${ev.dueOn}:d${ev.offset}`, ev, `【提醒】${ev.title}`, `第${ev.periodSeq}条领导批示的落实反馈${when}。`, {
              subject: 'instruction',
              instructionKey: ev.instructionKey,
              dueOn: ev.dueOn,
              offset: ev.offset,
            });
            return;
          }
          const final = ev.subject === 'final';
          const what = final ? '本事项完成时限' : `第${ev.periodSeq}期进展报送`;
          await notify(
            ev.lead,
            'reminder',
            final ? `reminder:${ev.itemKey}${roundKey(ev)}:final:${ev.dueOn}:d${ev.offset}` : `reminder:${ev.itemKey}:p${ev.periodSeq}:${ev.dueOn}:d${ev.offset}`,
            ev,
            `【提醒】${ev.title}`,
            ev.offset === 0 ? `${what}今天(${chineseDate(ev.dueOn)})到期。` : `${what}将于${chineseDate(ev.dueOn)}到期,还有${ev.offset}个工作日。`,
            { periodSeq: ev.periodSeq, dueOn: ev.dueOn, offset: ev.offset, ...(final ? { subject: 'final' } : {}) },
          );
          return;
        }

        case 'escalation': {
          // Periods are numbered across rounds; the acknowledgement and the final deadline come again in each.
          const key = `escalation:${ev.itemKey}${ev.subject === 'report' ? '' : roundKey(ev)}:${ev.subject}:p${ev.periodSeq}:${ev.rung.rung}`;
          // Read before the transaction: it must not wait on a second pooled connection while holding one.
          const cal = issuesNotice(ev.rung.rung) ? await calendar() : undefined;
          const notice = await db.transaction(async (trx) => {
            const id = await assignmentId(trx, ev.itemKey);
            await trx('escalations')
              .insert({
                key,
                assignment_id: id,
                subject: ev.subject,
                period_seq: ev.periodSeq,
                rung: ev.rung.rung,
                level: ev.rung.level,
                business_date: ev.businessDate,
                fired_at: trx.fn.now(),
              })
              .onConflict('key')
              .ignore();
            // 督办 and 上报领导小组 issue a numbered 督办单, with the rung or not at all: a retry finds the same number.
            const issued = cal && (await noticeForRung(trx, cal, { escalationKey: key, itemKey: ev.itemKey, lead: ev.lead, subject: ev.subject, periodSeq: ev.periodSeq, rung: ev.rung.rung, level: ev.rung.level, businessDate: ev.businessDate, dueOn: ev.dueOn }));
            await audit(trx, ev, 'item.escalate', { subject: ev.subject, periodSeq: ev.periodSeq, rung: ev.rung.rung, level: ev.rung.level, ...(issued ? { docNumber: issued.docNumber } : {}) }, key);
            return issued;
          });
          const what = {
            acknowledgement: `交办事项应于${chineseDate(ev.dueOn)}前签收,至今未签收`,
            report: `第${ev.periodSeq}期进展应于${chineseDate(ev.dueOn)}前报送,至今未报送`,
            final: `本事项完成时限为${chineseDate(ev.dueOn)},逾期未办结`,
            instruction: `第${ev.periodSeq}条领导批示的落实情况应于${chineseDate(ev.dueOn)}前反馈,至今未反馈`,
          }[ev.subject];
          const title = `【${RUNG_LABELS[ev.rung.rung] ?? ev.rung.label}】${ev.title}`;
          // The notice's 文号 in the text, its number and download link in the payload (for the console).
          const mention = notice ? `\n${noticeMention(notice)}` : '';
          const payload = { rung: ev.rung.rung, level: ev.rung.level, ...(notice ? { notice: { id: notice.id, docNumber: notice.docNumber, pdf: noticePdfLink(notice.id) } } : {}) };
          await notify(ev.lead, 'escalation', key, ev, title, `${what}。(${ev.rung.label})${mention}`, payload);
          // From 督办 on the secretariat is party to it; the top rung puts the item before the leading group.
          if (ev.rung.level >= 2) await notify(ev.secretariat, 'escalation', `${key}:secretariat`, ev, title, `${(await departmentNames(db, [ev.lead]))(ev.lead)}:${what}。(${ev.rung.label})${mention}`, payload);
          return;
        }

        case 'extension-requested':
          await db.transaction(async (trx) => {
            await trx('extension_requests')
              .insert({
                key: ev.extensionId,
                assignment_id: await assignmentId(trx, ev.itemKey),
                period_seq: ev.periodSeq,
                requested_due_on: ev.requestedDueOn,
                reason: ev.reason,
                requested_by: ev.actor,
                requested_at: trx.fn.now(),
              })
              .onConflict('key')
              .ignore();
            await audit(trx, ev, 'item.extension.request', { periodSeq: ev.periodSeq, requestedDueOn: ev.requestedDueOn, reason: ev.reason }, ev.extensionId);
          });
          await notify(ev.secretariat, 'extension', `${ev.extensionId}:request`, ev, `【延期申请】${ev.title}`, `${(await departmentNames(db, [ev.department]))(ev.department)}申请将第${ev.periodSeq}期报送延期至${chineseDate(ev.requestedDueOn)}。理由:${ev.reason}`);
          return;

        case 'extension-decided':
          await db.transaction(async (trx) => {
            await trx('extension_requests')
              .where({ key: ev.extensionId })
              .update({ decision: ev.approve ? 'approved' : 'rejected', decided_due_on: ev.dueOn ?? null, decided_by: ev.actor, decided_at: trx.fn.now() });
            await audit(trx, ev, 'item.extension.decide', { extensionId: ev.extensionId, approve: ev.approve, dueOn: ev.dueOn, comment: ev.comment }, `${ev.extensionId}:decision`);
          });
          await notify(ev.lead, 'extension', `${ev.extensionId}:decision`, ev, `【延期${ev.approve ? '批准' : '不予批准'}】${ev.title}`, ev.approve ? `延期申请已批准,报送截止日调整为${chineseDate(ev.dueOn ?? ev.businessDate)}。` : `延期申请未获批准。${ev.comment ?? ''}`);
          return;

        case 'reassigned': {
          const pair = `${ev.from}>${ev.to}`;
          await audit(db, ev, 'item.reassign', { from: ev.from, to: ev.to, reason: ev.reason }, `reassign:${eventKey(ev, ev.requestId ?? pair)}`);
          const name = await departmentNames(db, [ev.from, ev.to]);
          const key = `reassign:${ev.itemKey}:${eventKey(ev, pair)}`;
          await notify(ev.to, 'reassignment', `${key}:to`, ev, `【改派】${ev.title}`, `本事项牵头单位由${name(ev.from)}调整为贵单位。理由:${ev.reason}`);
          await notify(ev.from, 'reassignment', `${key}:from`, ev, `【改派】${ev.title}`, `本事项牵头单位已调整为${name(ev.to)}。理由:${ev.reason}`);
          return;
        }

        case 'instruction':
          await db.transaction(async (trx) => {
            await trx('instructions')
              .insert({
                key: ev.instructionKey,
                assignment_id: await assignmentId(trx, ev.itemKey),
                issued_by: ev.actor,
                text: ev.text,
                issued_at: trx.fn.now(),
                seq: ev.seq ?? null,
                feedback_due_on: ev.feedbackDueOn ?? null,
              })
              .onConflict('key')
              .ignore();
            await audit(trx, ev, 'item.instruct', { text: ev.text, ...(ev.feedbackDueOn ? { feedbackDueOn: ev.feedbackDueOn } : {}) }, ev.instructionKey);
          });
          for (const to of ev.recipients) {
            const ask = ev.feedbackDueOn ? `\n请牵头单位于${chineseDate(ev.feedbackDueOn)}前反馈落实情况。` : '';
            await notify(to, 'instruction', `${ev.instructionKey}:${to}`, ev, `【领导批示】${ev.title}`, `${ev.text}${ask}`);
          }
          return;

        case 'feedback': {
          await db.transaction(async (trx) => {
            const id = await assignmentId(trx, ev.itemKey);
            await trx('instructions')
              .where({ key: ev.instructionKey })
              .whereNull('feedback_at')
              .update({ feedback_text: ev.text, feedback_by: ev.actor, feedback_at: trx.fn.now(), feedback_late: ev.late });
            // The feedback answers its chase: the instruction's rungs are no longer open on the board.
            await trx('escalations').where({ assignment_id: id, subject: 'instruction', period_seq: ev.seq }).whereNull('resolved_at').update({ resolved_at: trx.fn.now() });
            await audit(trx, ev, 'item.feedback', { instructionKey: ev.instructionKey, seq: ev.seq, text: ev.text, late: ev.late }, `feedback:${ev.instructionKey}`);
          });
          const name = await departmentNames(db, [ev.department]);
          const late = ev.late ? `(逾期,原定${chineseDate(ev.dueOn)}前反馈)` : '';
          await notify(ev.secretariat, 'feedback', `feedback:${ev.instructionKey}`, ev, `【落实反馈】${ev.title}`, `${name(ev.department)}反馈了第${ev.seq}条领导批示的落实情况${late}:\n${ev.text}`, {
            instructionKey: ev.instructionKey,
            late: ev.late,
          });
          return;
        }

        case 'input-due': {
          if (!ev.departments.length) return;
          const name = await departmentNames(db, [...ev.departments, ev.lead]);
          const round = `${ev.itemKey}${roundKey(ev)}:p${ev.periodSeq}`;
          if (ev.stage === 'reminder') {
            const when = ev.offset === 0 ? `今天(${chineseDate(ev.dueOn)})到期` : `将于${chineseDate(ev.dueOn)}到期,还有${ev.offset}个工作日`;
            for (const to of ev.departments) {
              await notify(to, 'reminder', `input-reminder:${round}:${ev.dueOn}:d${ev.offset}:${to}`, ev, `【提醒】${ev.title}`, `第${ev.periodSeq}期配合材料${when},请报送牵头单位${name(ev.lead)}。`, {
                subject: 'input',
                periodSeq: ev.periodSeq,
                dueOn: ev.dueOn,
                offset: ev.offset,
              });
            }
            return;
          }
          await audit(db, ev, 'item.input.chase', { periodSeq: ev.periodSeq, departments: ev.departments, dueOn: ev.dueOn }, `input-chase:${round}`);
          for (const to of ev.departments) {
            await notify(to, 'escalation', `input-chase:${round}:${to}`, ev, `【催办】${ev.title}`, `第${ev.periodSeq}期配合材料应于${chineseDate(ev.dueOn)}前报送牵头单位${name(ev.lead)},至今未报送,请抓紧报送。`, {
              subject: 'input',
              periodSeq: ev.periodSeq,
              dueOn: ev.dueOn,
            });
          }
          await notify(ev.lead, 'escalation', `input-chase:${round}:lead`, ev, `【配合材料逾期】${ev.title}`, `配合单位${ev.departments.map(name).join('、')}第${ev.periodSeq}期配合材料逾期未报送,已催办。`, {
            subject: 'input',
            periodSeq: ev.periodSeq,
            departments: ev.departments,
          });
          return;
        }

        case 'completion-requested': {
          const key = eventKey(ev, ev.requestId ?? ev.businessDate);
          await audit(db, ev, 'item.completion.request', { summary: ev.summary, department: ev.department }, `completion-request:${key}`);
          await db('assignments').where({ workflow_id: ev.itemKey }).update({ completion_summary: ev.summary });
          const name = await departmentNames(db, [ev.department]);
          await notify(ev.secretariat, 'completion', `completion:${ev.itemKey}:request:${key}`, ev, `【申请办结】${ev.title}`, `${name(ev.department)}申请办结本事项。\n${ev.summary}`);
          return;
        }

        case 'completion-decided': {
          const key = eventKey(ev, ev.requestId ?? ev.businessDate);
          await db.transaction(async (trx) => {
            // 办结 ends every chase that is still open.
            if (ev.approve) await trx('escalations').where({ assignment_id: await assignmentId(trx, ev.itemKey) }).whereNull('resolved_at').update({ resolved_at: trx.fn.now() });
            await audit(trx, ev, 'item.completion.decide', { approve: ev.approve, grade: ev.grade, comment: ev.comment }, `completion-decision:${key}`);
          });
          await notify(ev.lead, 'completion', `completion:${ev.itemKey}:decision:${key}`, ev, `【${ev.approve ? '同意办结' : '不同意办结'}】${ev.title}`, ev.approve ? `本事项已办结,评定等次:${wordFor(GRADE_WORDS, ev.grade)}。` : `办结申请未获同意。${ev.comment ?? ''}`);
          return;
        }

        case 'cancelled':
          await db.transaction(async (trx) => {
            const id = await assignmentId(trx, ev.itemKey);
            await trx('assignments').where({ id }).update({ cancel_reason: ev.reason });
            await trx('escalations').where({ assignment_id: id }).whereNull('resolved_at').update({ resolved_at: trx.fn.now() });
            await audit(trx, ev, 'item.cancel', { reason: ev.reason }, `cancel${roundKey(ev)}`);
          });
          for (const to of ev.recipients) await notify(to, 'cancellation', `cancel:${ev.itemKey}${roundKey(ev)}:${to}`, ev, `【撤销】${ev.title}`, `本交办事项已撤销。理由:${ev.reason}`);
          return;

        case 'cascaded':
          await audit(db, ev, 'item.cascade', { cities: ev.cities, started: ev.started, existing: ev.existing }, eventKey(ev, `cascade:${ev.started.join(',')}`));
          return;

        case 'blocked':
          await audit(db, ev, 'item.blocked', { reason: ev.reason }, `blocked:${ev.reason}`);
          // The reason is the engine's own (English) message: the notice says it in words, the payload keeps it for the administrator.
          await notify(ev.secretariat, 'escalation', `blocked:${ev.itemKey}:${ev.reason}`, ev, `【需处理】${ev.title}`, blockedText(ev.reason), { reason: ev.reason });
          return;
      }
    },
  };
}

export type ItemActivities = ReturnType<typeof createItemActivities>;
