import type { Knex } from 'knex';

/**
 * "The latest consolidated report" of an assignment (or of one of its
 * periods), the one definition every reader takes: the board's review queue,
 * the ledger, the 序时进度 judgement and the cities' shares.
 *
 * The ordering, chosen on purpose: the latest period first, then its latest
 * version. A report is filed on the item's current period only, and periods
 * only move forward, so this is also the last one filed; but where two orders
 * could part (reports written by hand, a clock stepped back) the report of
 * the latest period, in its latest version, is the one that speaks for the
 * item, as the workflow keeps it (`consolidated` on its current period).
 * (assignment_id, period_seq, version) is unique, so the choice is never a
 * tie. The index reports_consolidated_latest_version (migration 011) serves
 * it: one period's entries when the period is given, a short backward scan
 * of the last period's versions otherwise.
 *
 * A correlated subquery on `reports as r`, for a lateral join: the caller
 * picks its columns (`r.*`) and joins it through asSubquery, e.g.
 * `.joinRaw('left join lateral ? as last on true', [asSubquery(db, latestConsolidatedReport(db, { assignment: 'a.id' }).select('r.progress'))])`.
 * `assignment` and `period` name the outer columns it is correlated with.
 */
export function latestConsolidatedReport(db: Knex, of: { assignment: string; period?: string }): Knex.QueryBuilder {
  const q = db('reports as r').where('r.kind', 'consolidated').whereRaw('r.assignment_id = ??', [of.assignment]);
  if (of.period) q.whereRaw('r.period_seq = ??', [of.period]);
  return q.orderBy([{ column: 'r.period_seq', order: 'desc' }, { column: 'r.version', order: 'desc' }]).limit(1);
}

/**
 * A query as a parenthesised SQL fragment with its own bindings, to pass as a
 * binding of joinRaw or raw. (knex types refuse a query builder there, and a
 * Raw given to joinRaw on its own has its values written into the SQL text.)
 */
export function asSubquery(db: Knex, q: Knex.QueryBuilder): Knex.Raw {
  const { sql, bindings } = q.toSQL();
  return db.raw(`(${sql})`, bindings);
}
