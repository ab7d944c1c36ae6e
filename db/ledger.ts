import type { Colour } from '../domain/colour';
import type { Db } from './connection';
import { colourColumn, planItemsJoined } from './plan-items';
import { asSubquery, latestConsolidatedReport } from './reports';

/** What the ledger (台账) reads: its rows and its title. api/routes/ledger.ts writes them as a workbook. */

/** The title row: whose plan, who files the ledger, and as of when. */
export interface LedgerHead {
  title: string;
  office: string;
  /** Today in Asia/Shanghai, YYYY-MM-DD. */
  asOf: string;
}

/** One ledger row as PostgreSQL gives it: the item, its assignment's terms, last consolidated report and escalations. */
export interface LedgerRow {
  code: string;
  title: string;
  lead_name: string | null;
  cooperating: string | null;
  final_deadline: string | null;
  status: string;
  grade: string | null;
  colour: Colour | null;
  /** 序时进度 as db/schedule-standing.ts last judged it. */
  planned: number | null;
  reported: number | null;
  behind: boolean;
  progress: string | null;
  problems: string | null;
  next_steps: string | null;
  escalations: number;
  highest_rung: string | null;
}

/**
 * Every current plan item (assigned or not) with all its ledger columns, in
 * one query, in the order of the plan lists. The latest consolidated report
 * (db/reports.ts) is read by a lateral join.
 */
export async function ledgerRows(db: Db, planCode: string | undefined, workingDayMs: number | undefined): Promise<LedgerRow[]> {
  const colour = await colourColumn(db, workingDayMs);
  const cooperating = db('assignment_cooperators as c')
    .join('departments as d', 'd.id', 'c.department_id')
    .groupBy('c.assignment_id')
    .select('c.assignment_id', db.raw(`string_agg(coalesce(d.short_name, d.name), '、' order by d.code) as names`));
  const escalations = db('escalations').groupBy('assignment_id').select('assignment_id', db.raw('count(*)::int as n'), db.raw('(array_agg(rung order by level desc))[1] as rung'));
  const q = planItemsJoined(db)
    .leftJoin(cooperating.as('coop'), 'coop.assignment_id', 'a.id')
    .leftJoin(escalations.as('esc'), 'esc.assignment_id', 'a.id')
    .joinRaw('left join lateral ? as last on true', [asSubquery(db, latestConsolidatedReport(db, { assignment: 'a.id' }).select('r.progress', 'r.problems', 'r.next_steps'))])
    .orderBy([{ column: 'p.code' }, { column: 'act.seq' }, { column: 'm.seq' }, { column: 'i.seq' }])
    .select(
      'i.code',
      'i.title',
      db.raw('coalesce(lead.short_name, lead.name) as lead_name'),
      'coop.names as cooperating',
      db.raw(`to_char(a.final_deadline, 'YYYY-MM-DD') as final_deadline`),
      db.raw(`coalesce(a.status, 'unassigned') as status`),
      'a.grade',
      db.raw('? as colour', [colour.sql]),
      'a.schedule_planned_percent as planned',
      'a.schedule_reported_percent as reported',
      // 滞后 is said of open items only, as their colour is.
      db.raw(`coalesce(a.behind_schedule and ? is not null, false) as behind`, [colour.sql]),
      'last.progress',
      'last.problems',
      'last.next_steps',
      db.raw('coalesce(esc.n, 0) as escalations'),
      'esc.rung as highest_rung',
    );
  if (planCode) q.where('p.code', planCode);
  return (await q) as LedgerRow[];
}

/** The title row's plan title and 填报单位 (the plan's coordinating office); several plans are named together. */
export async function ledgerHead(db: Db, planCode: string | undefined, asOf: string): Promise<LedgerHead> {
  const q = db('plans').orderBy('code').select('title', 'coordinating_office');
  if (planCode) q.where({ code: planCode });
  const plans = (await q) as { title: string; coordinating_office: string }[];
  const distinct = (xs: string[]) => [...new Set(xs)].join('、');
  return { title: distinct(plans.map((p) => p.title)), office: distinct(plans.map((p) => p.coordinating_office)), asOf };
}
