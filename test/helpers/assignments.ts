import type { Db } from '../../db/connection';

/**
 * An assignment row as the workflow's mirror holds it, written straight to the
 * database for tests of what reads the mirror (the digest, the board): a
 * quarterly item in progress since 2016-04-01, led by `lead`. `fields`
 * overrides any column. Answers the row's id.
 */
export async function insertAssignment(db: Db, itemCode: string, lead: string, fields: Record<string, unknown> = {}): Promise<number> {
  const item = (await db('items').where({ code: itemCode }).first('id')) as { id: number };
  const dept = (await db('departments').where({ code: lead }).first('id')) as { id: number };
  const [row] = (await db('assignments')
    .insert({
      item_id: item.id,
      workflow_id: `item:test:${itemCode}`,
      lead_department_id: dept.id,
      cadence: 'quarterly',
      due_offset_working_days: 5,
      start_date: '2016-04-01',
      assigned_on: '2016-04-01',
      final_deadline: '2018-12-31',
      policy: JSON.stringify({ cadence: 'quarterly' }),
      status: 'in_progress',
      next_due_on: '2016-12-30',
      escalation_level: 0,
      assigned_by: 'secretariat',
      assigned_at: new Date('2016-04-01T02:00:00Z'),
      ...fields,
    })
    .returning('id')) as { id: number }[];
  return (row as { id: number }).id;
}
