import { z } from 'zod';
import { isWholeHundredths } from '../../domain/assessment';
import { textProblem } from '../../domain/text';

/**
 * The plan file format `coord-plan/v2` (docs/plan-format.md); `coord-plan/v1`
 * files load as they are (v2 adds milestones and indicators). A plan is data:
 * another plan (the next three-year plan, another province's) loads the same way.
 * Order in the file is the plan's order of importance.
 */
/** A plan, item or department code; also what the API accepts in paths and bodies. */
export const code = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-", starting with a letter or digit');

/**
 * Free text, checked by the same rule as the item workflow's validators (domain/text.ts):
 * not empty, at most `max` characters, no control characters other than tab and
 * newline (a NUL would fail in PostgreSQL, on every retry). Trimmed first unless
 * `trim` is false (a password or a secret is taken as typed). The length bounds
 * stay zod checks so that JSON Schema and OpenAPI show them.
 */
export function boundedText(max: number, { trim = true, min = 1 }: { trim?: boolean; min?: number } = {}) {
  const base = trim ? z.string().trim() : z.string();
  return base
    .min(min, { message: min > 1 ? `must be at least ${min} characters` : 'must not be empty', abort: true })
    .max(max, { message: `must be at most ${max} characters`, abort: true })
    .superRefine((value, ctx) => {
      const problem = textProblem(value, max);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}

/** An http(s) link. The URL parser alone lets control characters through (it escapes them), so the text rule applies as well. */
export const httpLink = (max: number) => boundedText(max).url({ protocol: /^https?$/, message: 'must be an http(s) link' });

/** The years a date in a plan, a query or a body may name. */
export const MIN_DATE_YEAR = 2000;
export const MAX_DATE_YEAR = 2100;

export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'is not a real calendar date')
  // PostgreSQL has no year 0, and no plan of this engine is dated outside this century: a sane range, refused as 422, not a database error.
  .refine((s) => s >= `${MIN_DATE_YEAR}-01-01` && s <= `${MAX_DATE_YEAR}-12-31`, `must be a date from ${MIN_DATE_YEAR} to ${MAX_DATE_YEAR}`);

export const cadences = ['monthly', 'quarterly', 'half-yearly', 'yearly'] as const;
/**
 * What a directory entry is: `department` a provincial Party or government body,
 * `agency` a body stationed in the province under vertical management (or other,
 * such as the provincial grid company), `city` a 设区市's government; each is a
 * party to items alike, with its own liaison users. (The leading group's entry,
 * kind 'leading-group', is made by the engine, never by a plan: db/leading-group.ts.)
 */
export const DEPARTMENT_KINDS = ['secretariat', 'department', 'agency', 'city'] as const;
export type DepartmentKind = (typeof DEPARTMENT_KINDS)[number];
export const rungs = ['cuiban', 'duban', 'leading-group'] as const;

const workingDays = (max: number) => z.number().int('must be a whole number of working days').min(0).max(max);

/** Points as the assessment counts them: whole hundredths, so a breakdown adds up exactly (domain/assessment.ts). */
export const assessmentPoints = (min: number, max: number) =>
  z
    .number()
    .finite()
    .min(min)
    .max(max)
    .refine(isWholeHundredths, 'must have at most two decimals');

/**
 * 年度考核 (domain/assessment.ts): each department and city starts from `base`
 * and each component adds weight × what the events count, a share for the
 * rates and a number of events for the rest. Negative weights deduct.
 */
const weight = assessmentPoints(-100, 100);
export const assessmentPolicySchema = z
  .object({
    base: assessmentPoints(0, 1000).default(100),
    /** × the share of accepted periods not on time by the original due date. */
    lateOriginal: weight.default(-20),
    /** × the share of accepted periods not on time by the due date in force (extensions, returns). */
    lateExtended: weight.default(-10),
    /** × reports returned for revision (退回), the department's own, inputs included. */
    returnedReport: weight.default(-1),
    /** × escalations fired, by rung. */
    escalation: z
      .object({ cuiban: weight.default(-1), duban: weight.default(-3), 'leading-group': weight.default(-5) })
      .strict()
      .default({ cuiban: -1, duban: -3, 'leading-group': -5 }),
    /** × the share of 批示 whose 落实反馈 fell due and was late or never filed. */
    lateFeedback: weight.default(-10),
    /** × accepted reports that lagged their 序时进度 (滞后) at the end of their period. */
    behindSchedule: weight.default(-2),
    /** × items completed (办结), by the grade given. */
    grade: z
      .object({ excellent: weight.default(3), good: weight.default(1), pass: weight.default(0), fail: weight.default(-5) })
      .strict()
      .default({ excellent: 3, good: 1, pass: 0, fail: -5 }),
  })
  .strict();

export const policySchema = z
  .object({
    cadence: z.enum(cadences).default('quarterly'),
    dueOffsetWorkingDays: workingDays(60).default(5),
    reminderOffsetsWorkingDays: z.array(workingDays(60)).max(10).default([3, 1, 0]),
    acknowledgeWithinWorkingDays: workingDays(60).default(3),
    /** A period the department never had time for (ended before assignment, or due before it opened) is due this many working days after it opens. */
    catchUpWorkingDays: workingDays(60).default(5),
    /** Co-operating departments' inputs are due this many working days before the lead's report. */
    coopLeadWorkingDays: workingDays(30).default(2),
    escalation: z
      .array(
        z
          .object({
            rung: z.enum(rungs),
            label: boundedText(50),
            overdueWorkingDays: workingDays(120).min(1),
          })
          .strict(),
      )
      .min(1)
      .max(3)
      .default([
        { rung: 'cuiban', label: '催办', overdueWorkingDays: 1 },
        { rung: 'duban', label: '督办', overdueWorkingDays: 3 },
        { rung: 'leading-group', label: '通报/上报领导小组', overdueWorkingDays: 5 },
      ]),
    /** 滞后: an item whose reported percent is more than this many points below its 序时进度 shows yellow. */
    behindScheduleTolerance: z.number().int('must be a whole number of percentage points').min(0).max(100).default(10),
    digest: z
      .object({
        cadence: z.literal('weekly').default('weekly'),
        weekday: z.number().int().min(1).max(7).default(1),
      })
      .strict()
      .default({ cadence: 'weekly', weekday: 1 }),
    /** 年度考核: the weights of the annual assessment; an older plan's stored policy without them reads these defaults. */
    assessment: assessmentPolicySchema.default(assessmentPolicySchema.parse({})),
  })
  .strict();

/** 序时进度: by `date`, `percent` of the item should be done. */
const milestoneSchema = z
  .object({
    date: isoDate,
    percent: z.number().int('must be a whole percent').min(0).max(100),
    description: boundedText(300),
  })
  .strict();

const indicatorSchema = z
  .object({
    name: boundedText(100),
    unit: boundedText(30),
    baseline: z.number().finite().optional(),
    target: z.number().finite(),
    targetDate: isoDate,
  })
  .strict();

const proposalSchema = z
  .object({
    lead: code,
    cooperating: z.array(code).max(30).default([]),
    /** Milestones the secretariat proposes where the plan's own text sets none (coord-plan/v2). */
    milestones: z.array(milestoneSchema).max(50).default([]),
  })
  .strict();

const itemSchema = z
  .object({
    code,
    title: boundedText(500),
    /** The plan's own milestones and indicators (coord-plan/v2). */
    milestones: z.array(milestoneSchema).max(50).default([]),
    indicators: z.array(indicatorSchema).max(50).default([]),
    proposal: proposalSchema,
  })
  .strict();

export const PLAN_FORMATS = ['coord-plan/v1', 'coord-plan/v2'] as const;

const planObject = z
  .object({
    format: z.enum(PLAN_FORMATS),
    plan: z
      .object({
        code,
        title: boundedText(300),
        issuer: boundedText(200),
        coordinatingOffice: boundedText(300),
        /** The 机关代字 of the 督办单 the office issues: its 文号 reads `<noticePrefix>〔2016〕3号`. Optional (domain/supervision-notice.ts has the fallback). */
        noticePrefix: boundedText(30)
          .refine((s) => !/[\s〔〕[\]]/.test(s), 'must not contain spaces or the brackets 〔〕 that the 文号 adds')
          .meta({ description: 'The 机关代字 of the 督办单 (supervision notices): a notice is numbered <noticePrefix>〔year〕n号, e.g. 鲁互联网+办督〔2016〕3号' })
          .optional(),
        secretariat: code,
        periodStart: isoDate,
        periodEnd: isoDate,
        overallGoal: boundedText(4000),
      })
      .strict(),
    policy: policySchema.default(policySchema.parse({})),
    departments: z
      .array(
        z
          .object({
            code,
            name: boundedText(200),
            shortName: boundedText(100).optional(),
            kind: z.enum(DEPARTMENT_KINDS).default('department'),
          })
          .strict(),
      )
      .min(1),
    actions: z
      .array(
        z
          .object({
            code,
            title: boundedText(300),
            focus: boundedText(2000),
            tasks: z.array(itemSchema).min(1),
          })
          .strict(),
      )
      .min(1),
    safeguards: z
      .array(
        z
          .object({
            code,
            title: boundedText(300),
            items: z.array(itemSchema).min(1),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export const planFileSchema = planObject;

export type PlanFile = z.output<typeof planFileSchema>;
export type Policy = z.output<typeof policySchema>;
export type AssessmentPolicy = z.output<typeof assessmentPolicySchema>;
export type PlanItem = z.output<typeof itemSchema>;
export type PlanMilestone = z.output<typeof milestoneSchema>;
export type PlanIndicator = z.output<typeof indicatorSchema>;

export interface ReferenceIssue {
  path: (string | number)[];
  message: string;
}

type Loose = Record<string, unknown>;
const list = (v: unknown): Loose[] => (Array.isArray(v) ? v.map((x) => (x && typeof x === 'object' ? (x as Loose) : {})) : []);
const obj = (v: unknown): Loose => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Loose) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Cross-field rules a per-field schema cannot express: unique codes, known
 * departments, ordered dates and rungs. They read the raw input tolerantly,
 * so a file with type errors still gets all of its reference errors reported
 * in the same pass.
 */
export function checkReferences(raw: unknown): ReferenceIssue[] {
  const issues: ReferenceIssue[] = [];
  const plan = obj(raw);
  const seen = new Map<string, string>();
  const unique = (value: string | undefined, path: (string | number)[], what: string) => {
    if (value === undefined) return;
    const key = `${what}:${value}`;
    const first = seen.get(key);
    if (first) issues.push({ path, message: `duplicate ${what} code "${value}" (first at ${first})` });
    else seen.set(key, formatPath(path));
  };
  const departments = list(plan.departments);
  const known = new Set(departments.map((d) => str(d.code)).filter((c): c is string => c !== undefined));
  const mustKnow = (value: unknown, path: (string | number)[]) => {
    const code = str(value);
    if (code !== undefined && !known.has(code)) issues.push({ path, message: `unknown department "${code}"` });
  };

  departments.forEach((d, i) => unique(str(d.code), ['departments', i, 'code'], 'department'));
  const meta = obj(plan.plan);
  mustKnow(meta.secretariat, ['plan', 'secretariat']);
  const start = str(meta.periodStart);
  const end = str(meta.periodEnd);
  if (start && end && /^\d{4}-\d{2}-\d{2}$/.test(start) && /^\d{4}-\d{2}-\d{2}$/.test(end) && end < start) {
    issues.push({ path: ['plan', 'periodEnd'], message: 'must not be before plan.periodStart' });
  }

  const v1 = plan.format === 'coord-plan/v1';
  // Only a real period bounds the milestones: a bad periodStart or periodEnd is reported once, on its own field.
  const period = start && end && isRealDate(start) && isRealDate(end) && start <= end ? { start, end } : undefined;
  const checkMilestones = (value: unknown, path: (string | number)[]) => {
    const milestones = list(value);
    if (v1 && milestones.length) issues.push({ path, message: 'milestones need format coord-plan/v2' });
    milestones.forEach((m, k) => {
      const date = str(m.date);
      if (date && period && isRealDate(date) && (date < period.start || date > period.end)) issues.push({ path: [...path, k, 'date'], message: `must be within the plan's period (${period.start} to ${period.end})` });
      const prev = milestones[k - 1];
      if (!prev) return;
      const prevDate = str(prev.date);
      if (date && prevDate && date <= prevDate) issues.push({ path: [...path, k, 'date'], message: 'milestones must be in date order, one per date' });
      if (typeof m.percent === 'number' && typeof prev.percent === 'number' && m.percent < prev.percent) issues.push({ path: [...path, k, 'percent'], message: 'must not be below the milestone before it' });
    });
  };
  const checkIndicators = (value: unknown, path: (string | number)[]) => {
    const indicators = list(value);
    if (v1 && indicators.length) issues.push({ path, message: 'indicators need format coord-plan/v2' });
    const names = new Set<string>();
    indicators.forEach((ind, k) => {
      const name = str(ind.name)?.trim();
      if (name && names.has(name)) issues.push({ path: [...path, k, 'name'], message: `"${name}" is listed twice` });
      if (name) names.add(name);
    });
  };

  const checkItem = (item: Loose, path: (string | number)[]) => {
    unique(str(item.code), [...path, 'code'], 'item');
    checkMilestones(item.milestones, [...path, 'milestones']);
    checkIndicators(item.indicators, [...path, 'indicators']);
    checkMilestones(obj(item.proposal).milestones, [...path, 'proposal', 'milestones']);
    const proposal = obj(item.proposal);
    const lead = str(proposal.lead);
    mustKnow(lead, [...path, 'proposal', 'lead']);
    const cooperating = new Set<string>();
    (Array.isArray(proposal.cooperating) ? proposal.cooperating : []).forEach((c: unknown, k: number) => {
      const code = str(c);
      if (code === undefined) return;
      const at = [...path, 'proposal', 'cooperating', k];
      mustKnow(code, at);
      if (code === lead) issues.push({ path: at, message: `"${code}" is already the lead department` });
      if (cooperating.has(code)) issues.push({ path: at, message: `"${code}" is listed twice` });
      cooperating.add(code);
    });
  };
  list(plan.actions).forEach((a, i) => {
    unique(str(a.code), ['actions', i, 'code'], 'action');
    list(a.tasks).forEach((t, j) => checkItem(t, ['actions', i, 'tasks', j]));
  });
  list(plan.safeguards).forEach((s, i) => {
    unique(str(s.code), ['safeguards', i, 'code'], 'safeguard');
    list(s.items).forEach((t, j) => checkItem(t, ['safeguards', i, 'items', j]));
  });

  const ladder = list(obj(plan.policy).escalation);
  ladder.forEach((rung, i) => {
    const prev = ladder[i - 1];
    if (!prev) return;
    const days = rung.overdueWorkingDays;
    const prevDays = prev.overdueWorkingDays;
    if (typeof days === 'number' && typeof prevDays === 'number' && days <= prevDays) {
      issues.push({ path: ['policy', 'escalation', i, 'overdueWorkingDays'], message: 'each rung must come later than the one before it' });
    }
    const at = rungs.indexOf(rung.rung as (typeof rungs)[number]);
    const before = rungs.indexOf(prev.rung as (typeof rungs)[number]);
    if (at >= 0 && before >= 0 && at <= before) {
      issues.push({ path: ['policy', 'escalation', i, 'rung'], message: 'rungs must be in the order cuiban, duban, leading-group' });
    }
  });
  return issues;
}

/** YYYY-MM-DD naming a day that exists. */
function isRealDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
}

/** `actions[2].tasks[0].proposal.lead`, the way a person finds it in the file. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}


/** The same format as JSON Schema, for editors and other tools (plans/plan.schema.json). */
export function planJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(planFileSchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://coord.example/plan.schema.json',
    title: 'coord-plan/v2',
    description:
      'A multi-year action plan for the coordination engine: metadata, policy, department directory, key actions with their tasks, and safeguard measures with their items. Cross-field rules (unique codes, known departments) are checked on import.',
  };
}
