import type { Knex } from 'knex';
import { OPEN_STATUSES } from '../domain/status';

/**
 * `<column> in (<the open states>)` as an SQL condition, parenthesised so it
 * can be negated or combined as it stands: domain/status.ts's list, never a
 * copy of it. Null where the column is null (an item not assigned).
 */
export function isOpenSql(db: Knex, column = 'a.status'): Knex.Raw {
  return db.raw(`(?? in (${OPEN_STATUSES.map(() => '?').join(', ')}))`, [column, ...OPEN_STATUSES]);
}
