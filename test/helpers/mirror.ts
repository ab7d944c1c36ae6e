import type { Db } from '../../db/connection';
import { nextDeadline } from '../../domain/ladder';
import type { ItemState } from '../../workflows/definitions';

/**
 * Where the PostgreSQL mirror of one item differs from its workflow's state
 * (the `state` query or the workflow's result): the assignment row (status,
 * lead, escalation level, grade, the deadline in force), the co-operating
 * departments, and the row of the period the state holds. Empty when they agree.
 */
export async function mirrorProblems(db: Db, workflowId: string, state: ItemState): Promise<string[]> {
  const problems: string[] = [];
  const a = (await db('assignments as a')
    .join('departments as d', 'd.id', 'a.lead_department_id')
    .where('a.workflow_id', workflowId)
    .first('a.id', 'a.status', 'a.escalation_level', 'a.grade', 'a.next_due_at', db.raw(`to_char(a.next_due_on, 'YYYY-MM-DD') as next_due_on`), 'd.code as lead')) as
    | { id: number; status: string; escalation_level: number; grade: string | null; next_due_on: string | null; next_due_at: Date | null; lead: string }
    | undefined;
  if (!a) return [`no assignment row for ${workflowId}`];

  const row = { status: a.status, lead: a.lead, escalationLevel: a.escalation_level, grade: a.grade ?? undefined };
  const want = { status: state.status, lead: state.lead, escalationLevel: state.escalationLevel, grade: state.grade };
  if (JSON.stringify(row) !== JSON.stringify(want)) problems.push(`mirror ${JSON.stringify(row)} != state ${JSON.stringify(want)}`);

  const next = nextDeadline(state);
  const mirroredNext = { on: a.next_due_on ?? undefined, at: a.next_due_at ? new Date(a.next_due_at).getTime() : undefined };
  if (mirroredNext.on !== next?.on || mirroredNext.at !== next?.at) problems.push(`next deadline: mirror ${JSON.stringify(mirroredNext)} != state ${JSON.stringify(next ?? {})}`);

  const coops = (await db('assignment_cooperators as c').join('departments as d', 'd.id', 'c.department_id').where('c.assignment_id', a.id).pluck('d.code')) as string[];
  if (JSON.stringify(coops.sort()) !== JSON.stringify([...state.cooperating].sort())) problems.push(`mirror co-operating ${coops} != state ${state.cooperating}`);

  const p = state.period;
  if (p) {
    const mirrored = (await db('periods')
      .where({ assignment_id: a.id, seq: p.seq })
      .first(
        'status',
        'due_at',
        db.raw(`to_char(due_on, 'YYYY-MM-DD') as due_on`),
        db.raw(`to_char(original_due_on, 'YYYY-MM-DD') as original_due_on`),
        db.raw(`to_char(extended_due_on, 'YYYY-MM-DD') as extended_due_on`),
      )) as { status: string; due_at: Date; due_on: string; original_due_on: string; extended_due_on: string | null } | undefined;
    const got = mirrored && { status: mirrored.status, dueOn: mirrored.due_on, originalDueOn: mirrored.original_due_on, extendedDueOn: mirrored.extended_due_on ?? undefined, dueAt: new Date(mirrored.due_at).getTime() };
    const expected = { status: p.status, dueOn: p.dueOn, originalDueOn: p.originalDueOn, extendedDueOn: p.extendedDueOn, dueAt: p.dueAt };
    if (JSON.stringify(got) !== JSON.stringify(expected)) problems.push(`period ${p.seq}: mirror ${JSON.stringify(got)} != state ${JSON.stringify(expected)}`);
  }
  return problems;
}
