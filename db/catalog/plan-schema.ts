import { z } from 'zod';

/**
 * The plan file format `coord-plan/v1` (docs/plan-format.md). A plan is data:
 * another plan (the next three-year plan, another province's) loads the same way.
 * Order in the file is the plan's order of importance.
 */
const code = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-", starting with a letter or digit');

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'is not a real calendar date');

export const cadences = ['monthly', 'quarterly', 'half-yearly', 'yearly'] as const;
export const rungs = ['cuiban', 'duban', 'leading-group'] as const;

const workingDays = (max: number) => z.number().int('must be a whole number of working days').min(0).max(max);

export const policySchema = z
  .object({
    cadence: z.enum(cadences).default('quarterly'),
    dueOffsetWorkingDays: workingDays(60).default(5),
    reminderOffsetsWorkingDays: z.array(workingDays(60)).max(10).default([3, 1, 0]),
    acknowledgeWithinWorkingDays: workingDays(60).default(3),
    escalation: z
      .array(
        z
          .object({
            rung: z.enum(rungs),
            label: text(50),
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
    digest: z
      .object({
        cadence: z.literal('weekly').default('weekly'),
        weekday: z.number().int().min(1).max(7).default(1),
      })
      .strict()
      .default({ cadence: 'weekly', weekday: 1 }),
  })
  .strict();

const proposalSchema = z
  .object({
    lead: code,
    cooperating: z.array(code).max(30).default([]),
  })
  .strict();

const itemSchema = z
  .object({
    code,
    title: text(500),
    proposal: proposalSchema,
  })
  .strict();

const planObject = z
  .object({
    format: z.literal('coord-plan/v1'),
    plan: z
      .object({
        code,
        title: text(300),
        issuer: text(200),
        coordinatingOffice: text(300),
        secretariat: code,
        periodStart: isoDate,
        periodEnd: isoDate,
        overallGoal: text(4000),
      })
      .strict(),
    policy: policySchema.default(policySchema.parse({})),
    departments: z
      .array(
        z
          .object({
            code,
            name: text(200),
            shortName: text(100).optional(),
            kind: z.enum(['secretariat', 'department', 'agency']).default('department'),
          })
          .strict(),
      )
      .min(1),
    actions: z
      .array(
        z
          .object({
            code,
            title: text(300),
            focus: text(2000),
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
            title: text(300),
            items: z.array(itemSchema).min(1),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export const planFileSchema = planObject.superRefine(checkReferences);

type RawPlan = z.input<typeof planFileSchema>;
export type PlanFile = z.output<typeof planFileSchema>;
export type Policy = z.output<typeof policySchema>;

/** Cross-field rules a per-field schema cannot express: unique codes, known departments, ordered dates and rungs. */
function checkReferences(plan: z.output<typeof planObject>, ctx: z.RefinementCtx): void {
  const seen = new Map<string, string>();
  const unique = (value: string, path: (string | number)[], what: string) => {
    const key = `${what}:${value}`;
    const first = seen.get(key);
    if (first) ctx.addIssue({ code: 'custom', path, message: `duplicate ${what} code "${value}" (first at ${first})` });
    else seen.set(key, path.join('.'));
  };
  const departments = new Set(plan.departments.map((d) => d.code));
  const known = (value: string, path: (string | number)[]) => {
    if (!departments.has(value)) ctx.addIssue({ code: 'custom', path, message: `unknown department "${value}"` });
  };

  plan.departments.forEach((d, i) => unique(d.code, ['departments', i, 'code'], 'department'));
  known(plan.plan.secretariat, ['plan', 'secretariat']);
  if (plan.plan.periodEnd < plan.plan.periodStart) {
    ctx.addIssue({ code: 'custom', path: ['plan', 'periodEnd'], message: 'must not be before plan.periodStart' });
  }

  const checkItem = (item: PlanItemShape, path: (string | number)[]) => {
    unique(item.code, [...path, 'code'], 'item');
    known(item.proposal.lead, [...path, 'proposal', 'lead']);
    const cooperating = new Set<string>();
    item.proposal.cooperating.forEach((c, k) => {
      const at = [...path, 'proposal', 'cooperating', k];
      known(c, at);
      if (c === item.proposal.lead) ctx.addIssue({ code: 'custom', path: at, message: `"${c}" is already the lead department` });
      if (cooperating.has(c)) ctx.addIssue({ code: 'custom', path: at, message: `"${c}" is listed twice` });
      cooperating.add(c);
    });
  };
  plan.actions.forEach((a, i) => {
    unique(a.code, ['actions', i, 'code'], 'action');
    a.tasks.forEach((t, j) => checkItem(t, ['actions', i, 'tasks', j]));
  });
  plan.safeguards.forEach((s, i) => {
    unique(s.code, ['safeguards', i, 'code'], 'safeguard');
    s.items.forEach((t, j) => checkItem(t, ['safeguards', i, 'items', j]));
  });

  plan.policy.escalation.forEach((rung, i) => {
    const prev = plan.policy.escalation[i - 1];
    if (prev && rung.overdueWorkingDays <= prev.overdueWorkingDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['policy', 'escalation', i, 'overdueWorkingDays'],
        message: 'each rung must come later than the one before it',
      });
    }
    if (prev && rungs.indexOf(rung.rung) <= rungs.indexOf(prev.rung)) {
      ctx.addIssue({ code: 'custom', path: ['policy', 'escalation', i, 'rung'], message: 'rungs must be in the order cuiban, duban, leading-group' });
    }
  });
}

interface PlanItemShape {
  code: string;
  proposal: { lead: string; cooperating: string[] };
}

export type { RawPlan };
