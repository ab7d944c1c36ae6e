import type { Knex } from 'knex';
import { colourDay, colourOf, type Colour, type ColourInput } from '../domain/colour';
import { colourColumns, colourSql } from './colour';
import { onTimeByAssignment } from './on-time';
import { calendarCache } from './calendar/store';
import type { WorkingCalendar } from '../domain/calendar';
import type { Db } from './connection';
import { OPEN_STATUSES, isOpenStatus } from '../domain/status';
import { isOpenSql } from './status';

/** Which items a read covers: the plans' current items, or also those retired from a plan (whose assignments run on). */
export type ItemScope = 'current' | 'with-retired';

/**
 * The plans' items joined with what the lists need: plan `p`, action `act`
 * or safeguard measure `m`, assignment `a` (where there is one) and its lead
 * department `lead`. Current items only, unless `scope` says otherwise.
 */
export function planItemsJoined(db: Db, which: 'provincial' | 'shares' = 'provincial', scope: ItemScope = 'current') {
  const q = db('items as i')
    .join('plans as p', 'p.id', 'i.plan_id')
    .leftJoin('actions as act', 'act.id', 'i.action_id')
    .leftJoin('safeguard_measures as m', 'm.id', 'i.measure_id');
  if (which === 'shares') {
    // Cities' shares of cascaded items (分解下达): one row per share, the city as its lead.
    q.join('assignments as a', (j) => j.on('a.item_id', 'i.id').andOnNotNull('a.parent_assignment_id'));
  } else {
    // The provincial assignment only: cities' shares (分解下达) are rows of their own.
    q.leftJoin('assignments as a', (j) => j.on('a.item_id', 'i.id').andOnNull('a.parent_assignment_id'));
  }
  q.leftJoin('departments as lead', 'lead.id', 'a.lead_department_id');
  return scope === 'current' ? q.whereNull('i.retired_at') : q;
}

export interface ItemRow extends ColourInput {
  plan: string;
  item_id: number;
  code: string;
  title: string;
  group_code: string;
  group_title: string;
  assignment_id: number | null;
  lead_code: string | null;
  lead_name: string | null;
  status: string | null;
}

/** Every current item of the plans (assigned or not), with its assignment where there is one. */
export function planItemRows(db: Db, planCode?: string): Promise<ItemRow[]> {
  const q = planItemsJoined(db)
    .orderBy([{ column: 'p.code' }, { column: 'act.seq' }, { column: 'm.seq' }, { column: 'i.seq' }])
    .select(
      'p.code as plan',
      'i.id as item_id',
      'i.code',
      'i.title',
      db.raw('coalesce(act.code, m.code) as group_code'),
      db.raw('coalesce(act.title, m.title) as group_title'),
      'a.id as assignment_id',
      'lead.code as lead_code',
      db.raw('coalesce(lead.short_name, lead.name) as lead_name'),
      'a.status',
      db.raw('coalesce(a.escalation_level, 0)::int as escalation_level'),
      db.raw(`to_char(a.next_due_on, 'YYYY-MM-DD') as next_due_on`),
      'a.next_due_at',
      ...colourColumns(db),
    );
  if (planCode) q.where('p.code', planCode);
  return q as unknown as Promise<ItemRow[]>;
}

// One cache per database: the calendar is reread only after an administrator loads a year.
const calendars = new WeakMap<Db, () => Promise<WorkingCalendar>>();
function calendarOf(db: Db): Promise<WorkingCalendar> {
  let get = calendars.get(db);
  if (!get) {
    get = calendarCache(db);
    calendars.set(db, get);
  }
  return get();
}

/** The instant and the calendar colours are judged by: now and the database's calendar, unless a caller (the digest, on its own clock) gives them. */
export interface ColourClock {
  now: number;
  calendar: WorkingCalendar;
}

async function clockOf(db: Db, clock: ColourClock | undefined): Promise<ColourClock> {
  return clock ?? { now: Date.now(), calendar: await calendarOf(db) };
}

/** 红黄绿灯 for each open assigned item (domain/colour.ts's rule); none for unassigned or closed ones. */
export async function coloursOf(db: Db, rows: (ColourInput & { item_id: number; status: string | null })[], workingDayMs?: number, clock?: ColourClock): Promise<Map<number, Colour>> {
  const colours = new Map<number, Colour>();
  const open = rows.filter((r) => isOpenStatus(r.status));
  if (!open.length) return colours;
  const { now, calendar } = await clockOf(db, clock);
  for (const r of open) colours.set(r.item_id, colourOf(r, calendar, now, workingDayMs));
  return colours;
}

/** A colour expression; wrapped because a knex Raw is thenable, and awaiting one would run it. */
export interface ColourColumn {
  sql: Knex.Raw;
}

/**
 * 红黄绿灯 of each item row of planItemsJoined, as an SQL column ('red',
 * 'yellow', 'green'; null for unassigned or closed items), so the board and
 * the lists count and filter by colour in PostgreSQL. On the real clock every
 * item shares one today: the rule runs in SQL with the calendar's dates as
 * parameters. On a compressed clock (tests, demos) each item has its own
 * today, so the open items are coloured by colourOf here and the SQL looks
 * each one up.
 */
export async function colourColumn(db: Db, workingDayMs?: number, clock?: ColourClock): Promise<ColourColumn> {
  if (!workingDayMs) {
    const { now, calendar } = await clockOf(db, clock);
    return { sql: colourSql(db, colourDay(calendar, now)) };
  }
  const open = (await db('assignments as a')
    .whereIn('a.status', [...OPEN_STATUSES])
    .select(
      // Keyed by assignment: a city's share (分解下达) has a colour of its own.
      'a.id as item_id',
      'a.status',
      'a.escalation_level',
      db.raw(`to_char(a.next_due_on, 'YYYY-MM-DD') as next_due_on`),
      'a.next_due_at',
      ...colourColumns(db),
    )) as (ColourInput & { item_id: number; status: string })[];
  const colours = await coloursOf(db, open, workingDayMs, clock);
  return { sql: db.raw('(?::jsonb ->> a.id::text)', [JSON.stringify(Object.fromEntries(colours))]) };
}

/**
 * The facts of every current item (of one plan, or all), as a query for the
 * board's counts to group: its group (action or safeguard measure, and which
 * of the two: the item's kind) and plan,
 * lead, status and colour, whether it is closed, its assignment's accepted
 * periods and open escalations. `sort_key` is its place in planItemRows'
 * order (plan code, action, measure, item) as an array, so `min(sort_key)`
 * orders groups as the lists first meet them without sorting every row; the
 * plan code enters as its rank, and a missing seq (null) sorts last in an
 * array as it does in an order by.
 */
export function itemFacts(db: Db, colour: ColourColumn, planCode?: string, which: 'provincial' | 'shares' = 'provincial', scope: ItemScope = 'current'): Knex.QueryBuilder {
  const planRank = db('plans').select('id', db.raw('rank() over (order by code)::int as r'));
  const escalations = db('escalations').whereNull('resolved_at').groupBy('assignment_id').select('assignment_id', db.raw('count(*)::int as n'));
  const open = isOpenSql(db);
  const q = planItemsJoined(db, which, scope)
    .join(planRank.as('pr'), 'pr.id', 'p.id')
    .leftJoin(onTimeByAssignment(db).as('ot'), 'ot.assignment_id', 'a.id')
    .leftJoin(escalations.as('esc'), 'esc.assignment_id', 'a.id')
    .select(
      db.raw('array[pr.r, act.seq, m.seq, i.seq] as sort_key'),
      'p.code as plan_code',
      // A share counts for its city, never again for its action (a group without a code is not counted).
      which === 'shares' ? db.raw('null::text as group_code') : db.raw('coalesce(act.code, m.code) as group_code'),
      which === 'shares' ? db.raw('null::text as group_title') : db.raw('coalesce(act.title, m.title) as group_title'),
      which === 'shares' ? db.raw('null::text as group_kind') : 'i.kind as group_kind',
      'lead.code as lead_code',
      db.raw('coalesce(lead.short_name, lead.name) as lead_name'),
      db.raw(`coalesce(a.status, 'unassigned') as status`),
      db.raw('? as colour', [colour.sql]),
      db.raw('(a.status is not null and not ?) as closed', [open]),
      db.raw('coalesce(ot.accepted, 0) as accepted'),
      db.raw('coalesce(ot."onTimeOriginal", 0) as on_time_original'),
      db.raw('coalesce(ot."onTimeExtended", 0) as on_time_extended'),
      db.raw('coalesce(esc.n, 0) as open_escalations'),
      // 滞后 counts for open items only: a closed item no longer has a schedule to keep.
      db.raw('(a.behind_schedule and ?) as behind_schedule', [open]),
    );
  if (planCode) q.where('p.code', planCode);
  return q;
}

/** Items, their 红黄绿灯 and the 滞后 among them, counted over a group of itemFacts rows. */
export function colourCounts(db: Db): Knex.Raw[] {
  return [
    db.raw('count(*)::int as items'),
    db.raw(`(count(*) filter (where colour = 'red'))::int as red`),
    db.raw(`(count(*) filter (where colour = 'yellow'))::int as yellow`),
    db.raw(`(count(*) filter (where colour = 'green'))::int as green`),
    db.raw(`(count(*) filter (where behind_schedule))::int as "behindSchedule"`),
  ];
}
