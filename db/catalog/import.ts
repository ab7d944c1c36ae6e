import type { Knex } from 'knex';
import type { Db } from '../connection';
import { refreshScheduleStanding } from '../schedule-standing';
import type { PlanFile, PlanItem } from './plan-schema';
import type { LoadedPlan } from './plan-file';
import { recordAudit } from '../audit';

export interface ImportCounts {
  departments: number;
  actions: number;
  tasks: number;
  safeguardMeasures: number;
  safeguardItems: number;
}

export interface ImportResult {
  planCode: string;
  planId: number;
  /** Rows inserted, updated, retired or removed; 0 when the catalog already matched the file. */
  changes: number;
  counts: ImportCounts;
}

export interface ImportContext {
  actor: string;
  requestId?: string;
  source?: string;
}

type Row = Record<string, unknown>;

/**
 * Inserts rows, or updates those whose values differ; returns how many rows it
 * touched. Unchanged rows are left alone (their updated_at too), which is what
 * makes a second import of the same file change nothing.
 */
async function upsert(trx: Knex.Transaction, table: string, keys: string[], rows: Row[]): Promise<number> {
  if (!rows.length) return 0;
  const cols = Object.keys(rows[0] as Row);
  const valueCols = cols.filter((c) => !keys.includes(c));
  const bindings: unknown[] = [table, ...cols];
  const values = rows
    .map((row) => {
      for (const c of cols) bindings.push(row[c]);
      return `(${cols.map(() => '?').join(', ')})`;
    })
    .join(', ');
  bindings.push(...keys);
  for (const c of valueCols) bindings.push(c, c);
  for (const c of valueCols) bindings.push(table, c);
  for (const c of valueCols) bindings.push(c);
  const sql = `
    insert into ?? (${cols.map(() => '??').join(', ')}) values ${values}
    on conflict (${keys.map(() => '??').join(', ')}) do update
      set ${valueCols.map(() => '?? = excluded.??').join(', ')}, updated_at = now()
      where (${valueCols.map(() => '??.??').join(', ')}) is distinct from (${valueCols.map(() => 'excluded.??').join(', ')})`;
  const res = (await trx.raw(sql, bindings as Knex.RawBinding[])) as { rowCount: number };
  return res.rowCount;
}

/** Parts of an earlier version of the plan that the file no longer has are retired, not deleted: their history stays. */
async function retireMissing(trx: Knex.Transaction, table: string, planId: number, codes: string[]): Promise<number> {
  return trx(table)
    .where({ plan_id: planId })
    .whereNull('retired_at')
    .whereNotIn('code', codes)
    .update({ retired_at: trx.fn.now(), updated_at: trx.fn.now() });
}

async function idsByCode(trx: Knex.Transaction, table: string, where: Row = {}): Promise<Map<string, number>> {
  const rows = (await trx(table).where(where).select('id', 'code')) as { id: number; code: string }[];
  return new Map(rows.map((r) => [r.code, r.id]));
}

function must<T>(map: Map<string, T>, code: string): T {
  const v = map.get(code);
  if (v === undefined) throw new Error(`internal: ${code} missing after upsert`);
  return v;
}

async function syncProposals(
  trx: Knex.Transaction,
  plan: PlanFile,
  itemIds: Map<string, number>,
  deptIds: Map<string, number>,
): Promise<number> {
  const wanted = new Map<string, { item_id: number; department_id: number; role: string }>();
  const add = (itemCode: string, dept: string, role: string) => {
    const row = { item_id: must(itemIds, itemCode), department_id: must(deptIds, dept), role };
    wanted.set(`${row.item_id}:${row.department_id}:${role}`, row);
  };
  for (const item of [...plan.actions.flatMap((a) => a.tasks), ...plan.safeguards.flatMap((s) => s.items)]) {
    add(item.code, item.proposal.lead, 'lead');
    for (const c of item.proposal.cooperating) add(item.code, c, 'cooperating');
  }
  // Proposals of retired items stay as they were, with the rest of their history.
  const existing = (await trx('item_owner_proposals as p')
    .whereIn('p.item_id', [...new Set([...wanted.values()].map((w) => w.item_id))])
    .select('p.item_id', 'p.department_id', 'p.role')) as { item_id: number; department_id: number; role: string }[];
  const have = new Set(existing.map((r) => `${r.item_id}:${r.department_id}:${r.role}`));
  const stale = existing.filter((r) => !wanted.has(`${r.item_id}:${r.department_id}:${r.role}`));
  let changes = 0;
  for (const r of stale) {
    changes += await trx('item_owner_proposals').where({ item_id: r.item_id, department_id: r.department_id }).delete();
  }
  const fresh = [...wanted.entries()].filter(([k]) => !have.has(k)).map(([, row]) => row);
  if (fresh.length) {
    await trx('item_owner_proposals').insert(fresh);
    changes += fresh.length;
  }
  return changes;
}

/** The milestones an item is judged by: the plan's own, or else the secretariat's proposal, marked as such. */
function itemSchedule(item: PlanItem): Row {
  const own = item.milestones.map((m) => ({ ...m, proposed: false }));
  const milestones = own.length ? own : item.proposal.milestones.map((m) => ({ ...m, proposed: true }));
  return { milestones: JSON.stringify(milestones), indicators: JSON.stringify(item.indicators) };
}

export function countPlan(plan: PlanFile): ImportCounts {
  return {
    departments: plan.departments.length,
    actions: plan.actions.length,
    tasks: plan.actions.reduce((n, a) => n + a.tasks.length, 0),
    safeguardMeasures: plan.safeguards.length,
    safeguardItems: plan.safeguards.reduce((n, s) => n + s.items.length, 0),
  };
}

/**
 * Writes a validated plan into the catalog in one transaction: all of it or
 * none of it. Idempotent; an import that changes something is audited.
 */
export async function importPlan(db: Db, loaded: LoadedPlan, ctx: ImportContext): Promise<ImportResult> {
  const { plan } = loaded;
  return db.transaction(async (trx) => {
    // Two imports at once would interleave their upserts; one at a time.
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', ['coord:plan-import']);
    let changes = 0;

    changes += await upsert(
      trx,
      'departments',
      ['code'],
      plan.departments.map((d) => ({ code: d.code, name: d.name, short_name: d.shortName ?? null, kind: d.kind })),
    );
    const deptIds = await idsByCode(trx, 'departments');

    const p = plan.plan;
    changes += await upsert(trx, 'plans', ['code'], [
      {
        code: p.code,
        title: p.title,
        issuer: p.issuer,
        coordinating_office: p.coordinatingOffice,
        notice_prefix: p.noticePrefix ?? null,
        secretariat_department_id: must(deptIds, p.secretariat),
        period_start: p.periodStart,
        period_end: p.periodEnd,
        overall_goal: p.overallGoal,
        policy: JSON.stringify(plan.policy),
        source_sha256: loaded.contentSha256,
      },
    ]);
    const planId = must(await idsByCode(trx, 'plans', { code: p.code }), p.code);

    changes += await upsert(
      trx,
      'actions',
      ['plan_id', 'code'],
      plan.actions.map((a, i) => ({ plan_id: planId, code: a.code, seq: i + 1, title: a.title, focus: a.focus, retired_at: null })),
    );
    changes += await upsert(
      trx,
      'safeguard_measures',
      ['plan_id', 'code'],
      plan.safeguards.map((s, i) => ({ plan_id: planId, code: s.code, seq: i + 1, title: s.title, retired_at: null })),
    );
    const actionIds = await idsByCode(trx, 'actions', { plan_id: planId });
    const measureIds = await idsByCode(trx, 'safeguard_measures', { plan_id: planId });

    const itemRows: Row[] = [
      ...plan.actions.flatMap((a) =>
        a.tasks.map((t, j) => ({ code: t.code, kind: 'task', action_id: must(actionIds, a.code), measure_id: null, seq: j + 1, title: t.title, ...itemSchedule(t) })),
      ),
      ...plan.safeguards.flatMap((s) =>
        s.items.map((t, j) => ({ code: t.code, kind: 'safeguard', action_id: null, measure_id: must(measureIds, s.code), seq: j + 1, title: t.title, ...itemSchedule(t) })),
      ),
    ].map((r) => ({ plan_id: planId, ...r, retired_at: null }));
    changes += await upsert(trx, 'items', ['plan_id', 'code'], itemRows);

    changes += await retireMissing(trx, 'items', planId, itemRows.map((r) => r.code as string));
    changes += await retireMissing(trx, 'actions', planId, plan.actions.map((a) => a.code));
    changes += await retireMissing(trx, 'safeguard_measures', planId, plan.safeguards.map((s) => s.code));

    const itemIds = await idsByCode(trx, 'items', { plan_id: planId });
    changes += await syncProposals(trx, plan, itemIds, deptIds);
    // New milestones or a new tolerance re-judge the items already assigned.
    changes += await refreshScheduleStanding(trx, { planId });

    const counts = countPlan(plan);
    if (changes > 0) {
      await recordAudit(trx, { actor: ctx.actor, action: 'plan.import', subject: `plan:${p.code}`, payload: { source: ctx.source, sha256: loaded.contentSha256, changes, counts }, requestId: ctx.requestId });
    }
    return { planCode: p.code, planId, changes, counts };
  });
}
