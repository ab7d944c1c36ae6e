import { z } from 'zod';
import type { Digest } from '../domain/digest';
import { boundedText, cadences, rungs } from '../db/catalog/plan-schema';
import { TEXT_LIMITS, type TextLimit } from '../domain/text';
import type { ExtensionRequest, ItemPolicy, ItemStatus, PeriodStatus, PeriodView, ReportReceipt } from '../workflows/definitions';
import { ROLES } from './auth/tokens';

/**
 * A free-text field of a request, with one of the limits the item workflow's
 * validators use too (domain/text.ts), so a value the API accepts is never
 * refused later by the workflow or by PostgreSQL. Trimmed; a bad value is a
 * 422 naming the field (api/route.ts).
 */
export const text = (limit: TextLimit) => boundedText(TEXT_LIMITS[limit]);

/** A password: taken as typed (not trimmed), but never with control characters. */
export const password = (min: number) => boundedText(200, { trim: false, min });

// ---- what the API answers (route `response` schemas, listed in the OpenAPI document) ----
//
// These describe the JSON on the wire, in camelCase. PostgreSQL timestamp columns
// arrive as JS Dates and are serialised as ISO instants; date columns arrive as
// 'YYYY-MM-DD' text (db/connection.ts) and stay plain dates. Objects are closed
// (additionalProperties: false in the document), so a field the document does not
// list fails the response check.

// Formats rather than zod's long ISO patterns: the document stays readable, and
// the response check (ajv-formats) validates them natively.
/** An instant, as JSON.stringify writes a Date. */
export const instant = z.string().meta({ format: 'date-time' });
/** A business date as YYYY-MM-DD (a date column, or the workflow's own dates). */
export const day = z.string().meta({ format: 'date' });
const int = z.number().int();
const count = int.min(0);

export const itemStatus = z.enum(['assigned', 'acknowledged', 'in_progress', 'completion_requested', 'completed', 'cancelled']) satisfies z.ZodType<ItemStatus>;
/** An item's status in lists, where an item not assigned yet is `unassigned`. */
export const listedStatus = z.enum(['unassigned', ...itemStatus.options]);
export const periodStatus = z.enum(['open', 'submitted', 'returned', 'accepted', 'closed']) satisfies z.ZodType<PeriodStatus>;
export const colour = z.enum(['red', 'yellow', 'green']);
export const rung = z.enum(rungs);
export const escalationSubject = z.enum(['acknowledgement', 'report', 'final', 'instruction']);
export const role = z.enum(ROLES);

/** The error answer of every route: a code, a message, and for a bad request the fields at fault. */
export const errorResponse = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

/** What every item write that only moves the item on answers: its status now. */
export const statusAnswer = z.object({ status: itemStatus });

export const user = z.object({
  id: int,
  username: z.string(),
  role,
  department: z.string().nullable(),
  displayName: z.string().nullable(),
  disabled: z.boolean(),
});

export const department = z.object({
  code: z.string(),
  name: z.string(),
  shortName: z.string().nullable(),
  kind: z.string(),
  /** Whether a webhook / an e-mail address is set; the secrets are never answered. */
  webhook: z.boolean(),
  email: z.boolean(),
});

export const itemPolicy = z.object({
  cadence: z.enum(cadences),
  dueOffsetWorkingDays: count,
  reminderOffsetsWorkingDays: z.array(count),
  acknowledgeWithinWorkingDays: count,
  escalation: z.array(z.object({ rung, label: z.string(), overdueWorkingDays: count })),
  catchUpWorkingDays: count.optional(),
  coopLeadWorkingDays: count.optional(),
}) satisfies z.ZodType<ItemPolicy>;

/** 序时进度: the planned percent on the last day of the period the latest consolidated report covers, beside the reported one. */
export const scheduleStanding = z.object({
  /** Null when the item has no milestones. */
  planned: z.number().int().min(0).max(100).nullable(),
  reported: z.number().int().min(0).max(100),
  asOf: day,
  /** 滞后: reported lags planned by more than the plan's behindScheduleTolerance. */
  behind: z.boolean(),
});

/** A leadership instruction (批示) on an item, with the lead's 落实反馈 once filed. */
export const instructionView = z.object({
  /** The id the feedback route takes. */
  id: z.string(),
  /** Its number on the item; null on instructions from before feedback was asked for. */
  seq: z.number().int().nullable(),
  text: z.string(),
  issuedBy: z.string(),
  issuedAt: instant,
  /** When the 落实反馈 is due; null where none was asked for. */
  feedbackDueOn: day.nullable(),
  feedback: z.object({ text: z.string(), by: z.string(), at: instant, late: z.boolean() }).nullable(),
});

/** A milestone of an item's 序时进度; `proposed` where the secretariat proposed it, not the plan's own text. */
export const milestone = z.object({ date: day, percent: z.number().int().min(0).max(100), description: z.string(), proposed: z.boolean() });

/** An indicator the plan sets for an item, with its latest reported value. */
export const indicator = z.object({
  name: z.string(),
  unit: z.string(),
  baseline: z.number().nullable(),
  target: z.number(),
  targetDate: day,
  /** From the lead's latest consolidated report that gives it; null before. */
  latest: z.object({ value: z.number(), periodSeq: z.number().int(), submittedAt: instant }).nullable(),
});

/** One row of the item list (catalog), assigned or not. */
export const itemSummary = z.object({
  code: z.string(),
  kind: z.enum(['task', 'safeguard']),
  title: z.string(),
  /** The key action or safeguard measure the item belongs to. */
  group: z.string(),
  status: listedStatus,
  lead: z.string().nullable(),
  nextDue: day.nullable(),
  escalationLevel: count,
  /** 红黄绿灯, for open assigned items only. */
  colour: colour.nullable(),
  /** Null until the lead's first consolidated report. */
  schedule: scheduleStanding.nullable(),
});

/** An item's assignment (交办) as the item workflow mirrors it; null until the item is assigned. */
export const itemAssignment = z.object({
  cadence: z.enum(cadences),
  policy: itemPolicy,
  status: itemStatus,
  /** 1, then one more for each reopening (重新交办). */
  round: int.min(1),
  startDate: day,
  finalDeadline: day,
  /** The business date of the (last) 交办; null for items assigned before it was recorded. */
  assignedOn: day.nullable(),
  assignedBy: z.string(),
  assignedAt: instant,
  acknowledgedAt: instant.nullable(),
  /** The next report or final deadline, as a business date and as the instant it passes. */
  nextDueOn: day.nullable(),
  nextDueAt: instant.nullable(),
  escalationLevel: count,
  completionSummary: z.string().nullable(),
  grade: z.string().nullable(),
  completedAt: instant.nullable(),
  cancelledAt: instant.nullable(),
  cancelReason: z.string().nullable(),
  reopenedAt: instant.nullable(),
  reopenReason: z.string().nullable(),
});

/** A reporting period: original, in-force and extended due dates, on-time verdicts on both clocks. */
export const itemPeriod = z.object({
  seq: int.min(1),
  startsOn: day,
  endsOn: day,
  originalDueOn: day,
  /** The due date in force (moved by a return or an extension). */
  dueOn: day,
  extendedDueOn: day.nullable(),
  /** The instant the due date in force passes. */
  dueAt: instant,
  status: periodStatus,
  /** Received on time by the clock in force; null until accepted. */
  onTime: z.boolean().nullable(),
  /** Received on time by the original due date; null until accepted (or where unknown). */
  onTimeOriginal: z.boolean().nullable(),
  acceptedAt: instant.nullable(),
});

const reportInput = z.object({
  department: z.string(),
  receiptId: z.string(),
  version: int,
  /** When the input arrived (consolidated reports filed since co-operating deadlines exist). */
  receivedAt: instant.optional(),
});

/** A filed report (a lead's consolidated report or a co-operating department's input) and its review. */
export const itemReport = z.object({
  receiptId: z.uuid(),
  periodSeq: int,
  department: z.string(),
  kind: z.enum(['input', 'consolidated']),
  version: int,
  progress: z.string(),
  percentDone: int.min(0).max(100),
  problems: z.string().nullable(),
  nextSteps: z.string().nullable(),
  attachments: z.array(z.string()),
  /** The item's indicators as this report gives them. */
  indicators: z.array(z.object({ name: z.string(), value: z.number() })),
  /** 序时进度 on the last day of the report's period, for the lead's latest consolidated report (null otherwise, or without milestones). */
  plannedPercent: z.number().int().nullable(),
  /** For a consolidated report: the co-operating departments whose input had not arrived. */
  missingInputs: z.array(z.string()),
  /** For a consolidated report: the inputs it was built on. */
  inputs: z.array(reportInput),
  /** For a consolidated report of a cascaded item (分解下达): each city's latest report on its share (absent otherwise). */
  cities: z.array(z.object({ city: z.string(), periodSeq: int, percentDone: int, receiptId: z.string(), receivedAt: instant })).optional(),
  submittedBy: z.string(),
  submittedAt: instant,
  review: z.enum(['accepted', 'returned']).nullable(),
  reviewComment: z.string().nullable(),
  reviewedBy: z.string().nullable(),
  reviewedAt: instant.nullable(),
});

/** The receipt of a filed report, as the item workflow answers it. */
export const reportReceipt = z.object({
  receiptId: z.string(),
  periodSeq: int,
  department: z.string(),
  kind: z.enum(['input', 'consolidated']),
  version: int,
  /** Epoch milliseconds. */
  receivedAt: z.number(),
  /** On a consolidated report: the inputs it was filed with; `receivedAt` in epoch milliseconds. */
  inputs: z.array(z.object({ department: z.string(), receiptId: z.string(), version: int, receivedAt: z.number().optional() })).optional(),
  /** On a consolidated report: the co-operating departments whose input had not arrived. */
  missingInputs: z.array(z.string()).optional(),
  /** On a consolidated report of a cascaded item (分解下达): each city's latest report on its share; `receivedAt` in epoch milliseconds. */
  cities: z.array(z.object({ city: z.string(), periodSeq: int, percentDone: int, receiptId: z.string(), receivedAt: z.number() })).optional(),
}) satisfies z.ZodType<ReportReceipt>;

/** The current period after a review or an extension decision. */
export const periodView = z.object({
  seq: int,
  status: periodStatus,
  originalDueOn: day,
  dueOn: day,
  extendedDueOn: day.optional(),
}) satisfies z.ZodType<PeriodView>;

export const extensionRequest = z.object({
  extensionId: z.string(),
  periodSeq: int,
  requestedDueOn: day,
  reason: z.string(),
  requestedBy: z.string(),
}) satisfies z.ZodType<ExtensionRequest>;

/** Accepted periods and on-time rates on both clocks (domain/on-time.ts boardFigures). */
const boardFigures = {
  acceptedPeriods: count,
  onTime: count,
  onTimeRate: z.number().nullable(),
  onTimeOriginal: count,
  onTimeRateOriginal: z.number().nullable(),
};

const byStatus = z.record(z.string(), count);

/** One row of the board summary, by action or by lead department. */
export const boardTally = z.object({
  code: z.string(),
  title: z.string(),
  items: count,
  byStatus,
  red: count,
  yellow: count,
  green: count,
  /** 滞后: open items whose reported progress lags their 序时进度 beyond the plan's tolerance. */
  behindSchedule: count,
  openEscalations: count,
  ...boardFigures,
});

export const scorecardRow = z.object({
  department: z.string(),
  name: z.string(),
  acceptedPeriods: count,
  onTimeOriginal: count,
  onTimeRateOriginal: z.number().nullable(),
  onTimeExtended: count,
  onTimeRateExtended: z.number().nullable(),
  returnedReports: count,
  escalations: count,
  extensions: count,
  /** Its open items (as lead) that are 滞后 now. */
  behindSchedule: count,
});

export const openEscalation = z.object({
  plan: z.string(),
  item: z.string(),
  title: z.string(),
  itemKey: z.string(),
  lead: z.string(),
  subject: escalationSubject,
  periodSeq: int,
  rung,
  level: int,
  since: instant,
  businessDate: day,
});

export const timelineEvent = z.object({ at: instant, actor: z.string(), kind: z.string(), text: z.string() });

const colourCounts = { items: count, red: count, yellow: count, green: count };

/** The weekly digest as stored (domain/digest.ts). */
export const digestBody = z.object({
  key: z.string(),
  weekOf: day,
  generatedAt: instant,
  totals: z.object({ ...colourCounts, byStatus }),
  byAction: z.array(z.object({ code: z.string(), title: z.string(), ...colourCounts, byStatus })),
  byDepartment: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      ...colourCounts,
      ...boardFigures,
      // Week on week (domain/digest-change.ts); absent from digests stored before them.
      openEscalations: count.optional(),
      lastWeek: z.object({ ...colourCounts, openEscalations: count, onTimeRate: z.number().nullable() }).optional(),
      change: z.object({ items: int, red: int, yellow: int, green: int, openEscalations: int, onTimeRate: z.number().nullable() }).optional(),
    }),
  ),
  openEscalations: z.array(
    z.object({ itemKey: z.string(), title: z.string(), lead: z.string(), subject: escalationSubject, periodSeq: int, rung, level: int, businessDate: day }),
  ),
  /** The digest each department is compared with; absent for the first. */
  previousWeekOf: day.optional(),
  /** 滞后: open items whose reported progress lags their 序时进度, most behind first; absent from digests stored before. */
  behindSchedule: z
    .array(z.object({ itemKey: z.string(), title: z.string(), lead: z.string(), planned: int, reported: int, asOf: day }))
    .optional(),
}) satisfies z.ZodType<Digest>;

export const notification = z.object({
  id: int,
  kind: z.string(),
  itemKey: z.string().nullable(),
  title: z.string(),
  body: z.string(),
  createdAt: instant,
  readAt: instant.nullable(),
});
