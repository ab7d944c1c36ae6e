import type { z } from 'zod';
import type { Db } from '../../db/connection';
import type { itemAssignment, itemPeriod, itemReport, milestone } from '../schemas';

/**
 * What the item detail shows of the workflow's mirror rows, column by column:
 * the answer is a contract (api/schemas.ts), so a column added to a table
 * does not reach clients until it is named here and documented there.
 */

/**
 * A documented answer as PostgreSQL gives it: date columns are already
 * 'YYYY-MM-DD' text (db/connection.ts), but timestamps are Dates, which JSON
 * writes as the ISO instants the schema documents.
 */
type Stored<T> = { [K in keyof T]: T[K] extends string | null ? T[K] | Date : T[K] };
type AssignmentAnswer = Stored<z.output<typeof itemAssignment>>;
type PeriodAnswer = Stored<z.output<typeof itemPeriod>>;
type ReportAnswer = Stored<z.output<typeof itemReport>>;

/** The item's assignment, with the row id its periods and reports are found by (clients know the item by its code). */
/** The item's provincial assignment, or, given a share's workflow id (分解下达), that city's share. */
export async function assignmentOf(db: Db, itemId: number, shareKey?: string): Promise<{ id: number; answer: AssignmentAnswer } | undefined> {
  const row = (await db('assignments')
    .where({ item_id: itemId })
    .where((w) => (shareKey ? w.where('workflow_id', shareKey) : w.whereNull('parent_assignment_id')))
    .first(
      'id',
      'cadence',
      'policy',
      'status',
      'round',
      'start_date as startDate',
      'final_deadline as finalDeadline',
      'assigned_on as assignedOn',
      'assigned_by as assignedBy',
      'assigned_at as assignedAt',
      'acknowledged_at as acknowledgedAt',
      'next_due_on as nextDueOn',
      'next_due_at as nextDueAt',
      'escalation_level as escalationLevel',
      'completion_summary as completionSummary',
      'grade',
      'completed_at as completedAt',
      'cancelled_at as cancelledAt',
      'cancel_reason as cancelReason',
      'reopened_at as reopenedAt',
      'reopen_reason as reopenReason',
    )) as ({ id: number } & AssignmentAnswer) | undefined;
  if (!row) return undefined;
  const { id, ...answer } = row;
  return { id, answer };
}

/** The assignment's reporting periods, in order (all rounds). */
export async function periodsOf(db: Db, assignmentId: number): Promise<PeriodAnswer[]> {
  return (await db('periods')
    .where({ assignment_id: assignmentId })
    .orderBy('seq')
    .select(
      'seq',
      'starts_on as startsOn',
      'ends_on as endsOn',
      'original_due_on as originalDueOn',
      'due_on as dueOn',
      'extended_due_on as extendedDueOn',
      'due_at as dueAt',
      'status',
      'on_time as onTime',
      'on_time_original as onTimeOriginal',
      'accepted_at as acceptedAt',
    )) as PeriodAnswer[];
}

/** The assignment's reports, oldest first (in the order they were filed). */
export async function reportsOf(db: Db, assignmentId: number): Promise<ReportAnswer[]> {
  const rows = (await db('reports as r')
    .join('departments as d', 'd.id', 'r.department_id')
    .where('r.assignment_id', assignmentId)
    .orderBy('r.id')
    .select(
      'r.receipt_id as receiptId',
      'r.period_seq as periodSeq',
      'd.code as department',
      'r.kind',
      'r.version',
      'r.progress',
      'r.percent_done as percentDone',
      'r.problems',
      'r.next_steps as nextSteps',
      'r.attachments',
      'r.indicator_values as indicators',
      'r.planned_percent as plannedPercent',
      'r.inputs',
      'r.missing_inputs as missingInputs',
      'r.cities',
      'r.submitted_by as submittedBy',
      'r.submitted_at as submittedAt',
      'r.review',
      'r.review_comment as reviewComment',
      'r.reviewed_by as reviewedBy',
      'r.reviewed_at as reviewedAt',
    )) as (Omit<ReportAnswer, 'cities'> & { cities: ReportAnswer['cities'] | null })[];
  // The cities' reports are there only on a cascaded item's consolidated reports.
  return rows.map(({ cities, ...r }) => (cities ? { ...r, cities } : r));
}

interface StoredIndicator {
  name: string;
  unit: string;
  baseline?: number;
  target: number;
  targetDate: string;
}

/**
 * The item's 序时进度: its milestones, its indicators with the latest value the
 * lead reported for each, and its standing as db/schedule-standing.ts judged it.
 */
export async function scheduleOfItem(db: Db, itemId: number, reports: readonly ReportAnswer[], assignmentId?: number) {
  // The standing of the assignment shown: a city's share has its own, judged against the item's milestones.
  const row = (await db('items as i')
    .leftJoin('assignments as a', (j) => (assignmentId === undefined ? j.on('a.item_id', 'i.id').andOnNull('a.parent_assignment_id') : j.on('a.item_id', 'i.id').andOnVal('a.id', '=', assignmentId)))
    .where('i.id', itemId)
    .first(
      'i.milestones',
      'i.indicators',
      'a.schedule_planned_percent as planned',
      'a.schedule_reported_percent as reported',
      db.raw(`to_char(a.schedule_as_of, 'YYYY-MM-DD') as as_of`),
      'a.behind_schedule as behind',
    )) as { milestones: z.output<typeof milestone>[]; indicators: StoredIndicator[]; planned: number | null; reported: number | null; as_of: string | null; behind: boolean | null };
  // Newest consolidated report first: the first value met for an indicator is its latest.
  const consolidated = reports.filter((r) => r.kind === 'consolidated').reverse();
  const latest = (name: string) => {
    for (const r of consolidated) {
      const v = r.indicators.find((i) => i.name === name);
      if (v) return { value: v.value, periodSeq: r.periodSeq, submittedAt: r.submittedAt };
    }
    return null;
  };
  return {
    milestones: row.milestones,
    indicators: row.indicators.map((i) => ({ name: i.name, unit: i.unit, baseline: i.baseline ?? null, target: i.target, targetDate: i.targetDate, latest: latest(i.name) })),
    schedule: standingOf(row),
  };
}

/** An assignment's 序时进度 columns as the API gives them: none until the lead's first consolidated report. */
export function standingOf(r: { planned: number | null; reported: number | null; as_of: string | null; behind: boolean | null }) {
  if (r.reported === null || r.as_of === null) return null;
  return { planned: r.planned, reported: r.reported, asOf: r.as_of, behind: Boolean(r.behind) };
}

/** The instructions (批示) on the assignment, oldest first, each with its 落实反馈 beside it. */
export async function instructionsOf(db: Db, assignmentId: number) {
  const rows = (await db('instructions')
    .where('assignment_id', assignmentId)
    .orderBy('id')
    .select('key', 'seq', 'text', 'issued_by', 'issued_at', db.raw(`to_char(feedback_due_on, 'YYYY-MM-DD') as feedback_due_on`), 'feedback_text', 'feedback_by', 'feedback_at', 'feedback_late')) as {
    key: string;
    seq: number | null;
    text: string;
    issued_by: string;
    issued_at: Date;
    feedback_due_on: string | null;
    feedback_text: string | null;
    feedback_by: string | null;
    feedback_at: Date | null;
    feedback_late: boolean | null;
  }[];
  return rows.map((r) => ({
    // The key ends with the id the feedback route takes.
    id: r.key.slice(r.key.lastIndexOf(':') + 1),
    seq: r.seq,
    text: r.text,
    issuedBy: r.issued_by,
    issuedAt: r.issued_at,
    feedbackDueOn: r.feedback_due_on,
    feedback: r.feedback_at ? { text: r.feedback_text ?? '', by: r.feedback_by ?? '', at: r.feedback_at, late: Boolean(r.feedback_late) } : null,
  }));
}

/**
 * Each co-operating department and when it acknowledged (签收), if it has;
 * `expected` where the item's workflow takes a co-operating 签收 at all.
 */
export async function cooperatorAcksOf(db: Db, assignmentId: number) {
  return (await db('assignment_cooperators as c')
    .join('departments as d', 'd.id', 'c.department_id')
    .join('assignments as a', 'a.id', 'c.assignment_id')
    .where('c.assignment_id', assignmentId)
    .orderBy('d.code')
    .select('d.code as department', 'c.acknowledged_at as acknowledgedAt', 'a.coop_acknowledges as expected')) as { department: string; acknowledgedAt: Date | null; expected: boolean }[];
}
