import type { Db } from '../connection';

export interface CatalogSummary {
  planCode: string;
  title: string;
  actions: number;
  tasks: number;
  safeguardMeasures: number;
  safeguardItems: number;
  departments: number;
}

/** What the catalog holds for one plan now (retired parts left out). */
export async function summarizeCatalog(db: Db, planCode: string): Promise<CatalogSummary | undefined> {
  const plan = (await db('plans').where({ code: planCode }).first('id', 'code', 'title')) as
    | { id: number; code: string; title: string }
    | undefined;
  if (!plan) return undefined;
  const live = (table: string) => db(table).where({ plan_id: plan.id }).whereNull('retired_at');
  const count = async (q: ReturnType<Db>) => Number(((await q.count({ n: '*' }).first()) as { n: string }).n);
  const departmentsInvolved = async () => {
    const row = (await db('item_owner_proposals as p')
      .join('items as i', 'i.id', 'p.item_id')
      .where('i.plan_id', plan.id)
      .whereNull('i.retired_at')
      .countDistinct({ n: 'p.department_id' })
      .first()) as { n: string };
    return Number(row.n);
  };
  const [actions, tasks, safeguardMeasures, safeguardItems, departments] = await Promise.all([
    count(live('actions')),
    count(live('items').where({ kind: 'task' })),
    count(live('safeguard_measures')),
    count(live('items').where({ kind: 'safeguard' })),
    departmentsInvolved(),
  ]);
  return { planCode: plan.code, title: plan.title, actions, tasks, safeguardMeasures, safeguardItems, departments };
}
