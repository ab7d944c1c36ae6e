/**
 * Set-based seeding of the product tables (db/migrations) with
 * generate_series: a bench plan of any size, its assignments, periods,
 * reports, escalations and extension requests, written straight into
 * PostgreSQL rather than through workflows, so 10,000 items and 100,000
 * reports take seconds.
 */
import type { Db } from '../db/connection';

export interface SeededPlan {
  planCode: string;
  planId: number;
  /** Item codes in catalogue order. */
  itemCodes: string[];
}

const DEFAULT_PLAN = 'sd-internet-plus-2016-2018';

/**
 * A plan `code` with `items` items: key actions of `perAction` tasks each, and
 * a tenth of the items as safeguard items under measures. The plan's policy
 * (quarterly, reminders 3/1/0 working days before, rungs 1/3/5 after) is the
 * default plan's.
 */
export async function seedPlan(db: Db, opts: { code: string; items: number; periodStart: string; periodEnd: string; perAction?: number }): Promise<SeededPlan> {
  const per = opts.perAction ?? 100;
  const safeguards = Math.floor(opts.items / 10);
  const tasks = opts.items - safeguards;
  return db.transaction(async (trx) => {
    const [plan] = (await trx.raw(
      `insert into plans (code, title, issuer, coordinating_office, secretariat_department_id, period_start, period_end, overall_goal, policy, source_sha256)
       select ?, '基准测试计划 ' || ?, '山东省人民政府', '领导小组办公室', p.secretariat_department_id, ?, ?, '基准测试', p.policy, repeat('0', 64)
       from plans p where p.code = ?
       returning id`,
      [opts.code, opts.code, opts.periodStart, opts.periodEnd, DEFAULT_PLAN],
    )).rows as { id: number }[];
    if (!plan) throw new Error(`the default plan ${DEFAULT_PLAN} is not loaded`);
    const planId = plan.id;
    await trx.raw(
      `insert into actions (plan_id, code, seq, title, focus)
       select ?, 'BA' || lpad(g::text, 4, '0'), g, '基准重点行动第' || g || '项', '推进“互联网+”与各领域融合发展'
       from generate_series(1, ?) g`,
      [planId, Math.max(1, Math.ceil(tasks / per))],
    );
    await trx.raw(
      `insert into safeguard_measures (plan_id, code, seq, title)
       select ?, 'BM' || lpad(g::text, 4, '0'), g, '基准保障措施第' || g || '项'
       from generate_series(1, ?) g`,
      [planId, Math.max(1, Math.ceil(safeguards / per))],
    );
    await trx.raw(
      `insert into items (plan_id, code, kind, action_id, seq, title)
       select ?, 'T' || lpad(g::text, 6, '0'), 'task', a.id, ((g - 1) % ?) + 1,
              '基准事项' || g || ':推动互联网与经济社会各领域深度融合,培育新业态新模式'
       from generate_series(1, ?) g
       join actions a on a.plan_id = ? and a.seq = ((g - 1) / ?) + 1`,
      [planId, per, tasks, planId, per],
    );
    if (safeguards > 0) {
      await trx.raw(
        `insert into items (plan_id, code, kind, measure_id, seq, title)
         select ?, 'S' || lpad(g::text, 6, '0'), 'safeguard', m.id, ((g - 1) % ?) + 1,
                '基准保障事项' || g || ':完善体制机制,加强组织保障'
         from generate_series(1, ?) g
         join safeguard_measures m on m.plan_id = ? and m.seq = ((g - 1) / ?) + 1`,
        [planId, per, safeguards, planId, per],
      );
    }
    const itemCodes = (await trx('items').where({ plan_id: planId }).orderBy('id').pluck('code')) as string[];
    return { planCode: opts.code, planId, itemCodes };
  });
}

/** Lead and co-operating departments for the i-th item (0-based): round-robin over the leading departments. */
export function partiesFor(i: number, departments: string[]): { lead: string; cooperating: string[] } {
  const n = departments.length;
  return { lead: departments[i % n] as string, cooperating: [departments[(i + 3) % n] as string] };
}

export interface BoardSeedCounts {
  items: number;
  assignments: number;
  cooperators: number;
  periods: number;
  reports: number;
  escalations: number;
  extensionRequests: number;
}

/**
 * The board's data set on a seeded plan: nine items in ten assigned (most in
 * progress, some acknowledged, completed, cancelled...), eight quarterly
 * periods each (seven accepted), exactly `reports` reports (consolidated by
 * the lead, inputs by a co-operating department, some returned), open and
 * resolved escalations, extension requests. Dates on the real clock (2025-2026),
 * next deadlines around today so the colours (红黄绿灯) are mixed.
 */
export async function seedBoard(db: Db, plan: SeededPlan, opts: { reports: number; today: string }): Promise<BoardSeedCounts> {
  await db.transaction(async (trx) => {
    await trx.raw(
      `with d as (select array_agg(id order by code) ids from departments where kind <> 'secretariat'),
            i as (select id, code, row_number() over (order by id) rn from items where plan_id = ?),
            s as (select i.*, case (rn % 20)
                    when 0 then 'assigned' when 1 then 'assigned' when 2 then 'acknowledged' when 3 then 'acknowledged'
                    when 16 then 'completion_requested' when 17 then 'completed' when 18 then 'completed' when 19 then 'cancelled'
                    else 'in_progress' end as status
                  from i where rn % 10 <> 0)
       insert into assignments (item_id, workflow_id, lead_department_id, cadence, due_offset_working_days, start_date, assigned_on, final_deadline,
                                policy, status, next_due_on, next_due_at, escalation_level, acknowledged_at, completed_at, cancelled_at, grade,
                                assigned_by, assigned_at)
       select s.id, 'item:' || ? || ':' || s.code, d.ids[1 + (s.rn - 1) % array_length(d.ids, 1)], 'quarterly', 5, date '2025-01-02', date '2025-01-02', date '2026-12-31',
              p.policy, s.status,
              case when s.status in ('completed', 'cancelled') then null else ?::date + ((s.rn % 40)::int - 10) end,
              case when s.status in ('completed', 'cancelled') then null else (?::date + ((s.rn % 40)::int - 10) + time '23:59:59') at time zone 'Asia/Shanghai' end,
              case when s.status in ('completed', 'cancelled') or s.rn % 7 <> 0 then 0 else 1 + (s.rn / 7) % 3 end,
              case when s.status = 'assigned' then null else timestamptz '2025-01-06 10:00+08' end,
              case when s.status = 'completed' then timestamptz '2026-10-15 10:00+08' end,
              case when s.status = 'cancelled' then timestamptz '2026-06-15 10:00+08' end,
              case when s.status = 'completed' then (array['excellent', 'good', 'pass'])[1 + s.rn % 3] end,
              'bench', timestamptz '2025-01-02 09:00+08'
       from s, d, plans p where p.id = ?`,
      [plan.planId, plan.planCode, opts.today, opts.today, plan.planId],
    );
    await trx.raw(
      `with d as (select array_agg(id order by code) ids from departments where kind <> 'secretariat'),
            a as (select a.id, row_number() over (order by a.id) rn from assignments a join items i on i.id = a.item_id where i.plan_id = ?)
       insert into assignment_cooperators (assignment_id, department_id)
       select a.id, d.ids[1 + (a.rn - 1 + k) % array_length(d.ids, 1)]
       from a, d, (values (3), (7)) as o(k)
       where k = 3 or a.rn % 2 = 0`,
      [plan.planId],
    );
    // Eight quarterly periods (2025-Q1 to 2026-Q4) on items being reported on; one open period on acknowledged ones.
    await trx.raw(
      `with a as (select a.id, a.status, row_number() over (order by a.id) rn from assignments a join items i on i.id = a.item_id where i.plan_id = ?)
       insert into periods (assignment_id, seq, starts_on, ends_on, original_due_on, due_on, due_at, status, on_time, on_time_original, accepted_at)
       select a.id, g,
              (date '2025-01-01' + make_interval(months => 3 * (g - 1)))::date,
              (date '2025-01-01' + make_interval(months => 3 * g) - interval '1 day')::date,
              (date '2025-01-01' + make_interval(months => 3 * g) + interval '6 days')::date,
              (date '2025-01-01' + make_interval(months => 3 * g) + interval '6 days')::date,
              ((date '2025-01-01' + make_interval(months => 3 * g) + interval '6 days')::date + time '23:59:59') at time zone 'Asia/Shanghai',
              case when g < 8 then 'accepted' when a.rn % 3 = 0 then 'submitted' else 'open' end,
              case when g < 8 then (a.rn + g) % 5 <> 0 end,
              case when g < 8 then (a.rn + g) % 6 <> 0 end,
              case when g < 8 then (date '2025-01-01' + make_interval(months => 3 * g) + interval '10 days') end
       from a, generate_series(1, case a.status when 'assigned' then 0 when 'acknowledged' then 1 else 8 end) g`,
      [plan.planId],
    );
    // Exactly `reports` reports: round r over every period, consolidated by the lead on even rounds, inputs by a co-operator on odd ones.
    await trx.raw(
      `with p as (select p.assignment_id, p.seq, p.ends_on, p.status, a.lead_department_id,
                         (select min(c.department_id) from assignment_cooperators c where c.assignment_id = p.assignment_id) coop,
                         row_number() over (order by p.assignment_id, p.seq) rn, count(*) over () total
                  from periods p join assignments a on a.id = p.assignment_id join items i on i.id = a.item_id where i.plan_id = ?),
            g as (select g, (g - 1) / (select max(total) from p) as round, ((g - 1) % (select max(total) from p)) + 1 as rn from generate_series(1, ?) g)
       insert into reports (receipt_id, assignment_id, period_seq, department_id, kind, version, progress, percent_done, problems, next_steps,
                            submitted_by, submitted_at, review, reviewed_by, reviewed_at)
       select gen_random_uuid(), p.assignment_id, p.seq,
              case when g.round % 2 = 0 then p.lead_department_id else p.coop end,
              case when g.round % 2 = 0 then 'consolidated' else 'input' end,
              g.round / 2 + 1,
              '本期围绕重点任务推进平台建设、数据共享和应用推广,完成阶段目标。第' || p.seq || '期。',
              least(100, p.seq * 12), case when g.g % 4 = 0 then '资金到位较慢' end, '下一步继续推进',
              'bench', (p.ends_on + 3)::timestamp at time zone 'Asia/Shanghai',
              case when g.round % 2 = 1 then null when g.g % 25 = 0 then 'returned' when p.status = 'accepted' then 'accepted' end,
              case when g.round % 2 = 0 and (g.g % 25 = 0 or p.status = 'accepted') then 'bench-sec' end,
              case when g.round % 2 = 0 and (g.g % 25 = 0 or p.status = 'accepted') then (p.ends_on + 8)::timestamp at time zone 'Asia/Shanghai' end
       from g join p on p.rn = g.rn`,
      [plan.planId, opts.reports],
    );
    const rungs = `(values (1, 'cuiban'), (2, 'duban'), (3, 'leading-group')) as r(level, rung)`;
    // Open escalations up to each open item's level; a resolved one on period 3 of every fifth item.
    await trx.raw(
      `insert into escalations (key, assignment_id, subject, period_seq, rung, level, business_date, fired_at, resolved_at)
       select 'escalation:' || a.workflow_id || ':report:p8:' || r.rung, a.id, 'report', 8, r.rung, r.level,
              ?::date - (4 - r.level) * 2, (?::date - (4 - r.level) * 2)::timestamp at time zone 'Asia/Shanghai', null
       from assignments a join items i on i.id = a.item_id, ${rungs}
       where i.plan_id = ? and r.level <= a.escalation_level
       union all
       select 'escalation:' || a.workflow_id || ':report:p3:cuiban', a.id, 'report', 3, 'cuiban', 1,
              date '2025-10-13', timestamptz '2025-10-13 09:00+08', timestamptz '2025-10-15 10:00+08'
       from assignments a join items i on i.id = a.item_id
       where i.plan_id = ? and a.id % 5 = 0`,
      [opts.today, opts.today, plan.planId, plan.planId],
    );
    await trx.raw(
      `insert into extension_requests (key, assignment_id, period_seq, requested_due_on, reason, requested_by, requested_at, decision, decided_due_on, decided_by, decided_at)
       select 'extension:' || a.workflow_id || ':p8:bench', a.id, 8, ?::date + 20, '数据汇总需要更多时间', 'bench', now() - interval '2 days',
              case when a.id % 40 = 4 then 'approved' end, case when a.id % 40 = 4 then ?::date + 20 end,
              case when a.id % 40 = 4 then 'bench-sec' end, case when a.id % 40 = 4 then now() - interval '1 day' end
       from assignments a join items i on i.id = a.item_id
       where i.plan_id = ? and a.status in ('acknowledged', 'in_progress') and a.id % 20 in (3, 4)`,
      [opts.today, opts.today, plan.planId],
    );
  });
  // Statistics as a live database would have them.
  await db.raw('analyze');
  const count = async (sql: string) => Number(((await db.raw(sql, [plan.planId])) as { rows: { n: string }[] }).rows[0]?.n ?? 0);
  const inPlan = 'join assignments a on a.id = x.assignment_id join items i on i.id = a.item_id where i.plan_id = ?';
  return {
    items: plan.itemCodes.length,
    assignments: await count('select count(*) n from assignments a join items i on i.id = a.item_id where i.plan_id = ?'),
    cooperators: await count(`select count(*) n from assignment_cooperators x ${inPlan}`),
    periods: await count(`select count(*) n from periods x ${inPlan}`),
    reports: await count(`select count(*) n from reports x ${inPlan}`),
    escalations: await count(`select count(*) n from escalations x ${inPlan}`),
    extensionRequests: await count(`select count(*) n from extension_requests x ${inPlan}`),
  };
}
