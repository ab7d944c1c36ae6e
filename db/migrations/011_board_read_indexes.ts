import type { Knex } from 'knex';

/**
 * Partial indexes for the board, the review queue, the scorecard and the
 * ledger, which read a few rows out of 100,000 reports per plan: each index
 * holds only the rows its reader asks for.
 */
const INDEXES: [name: string, definition: string][] = [
  // The scorecard's returned reports per department.
  ['reports_returned_by_department', `reports (department_id) where review = 'returned'`],
  // The ledger's last consolidated report of each assignment (a lateral join, one entry per assignment).
  ['reports_consolidated_latest_submitted', `reports (assignment_id, submitted_at desc) where kind = 'consolidated'`],
  // The review queue's latest consolidated version of each submitted period.
  ['reports_consolidated_latest_version', `reports (assignment_id, period_seq, version desc) where kind = 'consolidated'`],
  // The review queue's submitted periods.
  ['periods_submitted', `periods (assignment_id) where status = 'submitted'`],
];

export async function up(knex: Knex): Promise<void> {
  for (const [name, definition] of INDEXES) await knex.raw(`create index ${name} on ${definition}`);
}

export async function down(knex: Knex): Promise<void> {
  for (const [name] of INDEXES) await knex.raw(`drop index ${name}`);
}
