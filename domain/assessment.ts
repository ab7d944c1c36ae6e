/**
 * 年度考核: a department's (or a city's) score for a year, computed only from
 * the events recorded that year, with a breakdown that traces every point to
 * the events behind it.
 *
 * The scheme (the weights come from the plan file, `policy.assessment`,
 * db/catalog/plan-schema.ts):
 * - the score starts from `base` (100);
 * - each rate component adds weight × a share of events: the accepted periods
 *   late on the original clock (`lateOriginal`), late on the clock in force
 *   (`lateExtended`), the 批示 whose 落实反馈 fell due and came late or never
 *   (`lateFeedback`). A share of none is 0: no period, no deduction;
 * - each count component adds weight × a number of events: returned reports,
 *   escalations by rung, reports lagging their 序时进度, items completed by
 *   grade;
 * - each adjustment the secretariat recorded adds its points, with its reason.
 *
 * Points are whole hundredths: each line is rounded to 0.01 once, and the
 * score is the sum of the lines (the base line included), so the breakdown
 * adds up to the score exactly, and recomputing it from the same events gives
 * the same figure. "On time" is the workflow's verdict, counted by the rule of
 * domain/on-time.ts; "滞后" is domain/progress-schedule.ts's.
 */

import { shanghaiDate } from './clock';
import { countBy, NO_PERIODS, onTimeRate, type OnTimeVerdicts } from './on-time';
import { GRADES, type Grade } from './words';

export const ASSESSMENT_RUNGS = ['cuiban', 'duban', 'leading-group'] as const;
export type AssessmentRung = (typeof ASSESSMENT_RUNGS)[number];

/** The plan's weights (`policy.assessment`); negative weights deduct. */
export interface AssessmentWeights {
  base: number;
  lateOriginal: number;
  lateExtended: number;
  returnedReport: number;
  escalation: Record<AssessmentRung, number>;
  lateFeedback: number;
  behindSchedule: number;
  grade: Record<Grade, number>;
}

/** One recorded event behind a line: its key in its table, its item, and the date that put it in the year. */
export interface AssessmentEvent {
  /** `period:<workflow id>:p<seq>`, `report:<receipt id>`, an escalation's or instruction's key, `item:<workflow id>`, `adjustment:<id>`. */
  ref: string;
  /** The item's code in its plan; null for an adjustment. */
  item: string | null;
  /** YYYY-MM-DD. */
  date: string;
  /** What it was, in a few Chinese words (第2期, 督办, 评定优秀). */
  note: string;
}

/** An accepted period of the year with the workflow's verdicts. */
export type PeriodFact = AssessmentEvent & OnTimeVerdicts;

/** A 批示 whose 落实反馈 fell due in the year (or was filed): on time only when it was filed by the due date. */
export type FeedbackFact = AssessmentEvent & { onTime: boolean };

export interface AdjustmentFact {
  id: number;
  points: number;
  reason: string;
  by: string;
  /** An instant (ISO 8601). */
  at: string;
}

/** Everything recorded in a year that the assessment counts for one department. */
export interface DepartmentFacts {
  periods: PeriodFact[];
  returnedReports: AssessmentEvent[];
  escalations: (AssessmentEvent & { rung: AssessmentRung })[];
  feedback: FeedbackFact[];
  behindSchedule: AssessmentEvent[];
  completed: (AssessmentEvent & { grade: Grade })[];
  adjustments: AdjustmentFact[];
}

export const NO_FACTS: DepartmentFacts = Object.freeze({ periods: [], returnedReports: [], escalations: [], feedback: [], behindSchedule: [], completed: [], adjustments: [] });

export type AssessmentComponent =
  | 'base'
  | 'lateOriginal'
  | 'lateExtended'
  | 'returnedReport'
  | `escalation.${AssessmentRung}`
  | 'lateFeedback'
  | 'behindSchedule'
  | `grade.${Grade}`
  | 'adjustment';

/** One line of the breakdown: points = weight × count (or × count / of), rounded to hundredths. */
export interface AssessmentLine {
  component: AssessmentComponent;
  label: string;
  /** The events counted: late periods, returned reports, escalations of the rung... */
  count: number;
  /** For a share, out of how many (0: none, so no points); null for a count. */
  of: number | null;
  weight: number;
  points: number;
  /** How the points were reached, in words: 12期中3期未按原定时限报送:-20×3/12=-5.00. */
  basis: string;
  /** The events counted, each traceable to its row. */
  events: AssessmentEvent[];
}

/** The figures the table and the workbook show beside the score. */
export interface AssessmentFigures {
  acceptedPeriods: number;
  onTimeOriginal: number;
  onTimeRateOriginal: number | null;
  onTimeExtended: number;
  onTimeRateExtended: number | null;
  returnedReports: number;
  escalations: Record<AssessmentRung, number>;
  feedbackDue: number;
  feedbackOnTime: number;
  behindSchedule: number;
  completed: Record<Grade, number>;
  adjustment: number;
}

export interface DepartmentScore {
  score: number;
  figures: AssessmentFigures;
  lines: AssessmentLine[];
}

export const COMPONENT_LABELS: Record<AssessmentComponent, string> = {
  base: '基础分',
  lateOriginal: '按时报送(原定时限)',
  lateExtended: '按时报送(含延期)',
  returnedReport: '报告被退回',
  'escalation.cuiban': '催办',
  'escalation.duban': '督办',
  'escalation.leading-group': '上报领导小组',
  lateFeedback: '批示落实反馈',
  behindSchedule: '序时进度滞后',
  'grade.excellent': '办结评定优秀',
  'grade.good': '办结评定良好',
  'grade.pass': '办结评定合格',
  'grade.fail': '办结评定不合格',
  adjustment: '调整分',
};

/** Points as whole hundredths. */
const cents = (points: number): number => Math.round(points * 100);
const fixed = (hundredths: number): string => (hundredths / 100).toFixed(2);

/** weight × count / of, in hundredths, rounded once (half away from zero, so a deduction and a bonus round alike). */
function shareCents(weight: number, count: number, of: number): number {
  if (of === 0 || count === 0) return 0;
  const exact = (cents(weight) * count) / of;
  return Math.sign(exact) * Math.round(Math.abs(exact));
}

function line(component: AssessmentComponent, count: number, of: number | null, weight: number, hundredths: number, basis: string, events: AssessmentEvent[]): AssessmentLine {
  // `|| 0`: a deduction of nothing is 0, not -0. The events as events only, without the verdicts and rungs they were counted by.
  return { component, label: COMPONENT_LABELS[component], count, of, weight, points: hundredths / 100 || 0, basis, events: events.map(({ ref, item, date, note }) => ({ ref, item, date, note })) };
}

function shareLine(component: AssessmentComponent, events: AssessmentEvent[], of: number, weight: number, what: (late: number, of: number) => string): AssessmentLine {
  const h = shareCents(weight, events.length, of);
  const basis = of === 0 ? `${what(0, 0)}:不计分` : `${what(events.length, of)}:${weight}×${events.length}/${of}=${fixed(h)}`;
  return line(component, events.length, of, weight, h, basis, events);
}

function countLine(component: AssessmentComponent, events: AssessmentEvent[], weight: number, unit: string): AssessmentLine {
  const h = cents(weight) * events.length;
  return line(component, events.length, null, weight, h, `${COMPONENT_LABELS[component]}${events.length}${unit}:${weight}×${events.length}=${fixed(h)}`, events);
}

/**
 * The score and its breakdown for one department's facts of a year. The lines
 * come in a fixed order, every component listed (with 0 points where nothing
 * was counted), then one line per adjustment; their points add up to the score.
 */
export function assessDepartment(facts: DepartmentFacts, w: AssessmentWeights): DepartmentScore {
  // The counting rule of domain/on-time.ts: every accepted period counts, only a true verdict is on time.
  const periods = countBy(facts.periods, () => 'all').get('all') ?? NO_PERIODS;
  const lateOriginal = facts.periods.filter((p) => p.original !== true);
  const lateExtended = facts.periods.filter((p) => p.extended !== true);
  const lateFeedback = facts.feedback.filter((f) => !f.onTime);
  const lines: AssessmentLine[] = [
    line('base', 0, null, w.base, cents(w.base), `基础分${fixed(cents(w.base))}`, []),
    shareLine('lateOriginal', lateOriginal, periods.accepted, w.lateOriginal, (n, of) => (of ? `审核通过${of}期,其中${n}期未按原定时限报送` : '无审核通过的报送期')),
    shareLine('lateExtended', lateExtended, periods.accepted, w.lateExtended, (n, of) => (of ? `审核通过${of}期,其中${n}期未按现行时限(含延期)报送` : '无审核通过的报送期')),
    countLine('returnedReport', facts.returnedReports, w.returnedReport, '次'),
    ...ASSESSMENT_RUNGS.map((rung) => countLine(`escalation.${rung}`, facts.escalations.filter((e) => e.rung === rung), w.escalation[rung], '次')),
    shareLine('lateFeedback', lateFeedback, facts.feedback.length, w.lateFeedback, (n, of) => (of ? `批示应反馈${of}件,其中${n}件未按时反馈` : '无应反馈的批示')),
    countLine('behindSchedule', facts.behindSchedule, w.behindSchedule, '期'),
    ...GRADES.map((grade) => countLine(`grade.${grade}`, facts.completed.filter((c) => c.grade === grade), w.grade[grade], '项')),
    ...facts.adjustments.map((a) => {
      const h = cents(a.points);
      return line('adjustment', 1, null, a.points, h, `${a.reason}(${a.by})`, [{ ref: `adjustment:${a.id}`, item: null, date: shanghaiDate(Date.parse(a.at)), note: a.reason }]);
    }),
  ];
  // Each line's points are whole hundredths: summed as integers, the total is exact.
  const total = lines.reduce((sum, l) => sum + cents(l.points), 0);
  const count = (c: AssessmentComponent) => lines.find((l) => l.component === c)?.count ?? 0;
  return {
    score: total / 100,
    figures: {
      acceptedPeriods: periods.accepted,
      onTimeOriginal: periods.onTimeOriginal,
      onTimeRateOriginal: onTimeRate(periods.onTimeOriginal, periods.accepted),
      onTimeExtended: periods.onTimeExtended,
      onTimeRateExtended: onTimeRate(periods.onTimeExtended, periods.accepted),
      returnedReports: facts.returnedReports.length,
      escalations: { cuiban: count('escalation.cuiban'), duban: count('escalation.duban'), 'leading-group': count('escalation.leading-group') },
      feedbackDue: facts.feedback.length,
      feedbackOnTime: facts.feedback.length - lateFeedback.length,
      behindSchedule: facts.behindSchedule.length,
      completed: { excellent: count('grade.excellent'), good: count('grade.good'), pass: count('grade.pass'), fail: count('grade.fail') },
      adjustment: lines.filter((l) => l.component === 'adjustment').reduce((sum, l) => sum + cents(l.points), 0) / 100,
    },
    lines,
  };
}

/** Whether `points` is a whole number of hundredths (what an adjustment and a weight may be). */
export function isWholeHundredths(points: number): boolean {
  return Number.isFinite(points) && Math.abs(points * 100 - Math.round(points * 100)) < 1e-6;
}
