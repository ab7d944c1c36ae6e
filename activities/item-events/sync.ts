import type { Db } from '../../db/connection';
import { nextDeadline } from '../../domain/ladder';
import type { ItemState } from '../../workflows/definitions';
import { assignmentId, departmentId } from './context';

/** Mirrors the workflow's state into the rows the API and board read: the assignment, its co-operating departments, its current period. */
export async function syncItem(db: Db, state: ItemState): Promise<void> {
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
}
