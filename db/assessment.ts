import type { Knex } from 'knex';
import { assessmentPolicySchema } from './catalog/plan-schema';
import type { Db } from './connection';
import {
  ASSESSMENT_RUNGS,
  assessDepartment,
  type AdjustmentFact,
  type AssessmentEvent,
  type AssessmentRung,
  type AssessmentWeights,
  type DepartmentFacts,
  type DepartmentScore,
  NO_FACTS,
} from '../domain/assessment';
import { shanghaiDate } from '../domain/clock';
import { DEFAULT_BEHIND_SCHEDULE_TOLERANCE, isBehindSchedule, scheduleText } from '../domain/progress-schedule';
import { GRADE_WORDS, GRADES, wordFor, type Grade } from '../domain/words';
import { chaseWords } from '../domain/chase-words';
import { LEADING_GROUP_KIND } from './leading-group';
import { recordAudit } from './audit';

/**
 * 年度考核 (domain/assessment.ts): a year's facts per department, read from
 * the event tables only, and the adjustments and publications of migration
 * 015. A live assessment is computed on each read; a published one is the
 * snapshot kept when it was published, and nothing later changes it.
 *
 * Who a fact counts for:
 * - accepted periods, escalations, 批示 feedback and completions: the item's
 *   lead department (its current lead, as the board and the scorecard count
 *   on-time verdicts: db/on-time.ts);
 * - returned reports and reports lagging their 序时进度: the department that
 *   filed the report (a co-operating department's returned input is its own).
 *
 * What puts a fact in the year (dates in Asia/Shanghai):
 * - an accepted period: the last day of the period (`ends_on`), so the year's
 *   four quarters are the year's, though the fourth is reported in January;
 * - a returned report: the day it was returned (`reviewed_at`);
 * - an escalation: the business date its rung fired on (`business_date`);
 * - a 批示's 落实反馈: its due date (`feedback_due_on`), counted once filed or
 *   once the due date has passed;
 * - a report lagging its 序时进度: the last day of its period, as it was judged;
 * - a completion (办结) with its grade: the day it was completed (`completed_at`).
 */

/** A plan the assessment is made for: its weights and 滞后 tolerance come from its policy. */
export interface AssessmentPlan {
  id: number;
  code: string;
  title: string;
  weights: AssessmentWeights;
  tolerance: number;
}

export interface AssessedDepartment extends DepartmentScore {
  department: string;
  name: string;
  kind: string;
  adjustments: AdjustmentFact[];
}

/** A year's assessment, as the API answers it and a publication keeps it. */
export interface Assessment {
  plan: string;
  planTitle: string;
  year: number;
  /** The day the events were read up to (Asia/Shanghai): today while live, the day of publication once published. */
  asOf: string;
  weights: AssessmentWeights;
  published: { at: string; by: string } | null;
  /** Highest score first; ties by code. */
  departments: AssessedDepartment[];
}

/** Adjusting a published year: the assessment is frozen. */
export class AssessmentPublishedError extends Error {
  constructor(
    readonly plan: string,
    readonly year: number,
  ) {
    super(`the ${year} assessment of ${plan} is published and frozen`);
    this.name = 'AssessmentPublishedError';
  }
}

/** Kinds the assessment lists even without events; any other department (the secretariat) only when events count for it. The leading group is never assessed. */
const ASSESSED_KINDS = ['department', 'agency', 'city'];

interface PlanRow {
  id: number;
  code: string;
  title: string;
  policy: { assessment?: unknown; behindScheduleTolerance?: number } | null;
  period_start: string;
  period_end: string;
}

function planOf(row: PlanRow): AssessmentPlan {
  return {
    id: row.id,
    code: row.code,
    title: row.title,
    // A plan imported before the assessment existed stores no weights: the defaults stand for them.
    weights: assessmentPolicySchema.parse(row.policy?.assessment ?? {}),
    tolerance: row.policy?.behindScheduleTolerance ?? DEFAULT_BEHIND_SCHEDULE_TOLERANCE,
  };
}

/**
 * The plan to assess: the one named, or where none is named, the only plan
 * loaded or else the only one whose period covers the year. 'unknown' when
 * the named plan does not exist (or nothing is loaded); 'ambiguous' when
 * several plans cover the year and none was named.
 */
export async function findAssessmentPlan(db: Db, code: string | undefined, year: number): Promise<AssessmentPlan | 'unknown' | 'ambiguous'> {
  const rows = (await db('plans')
    .orderBy('code')
    .select('id', 'code', 'title', 'policy', db.raw(`to_char(period_start, 'YYYY-MM-DD') as period_start`), db.raw(`to_char(period_end, 'YYYY-MM-DD') as period_end`))) as PlanRow[];
  if (code !== undefined) {
    const named = rows.find((r) => r.code === code);
    return named ? planOf(named) : 'unknown';
  }
  if (rows.length === 1) return planOf(rows[0] as PlanRow);
  const covering = rows.filter((r) => r.period_start <= `${year}-12-31` && r.period_end >= `${year}-01-01`);
  if (covering.length === 1) return planOf(covering[0] as PlanRow);
  return covering.length ? 'ambiguous' : 'unknown';
}

/** The year's bounds: dates, and instants in Asia/Shanghai. */
function bounds(year: number) {
  return { from: `${year}-01-01`, to: `${year}-12-31`, start: `${year}-01-01T00:00:00+08:00`, end: `${year + 1}-01-01T00:00:00+08:00` };
}

interface Dept {
  id: number;
  code: string;
  name: string;
  kind: string;
}

type FactRow = { dept: number; itemKey: string; item: string; date: string };

/** Assignments `a` of the plan with their items `i`. */
function ofPlan(q: Knex.QueryBuilder, planId: number): Knex.QueryBuilder {
  return q.join('items as i', 'i.id', 'a.item_id').where('i.plan_id', planId);
}

/** Every fact of the year per department id, read in a handful of queries (a year of one plan is a few thousand rows). */
async function yearFacts(db: Knex, plan: AssessmentPlan, year: number, asOf: string): Promise<Map<number, DepartmentFacts>> {
  const { from, to, start, end } = bounds(year);
  const facts = new Map<number, DepartmentFacts>();
  const of = (dept: number): DepartmentFacts => {
    let f = facts.get(dept);
    if (!f) {
      f = { periods: [], returnedReports: [], escalations: [], feedback: [], behindSchedule: [], completed: [], adjustments: [] };
      facts.set(dept, f);
    }
    return f;
  };
  const event = (r: FactRow, ref: string, note: string): AssessmentEvent => ({ ref, item: r.item, date: r.date, note });
  const day = (column: string) => db.raw(`to_char(${column}, 'YYYY-MM-DD') as date`);
  const shanghaiDay = (column: string) => db.raw(`to_char(${column} at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as date`);

  const periods = (await ofPlan(db('periods as p').join('assignments as a', 'a.id', 'p.assignment_id'), plan.id)
    .where('p.status', 'accepted')
    .whereBetween('p.ends_on', [from, to])
    .orderBy([{ column: 'p.ends_on' }, { column: 'a.workflow_id' }, { column: 'p.seq' }])
    .select('a.lead_department_id as dept', 'a.workflow_id as itemKey', 'i.code as item', day('p.ends_on'), 'p.seq', 'p.on_time_original as original', 'p.on_time as extended')) as (FactRow & {
    seq: number;
    original: boolean | null;
    extended: boolean | null;
  })[];
  for (const r of periods) of(r.dept).periods.push({ ...event(r, `period:${r.itemKey}:p${r.seq}`, `第${r.seq}期`), original: r.original, extended: r.extended });

  const returned = (await ofPlan(db('reports as r').join('assignments as a', 'a.id', 'r.assignment_id'), plan.id)
    .where('r.review', 'returned')
    .whereRaw('coalesce(r.reviewed_at, r.submitted_at) >= ?::timestamptz and coalesce(r.reviewed_at, r.submitted_at) < ?::timestamptz', [start, end])
    .orderBy([{ column: 'r.reviewed_at' }, { column: 'r.id' }])
    .select('r.department_id as dept', 'a.workflow_id as itemKey', 'i.code as item', shanghaiDay('coalesce(r.reviewed_at, r.submitted_at)'), 'r.receipt_id as receipt', 'r.period_seq as seq', 'r.kind', 'r.version')) as (FactRow & {
    receipt: string;
    seq: number;
    kind: string;
    version: number;
  })[];
  for (const r of returned) of(r.dept).returnedReports.push(event(r, `report:${r.receipt}`, `第${r.seq}期${r.kind === 'input' ? '配合材料' : '进展报告'}(第${r.version}版)退回`));

  const escalations = (await ofPlan(db('escalations as e').join('assignments as a', 'a.id', 'e.assignment_id'), plan.id)
    .whereBetween('e.business_date', [from, to])
    .whereIn('e.rung', [...ASSESSMENT_RUNGS])
    .orderBy([{ column: 'e.business_date' }, { column: 'e.id' }])
    .select('a.lead_department_id as dept', 'a.workflow_id as itemKey', 'i.code as item', day('e.business_date'), 'e.key', 'e.rung', 'e.subject', 'e.period_seq as seq')) as (FactRow & {
    key: string;
    rung: AssessmentRung;
    subject: string;
    seq: number;
  })[];
  for (const r of escalations) {
    of(r.dept).escalations.push({ ...event(r, r.key, chaseWords({ subject: r.subject, periodSeq: r.seq })), rung: r.rung });
  }

  const feedback = (await ofPlan(db('instructions as n').join('assignments as a', 'a.id', 'n.assignment_id'), plan.id)
    .whereBetween('n.feedback_due_on', [from, to])
    // Counted once filed, or once its due date has passed without it; one still due is not counted yet.
    .where((q) => q.whereNotNull('n.feedback_at').orWhere('n.feedback_due_on', '<', asOf))
    .orderBy([{ column: 'n.feedback_due_on' }, { column: 'n.id' }])
    .select('a.lead_department_id as dept', 'a.workflow_id as itemKey', 'i.code as item', day('n.feedback_due_on'), 'n.key', 'n.seq', db.raw('n.feedback_at is not null as filed'), 'n.feedback_late as late')) as (FactRow & {
    key: string;
    seq: number | null;
    filed: boolean;
    late: boolean | null;
  })[];
  for (const r of feedback) {
    // As the on-time rule: on time only when the record says so (filed, and not late).
    const onTime = r.filed && r.late === false;
    const note = `${r.seq === null ? '' : `第${r.seq}号`}批示${onTime ? '按时反馈' : r.filed ? '逾期反馈' : '逾期未反馈'}`;
    of(r.dept).feedback.push({ ...event(r, r.key, note), onTime });
  }

  const judged = (await ofPlan(
    db('reports as r').join('assignments as a', 'a.id', 'r.assignment_id').join('periods as p', (j) => j.on('p.assignment_id', 'r.assignment_id').andOn('p.seq', 'r.period_seq')),
    plan.id,
  )
    .where({ 'r.kind': 'consolidated', 'r.review': 'accepted' })
    .whereNotNull('r.planned_percent')
    .whereBetween('p.ends_on', [from, to])
    .orderBy([{ column: 'p.ends_on' }, { column: 'r.id' }])
    .select('r.department_id as dept', 'a.workflow_id as itemKey', 'i.code as item', day('p.ends_on'), 'r.receipt_id as receipt', 'r.period_seq as seq', 'r.planned_percent as planned', 'r.percent_done as reported')) as (FactRow & {
    receipt: string;
    seq: number;
    planned: number;
    reported: number;
  })[];
  for (const r of judged) {
    // 滞后 by the rule of domain/progress-schedule.ts, against the planned percent the report was judged by.
    if (isBehindSchedule(r.planned, r.reported, plan.tolerance)) of(r.dept).behindSchedule.push(event(r, `report:${r.receipt}`, `第${r.seq}期${scheduleText({ planned: r.planned, reported: r.reported, behind: true })}`));
  }

  const completed = (await ofPlan(db('assignments as a'), plan.id)
    .where('a.status', 'completed')
    .whereIn('a.grade', [...GRADES])
    .where('a.completed_at', '>=', start)
    .where('a.completed_at', '<', end)
    .orderBy([{ column: 'a.completed_at' }, { column: 'a.id' }])
    .select('a.lead_department_id as dept', 'a.workflow_id as itemKey', 'i.code as item', shanghaiDay('a.completed_at'), 'a.grade')) as (FactRow & { grade: Grade })[];
  for (const r of completed) of(r.dept).completed.push({ ...event(r, `item:${r.itemKey}`, `办结,评定${wordFor(GRADE_WORDS, r.grade)}`), grade: r.grade });

  const adjustments = (await db('assessment_adjustments')
    .where({ plan_id: plan.id, year })
    .orderBy('id')
    .select('id', 'department_id as dept', 'points', 'reason', 'created_by as by', 'created_at as at')) as { id: number; dept: number; points: string; reason: string; by: string; at: Date }[];
  for (const r of adjustments) of(r.dept).adjustments.push({ id: r.id, points: Number(r.points), reason: r.reason, by: r.by, at: r.at.toISOString() });
  return facts;
}

/** The assessment computed from the events now: every assessed department, highest score first. */
export async function liveAssessment(db: Knex, plan: AssessmentPlan, year: number, now = Date.now()): Promise<Assessment> {
  const asOf = shanghaiDate(now);
  const facts = await yearFacts(db, plan, year, asOf);
  const depts = (await db('departments').whereNot('kind', LEADING_GROUP_KIND).orderBy('code').select('id', 'code', db.raw('coalesce(short_name, name) as name'), 'kind')) as Dept[];
  const departments = depts
    .filter((d) => ASSESSED_KINDS.includes(d.kind) || facts.has(d.id))
    .map((d): AssessedDepartment => {
      const f = facts.get(d.id) ?? NO_FACTS;
      return { department: d.code, name: d.name, kind: d.kind, ...assessDepartment(f, plan.weights), adjustments: f.adjustments };
    })
    .sort((a, b) => b.score - a.score || a.department.localeCompare(b.department));
  return { plan: plan.code, planTitle: plan.title, year, asOf, weights: plan.weights, published: null, departments };
}

interface PublicationRow {
  published_by: string;
  published_at: Date;
  snapshot: Assessment;
}

async function publication(db: Knex, plan: AssessmentPlan, year: number): Promise<Assessment | undefined> {
  const row = (await db('assessment_publications').where({ plan_id: plan.id, year }).first('published_by', 'published_at', 'snapshot')) as PublicationRow | undefined;
  return row && { ...row.snapshot, published: { at: row.published_at.toISOString(), by: row.published_by } };
}

/** The year's assessment: as published, frozen; or else live. */
export async function readAssessment(db: Db, plan: AssessmentPlan, year: number): Promise<Assessment> {
  return (await publication(db, plan, year)) ?? liveAssessment(db, plan, year);
}

/** Adjusting and publishing one plan's year queue on one lock, so no adjustment lands beside a publication that missed it. */
async function lockYear(trx: Knex.Transaction, plan: AssessmentPlan, year: number): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`coord:assessment:${plan.id}:${year}`]);
}

interface Actor {
  actor: string;
  requestId: string;
}

/** A department (or city) the assessment may adjust: any but the leading group. */
export async function assessableDepartment(db: Db, code: string): Promise<{ id: number; code: string } | undefined> {
  return (await db('departments').where({ code }).whereNot('kind', LEADING_GROUP_KIND).first('id', 'code')) as { id: number; code: string } | undefined;
}

/**
 * Records an adjustment with its reason, audited in the same transaction.
 * Refused (AssessmentPublishedError) once the year is published.
 */
export async function addAdjustment(
  db: Db,
  plan: AssessmentPlan,
  year: number,
  adj: { department: { id: number; code: string }; points: number; reason: string },
  by: Actor,
): Promise<AdjustmentFact & { department: string }> {
  return db.transaction(async (trx) => {
    await lockYear(trx, plan, year);
    if (await trx('assessment_publications').where({ plan_id: plan.id, year }).first('year')) throw new AssessmentPublishedError(plan.code, year);
    const [row] = (await trx('assessment_adjustments')
      .insert({ plan_id: plan.id, year, department_id: adj.department.id, points: adj.points, reason: adj.reason, created_by: by.actor })
      .returning(['id', 'created_at'])) as { id: number; created_at: Date }[];
    const { id, created_at: at } = row as { id: number; created_at: Date };
    await recordAudit(trx, {
      actor: by.actor,
      action: 'assessment.adjust',
      subject: `assessment:${plan.code}:${year}`,
      payload: { id, department: adj.department.code, points: adj.points, reason: adj.reason },
      requestId: by.requestId,
    });
    return { id, department: adj.department.code, points: adj.points, reason: adj.reason, by: by.actor, at: at.toISOString() };
  });
}

/**
 * Publishes the year: the assessment as computed now is kept whole, and from
 * then on it is what every read answers. Publishing again changes nothing and
 * answers the publication there is (`created` false); only the first is audited.
 */
export async function publishAssessment(db: Db, plan: AssessmentPlan, year: number, by: Actor, now = Date.now()): Promise<{ assessment: Assessment; created: boolean }> {
  return db.transaction(async (trx) => {
    await lockYear(trx, plan, year);
    const existing = await publication(trx, plan, year);
    if (existing) return { assessment: existing, created: false };
    const snapshot = await liveAssessment(trx, plan, year, now);
    await trx('assessment_publications').insert({ plan_id: plan.id, year, published_by: by.actor, snapshot: JSON.stringify(snapshot) });
    await recordAudit(trx, {
      actor: by.actor,
      action: 'assessment.publish',
      subject: `assessment:${plan.code}:${year}`,
      payload: { scores: Object.fromEntries(snapshot.departments.map((d) => [d.department, d.score])) },
      requestId: by.requestId,
    });
    return { assessment: (await publication(trx, plan, year)) as Assessment, created: true };
  });
}
