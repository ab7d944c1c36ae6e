import type { Knex } from 'knex';

/** The assignment columns that domain/colour.ts reads, from `assignments as a`. */
export function colourColumns(db: Knex): (Knex.Raw | string)[] {
  return [
    db.raw(`to_char(coalesce(a.assigned_on, a.start_date), 'YYYY-MM-DD') as clock_date`),
    'a.assigned_at',
    db.raw(`to_char(a.final_deadline, 'YYYY-MM-DD') as final_deadline`),
  ];
}
