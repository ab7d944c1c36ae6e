import type { Knex } from 'knex';
import type { ColourDay } from '../domain/colour';
import { isOpenSql } from './status';

/** The assignment columns that domain/colour.ts reads, from `assignments as a`. */
export function colourColumns(db: Knex): (Knex.Raw | string)[] {
  return [
    db.raw(`to_char(coalesce(a.assigned_on, a.start_date), 'YYYY-MM-DD') as clock_date`),
    'a.assigned_at',
    db.raw(`to_char(a.final_deadline, 'YYYY-MM-DD') as final_deadline`),
    'a.behind_schedule',
  ];
}

/**
 * The colour rule of domain/colour.ts (colourOf) as an SQL expression over
 * `assignments as a`, on the real clock, for the board and the lists to count
 * and filter in PostgreSQL. The same steps in the same order; test/board-sql.test.ts
 * checks it agrees with colourOf row by row. Null where an item has no colour:
 * unassigned (no `a` row) or closed.
 */
export function colourSql(db: Knex, day: ColourDay): Knex.Raw {
  return db.raw(
    `(case
      when a.status is null or not ? then null
      when a.escalation_level > 0 then 'red'
      when a.next_due_at < ? then 'red'
      when a.final_deadline < ?::date then 'red'
      when a.behind_schedule then 'yellow'
      when a.next_due_on is null then 'green'
      when ?::date is null or a.next_due_on < ?::date then 'yellow'
      else 'green'
    end)`,
    [isOpenSql(db), new Date(day.now), day.today, day.dueSoonBefore, day.dueSoonBefore],
  );
}
