import type { Knex } from 'knex';
import { DEFAULT_BEHIND_SCHEDULE_TOLERANCE, scheduleStanding, type Milestone } from '../domain/progress-schedule';
import { asSubquery, latestConsolidatedReport } from './reports';

interface StandingRow {
  assignment_id: number;
  milestones: Milestone[];
  period_start: string;
  tolerance: string | null;
  report_id: number | null;
  percent_done: number | null;
  ends_on: string | null;
}

/**
 * Re-judges assignments against their 序时进度: the latest consolidated report
 * (db/reports.ts) against the planned percent on that
 * period's last day (domain/progress-schedule.ts). Kept on the assignment for
 * the colour rule and the board, and on the report it was judged by. Run when
 * a consolidated report is recorded and when a plan import changes milestones
 * or the tolerance. Returns how many assignments changed standing.
 */
export async function refreshScheduleStanding(db: Knex, which: { assignmentId: number } | { planId: number }): Promise<number> {
  const q = db('assignments as a')
    .join('items as i', 'i.id', 'a.item_id')
    .join('plans as p', 'p.id', 'i.plan_id')
    .joinRaw('left join lateral ? as last on true', [
      asSubquery(
        db,
        latestConsolidatedReport(db, { assignment: 'a.id' })
          .join('periods as per', (j) => j.on('per.assignment_id', 'r.assignment_id').andOn('per.seq', 'r.period_seq'))
          .select('r.id', 'r.percent_done', 'per.ends_on'),
      ),
    ])
    // A cascaded item (分解下达): the weighted mean of its cities' latest consolidated percent (a city yet to report counts 0).
    .joinRaw(
      `left join lateral (
        select round(sum(coalesce(sh.share_weight, 1) * coalesce(sl.percent_done, 0)) / nullif(sum(coalesce(sh.share_weight, 1)), 0))::int as percent
        from assignments sh
        left join lateral ? as sl on true
        where sh.parent_assignment_id = a.id and sh.status <> 'cancelled') as cities on true`,
      [asSubquery(db, latestConsolidatedReport(db, { assignment: 'sh.id' }).select('r.percent_done'))],
    )
    .select(
      'a.id as assignment_id',
      'i.milestones',
      db.raw(`to_char(p.period_start, 'YYYY-MM-DD') as period_start`),
      db.raw(`p.policy->>'behindScheduleTolerance' as tolerance`),
      'last.id as report_id',
      db.raw('coalesce(cities.percent, last.percent_done) as percent_done'),
      db.raw(`to_char(last.ends_on, 'YYYY-MM-DD') as ends_on`),
    );
  // A city's share reporting moves the item it was cascaded from too.
  if ('assignmentId' in which) q.where((w) => w.where('a.id', which.assignmentId).orWhereIn('a.id', db('assignments').select('parent_assignment_id').where('id', which.assignmentId).whereNotNull('parent_assignment_id')));
  else q.where('i.plan_id', which.planId);
  const rows = (await q) as StandingRow[];
  let changed = 0;
  for (const row of rows) {
    const tolerance = row.tolerance === null ? DEFAULT_BEHIND_SCHEDULE_TOLERANCE : Number(row.tolerance);
    const standing =
      row.percent_done === null || row.ends_on === null
        ? null
        : scheduleStanding({ milestones: row.milestones, startOn: row.period_start, asOf: row.ends_on, reported: row.percent_done, tolerance });
    const values = {
      schedule_planned_percent: standing?.planned ?? null,
      schedule_reported_percent: standing?.reported ?? null,
      schedule_as_of: standing?.asOf ?? null,
      behind_schedule: standing?.behind ?? false,
    };
    // Only rows whose standing changed are written: an import that changes nothing touches nothing.
    changed += await db('assignments')
      .where('id', row.assignment_id)
      .whereRaw('(schedule_planned_percent, schedule_reported_percent, schedule_as_of, behind_schedule) is distinct from (?::int, ?::int, ?::date, ?::boolean)', [
        values.schedule_planned_percent,
        values.schedule_reported_percent,
        values.schedule_as_of,
        values.behind_schedule,
      ])
      .update(values);
    if (row.report_id !== null && standing) await db('reports').where('id', row.report_id).whereRaw('planned_percent is distinct from ?::int', [standing.planned]).update({ planned_percent: standing.planned });
  }
  return changed;
}
