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
}

/** The item and who is party to it; 404 for an item that does not exist. */
export async function loadItem(db: Db, planCode: string, itemCode: string): Promise<ItemAccess> {
  const item = (await db('items as i')
    .join('plans as p', 'p.id', 'i.plan_id')
    .leftJoin('assignments as a', 'a.item_id', 'i.id')
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
