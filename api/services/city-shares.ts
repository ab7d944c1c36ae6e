import type { Db } from '../../db/connection';
import { asSubquery, latestConsolidatedReport } from '../../db/reports';

export interface CityShares {
  code: string;
  name: string;
  shortName: string | null;
  shares: { plan: string; item: string; title: string; workflowId: string; status: string; escalationLevel: number; weight: number; percentDone: number | null; behindSchedule: boolean }[];
}

/** The 17 cities, each with its shares of cascaded items (分解下达) and the latest percent its consolidated reports gave. */
export async function citiesWithShares(db: Db): Promise<CityShares[]> {
  const cities = (await db('departments').where('kind', 'city').orderBy('code').select('id', 'code', 'name', 'short_name as shortName')) as (Omit<CityShares, 'shares'> & { id: number })[];
  const shares = (await db('assignments as a')
    .join('items as i', 'i.id', 'a.item_id')
    .join('plans as p', 'p.id', 'i.plan_id')
    .whereNotNull('a.parent_assignment_id')
    .joinRaw('left join lateral ? as last on true', [asSubquery(db, latestConsolidatedReport(db, { assignment: 'a.id' }).select('r.percent_done'))])
    .orderBy(['p.code', 'i.code'])
    .select(
      'a.lead_department_id as city',
      'p.code as plan',
      'i.code as item',
      'i.title',
      'a.workflow_id as workflowId',
      'a.status',
      'a.escalation_level as escalationLevel',
      db.raw('coalesce(a.share_weight, 1)::float as weight'),
      'last.percent_done as percentDone',
      'a.behind_schedule as behindSchedule',
    )) as (CityShares['shares'][number] & { city: number })[];
  return cities.map(({ id, ...c }) => ({ ...c, shares: shares.filter((s) => s.city === id).map(({ city: _city, ...s }) => s) }));
}
