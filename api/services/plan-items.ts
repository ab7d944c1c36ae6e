import { colourOf, type Colour, type ColourInput } from '../../domain/colour';
import { colourColumns } from '../../db/colour';
import { calendarCache } from '../../db/calendar/store';
import type { WorkingCalendar } from '../../domain/calendar';
import type { Db } from '../../db/connection';
import { OPEN_STATUSES } from '../../workflows/definitions';

/**
 * The plans' items joined with what the lists need: plan `p`, action `act`
 * or safeguard measure `m`, assignment `a` (where there is one) and its lead
 * department `lead`. Current items only.
 */
export function planItemsJoined(db: Db) {
  return db('items as i')
    .join('plans as p', 'p.id', 'i.plan_id')
    .leftJoin('actions as act', 'act.id', 'i.action_id')
    .leftJoin('safeguard_measures as m', 'm.id', 'i.measure_id')
    .leftJoin('assignments as a', 'a.item_id', 'i.id')
    .leftJoin('departments as lead', 'lead.id', 'a.lead_department_id')
    .whereNull('i.retired_at');
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

/** 红黄绿灯 for each open assigned item (the digest's rule); none for unassigned or closed ones. */
export async function coloursOf(db: Db, rows: ItemRow[], workingDayMs?: number): Promise<Map<number, Colour>> {
  const colours = new Map<number, Colour>();
  const open = rows.filter((r) => r.status && (OPEN_STATUSES as readonly string[]).includes(r.status));
  if (!open.length) return colours;
  const cal = await calendarOf(db);
  const now = Date.now();
  for (const r of open) colours.set(r.item_id, colourOf(r, cal, now, workingDayMs));
  return colours;
}
