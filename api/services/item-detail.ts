import type { z } from 'zod';
import type { Db } from '../../db/connection';
import type { itemAssignment, itemPeriod, itemReport } from '../schemas';

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
export async function assignmentOf(db: Db, itemId: number): Promise<{ id: number; answer: AssignmentAnswer } | undefined> {
  const row = (await db('assignments')
    .where({ item_id: itemId })
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
  return (await db('reports as r')
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
      'r.inputs',
      'r.submitted_by as submittedBy',
      'r.submitted_at as submittedAt',
      'r.review',
      'r.review_comment as reviewComment',
      'r.reviewed_by as reviewedBy',
      'r.reviewed_at as reviewedAt',
    )) as ReportAnswer[];
}
