import type { Db } from '../../db/connection';
import type { Principal } from '../auth/tokens';
import { HttpError } from '../errors';

export interface ItemAccess {
  itemKey: string;
  itemId: number;
  title: string;
  assigned: boolean;
  lead?: string;
  cooperating: string[];
  status?: string;
  /** A city's share of the item (分解下达), not the provincial assignment. */
  share?: boolean;
}

/**
 * The item and who is party to it; 404 for an item that does not exist. For a
 * city (`department`) with a share of the item (分解下达), the share: its own
 * workflow, with the city as its lead.
 */
export async function loadItem(db: Db, planCode: string, itemCode: string, department?: string): Promise<ItemAccess> {
  if (department !== undefined) {
    const share = await loadShare(db, planCode, itemCode, department);
    if (share) return share;
  }
  const item = (await db('items as i')
    .join('plans as p', 'p.id', 'i.plan_id')
    // The provincial assignment: cities' shares are rows of their own.
    .leftJoin('assignments as a', (j) => j.on('a.item_id', 'i.id').andOnNull('a.parent_assignment_id'))
    .leftJoin('departments as d', 'd.id', 'a.lead_department_id')
    .where({ 'p.code': planCode, 'i.code': itemCode })
    .first('i.id', 'i.title', 'a.id as assignment_id', 'a.workflow_id', 'a.status', 'd.code as lead')) as
    | { id: number; title: string; assignment_id: number | null; workflow_id: string | null; status: string | null; lead: string | null }
    | undefined;
  if (!item) throw new HttpError(404, 'not_found', `item ${planCode}/${itemCode} does not exist`);
  const cooperating = item.assignment_id
    ? ((await db('assignment_cooperators as c').join('departments as d', 'd.id', 'c.department_id').where('c.assignment_id', item.assignment_id).pluck('d.code')) as string[])
    : [];
  return {
    itemKey: item.workflow_id ?? `item:${planCode}:${itemCode}`,
    itemId: item.id,
    title: item.title,
    assigned: Boolean(item.assignment_id),
    lead: item.lead ?? undefined,
    cooperating,
    status: item.status ?? undefined,
  };
}

/** A city's share of the item (分解下达), for the secretariat's review of its report; 404 when the item was not cascaded to the city. */
export async function loadCityShare(db: Db, planCode: string, itemCode: string, city: string): Promise<ItemAccess> {
  const share = await loadShare(db, planCode, itemCode, city);
  if (!share) throw new HttpError(404, 'not_cascaded', `item ${planCode}/${itemCode} was not cascaded to ${city}`);
  return share;
}

/** The city's share of the item, when it has one. */
async function loadShare(db: Db, planCode: string, itemCode: string, city: string): Promise<ItemAccess | undefined> {
  const row = (await db('items as i')
    .join('plans as p', 'p.id', 'i.plan_id')
    .join('assignments as a', 'a.item_id', 'i.id')
    .join('departments as d', 'd.id', 'a.lead_department_id')
    .where({ 'p.code': planCode, 'i.code': itemCode, 'd.code': city, 'd.kind': 'city' })
    .whereNotNull('a.parent_assignment_id')
    .first('i.id', 'i.title', 'a.workflow_id', 'a.status')) as { id: number; title: string; workflow_id: string; status: string } | undefined;
  if (!row) return undefined;
  return { itemKey: row.workflow_id, itemId: row.id, title: row.title, assigned: true, lead: city, cooperating: [], status: row.status, share: true };
}

/**
 * A department user acts only on items where its department is lead or
 * co-operating (lead only, where `leadOnly`). Other roles are checked by the
 * route's access list. An item a department cannot see is 404 to it, not 403,
 * so its existence does not leak.
 */
export function requireParty(principal: Principal, item: ItemAccess, opts: { leadOnly?: boolean } = {}): void {
  if (principal.role !== 'department') return;
  const dept = principal.department;
  const party = dept !== undefined && (dept === item.lead || item.cooperating.includes(dept));
  if (!party) throw new HttpError(404, 'not_found', 'no such item for your department');
  if (opts.leadOnly && dept !== item.lead) throw new HttpError(403, 'forbidden', 'only the lead department may do this');
}
