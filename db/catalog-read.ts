import type { Colour } from '../domain/colour';
import type { Db } from './connection';
import { colourColumn, planItemsJoined } from './plan-items';
import { isOpenSql } from './status';

/**
 * What the catalog routes read: plans, their key actions and safeguard
 * measures, a page of their items, an item's proposed owners. (The import
 * writes through db/catalog/.)
 */

export interface PlanRow {
  code: string;
  title: string;
  issuer: string;
  coordinatingOffice: string;
  periodEnd: string;
}

/** Every plan, in the order they were loaded. */
export async function listPlans(db: Db): Promise<PlanRow[]> {
  return (await db('plans').orderBy('id').select('code', 'title', 'issuer', 'coordinating_office as coordinatingOffice', db.raw(`to_char(period_end, 'YYYY-MM-DD') as "periodEnd"`))) as PlanRow[];
}

/** The plan's code if there is such a plan; without one asked for, the first plan loaded (the default one). */
export async function findPlanCode(db: Db, plan?: string): Promise<string | undefined> {
  const row = (await (plan ? db('plans').where({ code: plan }) : db('plans').orderBy('id')).first('code')) as { code: string } | undefined;
  return row?.code;
}

/** A plan's current key actions and safeguard measures, each in its order; undefined for no such plan. */
export async function planGroups(
  db: Db,
  plan: string,
): Promise<{ actions: { code: string; seq: number; title: string; focus: string }[]; safeguards: { code: string; seq: number; title: string }[] } | undefined> {
  const row = (await db('plans').where({ code: plan }).first('id')) as { id: number } | undefined;
  if (!row) return undefined;
  return {
    actions: await db('actions').where({ plan_id: row.id }).whereNull('retired_at').orderBy('seq').select('code', 'seq', 'title', 'focus'),
    safeguards: await db('safeguard_measures').where({ plan_id: row.id }).whereNull('retired_at').orderBy('seq').select('code', 'seq', 'title'),
  };
}

/** One item as the list shows it, with its 序时进度 columns as stored. */
export interface ListedRow {
  code: string;
  kind: string;
  title: string;
  group: string;
  status: string;
  lead: string | null;
  next_due_on: string | null;
  escalation_level: number;
  colour: Colour | null;
  planned: number | null;
  reported: number | null;
  as_of: string | null;
  behind: boolean | null;
}

export interface ItemFilter {
  /** Only the items this department leads or co-operates on. */
  party?: string;
  /** Nothing at all (a department asking for another department's items). */
  none?: boolean;
  /** A key action's or safeguard measure's code. */
  action?: string;
  /** An item state, or `unassigned`. */
  status?: string;
  colour?: Colour;
  /** Only the open items that are 滞后 (true), or only those that are not (false). */
  behindSchedule?: boolean;
  /** The next due date's range, YYYY-MM-DD, both ends included. */
  dueFrom?: string;
  dueTo?: string;
  page: number;
  pageSize: number;
}

/** A page of a plan's current items in the plan's order, filtered, with how many match in all. */
export async function listItems(db: Db, plan: string, f: ItemFilter, workingDayMs?: number): Promise<{ total: number; rows: ListedRow[] }> {
  const q = planItemsJoined(db).where('p.code', plan);
  if (f.party) {
    const party = f.party;
    q.where((w) =>
      w
        .where('lead.code', party)
        .orWhereExists(db('assignment_cooperators as c').join('departments as d', 'd.id', 'c.department_id').whereRaw('c.assignment_id = a.id').where('d.code', party)),
    );
  }
  if (f.none) q.whereRaw('false');
  if (f.action) {
    const action = f.action;
    q.where((w) => w.where('act.code', action).orWhere('m.code', action));
  }
  if (f.status === 'unassigned') q.whereNull('a.id');
  else if (f.status) q.where('a.status', f.status);
  if (f.dueFrom) q.where('a.next_due_on', '>=', f.dueFrom);
  if (f.dueTo) q.where('a.next_due_on', '<=', f.dueTo);
  // The colour (红黄绿灯) is computed in SQL, so a colour filter cuts the page in PostgreSQL too.
  const colour = await colourColumn(db, workingDayMs);
  if (f.colour) q.whereRaw('? = ?', [colour.sql, f.colour]);
  if (f.behindSchedule !== undefined) q.whereRaw('coalesce(a.behind_schedule and ?, false) = ?', [isOpenSql(db), f.behindSchedule]);
  const total = Number(((await q.clone().count({ n: '*' }).first()) as { n: string }).n);
  const rows = (await q
    .orderBy([{ column: 'i.kind', order: 'desc' }, 'act.seq', 'm.seq', 'i.seq'])
    .offset((f.page - 1) * f.pageSize)
    .limit(f.pageSize)
    .select(
      'i.code',
      'i.kind',
      'i.title',
      db.raw('coalesce(act.code, m.code) as "group"'),
      db.raw(`coalesce(a.status, 'unassigned') as status`),
      'lead.code as lead',
      db.raw(`to_char(a.next_due_on, 'YYYY-MM-DD') as next_due_on`),
      db.raw('coalesce(a.escalation_level, 0)::int as escalation_level'),
      db.raw('? as colour', [colour.sql]),
      'a.schedule_planned_percent as planned',
      'a.schedule_reported_percent as reported',
      db.raw(`to_char(a.schedule_as_of, 'YYYY-MM-DD') as as_of`),
      'a.behind_schedule as behind',
    )) as ListedRow[];
  return { total, rows };
}

/** The plan's proposed lead and co-operating departments of an item. */
export async function itemProposal(db: Db, itemId: number): Promise<{ code: string; role: 'lead' | 'cooperating' }[]> {
  return (await db('item_owner_proposals as p').join('departments as d', 'd.id', 'p.department_id').where('p.item_id', itemId).select('d.code', 'p.role')) as {
    code: string;
    role: 'lead' | 'cooperating';
  }[];
}
