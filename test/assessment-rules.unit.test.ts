import fc from 'fast-check';
import { assessmentPolicySchema } from '../db/catalog/plan-schema';
import { ASSESSMENT_RUNGS, assessDepartment, NO_FACTS, type AssessmentEvent, type AssessmentWeights, type DepartmentFacts } from '../domain/assessment';
import { GRADES as ASSESSMENT_GRADES } from '../domain/words';

const WEIGHTS: AssessmentWeights = assessmentPolicySchema.parse({});
const ev = (ref: string, date = '2016-06-30'): AssessmentEvent => ({ ref, item: 'A01-1', date, note: ref });
const cents = (x: number) => Math.round(x * 100);
const sumCents = (xs: number[]) => xs.reduce((s, x) => s + cents(x), 0);

describe('the assessment rule (domain/assessment.ts)', () => {
  test('the defaults: 100 points, deductions for lateness and chases, a bonus for good grades', () => {
    expect(WEIGHTS).toEqual({
      base: 100,
      lateOriginal: -20,
      lateExtended: -10,
      returnedReport: -1,
      escalation: { cuiban: -1, duban: -3, 'leading-group': -5 },
      lateFeedback: -10,
      behindSchedule: -2,
      grade: { excellent: 3, good: 1, pass: 0, fail: -5 },
    });
  });

  test('no events: the base, every component listed at 0, no share counted', () => {
    const s = assessDepartment(NO_FACTS, WEIGHTS);
    expect(s.score).toBe(100);
    expect(s.lines.map((l) => l.component)).toEqual([
      'base',
      'lateOriginal',
      'lateExtended',
      'returnedReport',
      'escalation.cuiban',
      'escalation.duban',
      'escalation.leading-group',
      'lateFeedback',
      'behindSchedule',
      'grade.excellent',
      'grade.good',
      'grade.pass',
      'grade.fail',
    ]);
    expect(s.lines.slice(1).every((l) => l.points === 0 && l.events.length === 0)).toBe(true);
    expect(s.figures).toMatchObject({ acceptedPeriods: 0, onTimeRateOriginal: null, onTimeRateExtended: null, feedbackDue: 0, adjustment: 0 });
    expect(s.lines.find((l) => l.component === 'lateOriginal')?.basis).toBe('无审核通过的报送期:不计分');
  });

  test('each line is weight × count (or × share), rounded once to hundredths, and the lines add up to the score exactly', () => {
    const facts: DepartmentFacts = {
      periods: [
        { ...ev('p1'), original: true, extended: true },
        { ...ev('p2'), original: false, extended: true },
        // No verdict on the original clock: not on time (the rule of domain/on-time.ts).
        { ...ev('p3'), original: null, extended: false },
      ],
      returnedReports: [ev('r1')],
      escalations: [
        { ...ev('e1'), rung: 'cuiban' },
        { ...ev('e2'), rung: 'cuiban' },
        { ...ev('e3'), rung: 'duban' },
      ],
      feedback: [
        { ...ev('i1'), onTime: true },
        { ...ev('i2'), onTime: false },
        { ...ev('i3'), onTime: false },
      ],
      behindSchedule: [ev('b1'), ev('b2')],
      completed: [{ ...ev('c1'), grade: 'excellent' }],
      adjustments: [{ id: 7, points: 1.5, reason: '承办全省现场会', by: 'sec1', at: '2016-12-31T16:30:00.000Z' }],
    };
    const s = assessDepartment(facts, WEIGHTS);
    const points = Object.fromEntries(s.lines.map((l) => [l.component, l.points]));
    expect(points).toEqual({
      base: 100,
      lateOriginal: -13.33,
      lateExtended: -3.33,
      returnedReport: -1,
      'escalation.cuiban': -2,
      'escalation.duban': -3,
      'escalation.leading-group': 0,
      lateFeedback: -6.67,
      behindSchedule: -4,
      'grade.excellent': 3,
      'grade.good': 0,
      'grade.pass': 0,
      'grade.fail': 0,
      adjustment: 1.5,
    });
    expect(s.score).toBe(71.17);
    expect(sumCents(s.lines.map((l) => l.points))).toBe(cents(s.score));
    const late = s.lines.find((l) => l.component === 'lateOriginal');
    expect(late).toMatchObject({ count: 2, of: 3, weight: -20, basis: '审核通过3期,其中2期未按原定时限报送:-20×2/3=-13.33' });
    expect(late?.events.map((e) => e.ref)).toEqual(['p2', 'p3']);
    expect(s.lines.find((l) => l.component === 'lateFeedback')?.events.map((e) => e.ref)).toEqual(['i2', 'i3']);
    expect(s.lines.find((l) => l.component === 'escalation.cuiban')?.events.map((e) => e.ref)).toEqual(['e1', 'e2']);
    // The adjustment is a line of its own, dated in Asia/Shanghai, with its reason.
    expect(s.lines.at(-1)).toMatchObject({ component: 'adjustment', points: 1.5, basis: '承办全省现场会(sec1)', events: [{ ref: 'adjustment:7', item: null, date: '2017-01-01' }] });
    expect(s.figures).toEqual({
      acceptedPeriods: 3,
      onTimeOriginal: 1,
      onTimeRateOriginal: 0.333,
      onTimeExtended: 2,
      onTimeRateExtended: 0.667,
      returnedReports: 1,
      escalations: { cuiban: 2, duban: 1, 'leading-group': 0 },
      feedbackDue: 3,
      feedbackOnTime: 1,
      behindSchedule: 2,
      completed: { excellent: 1, good: 0, pass: 0, fail: 0 },
      adjustment: 1.5,
    });
  });

  test('the plan may weigh otherwise: decimals to the hundredth, bonuses as well as deductions', () => {
    const weights = assessmentPolicySchema.parse({ base: 60, lateOriginal: 0, lateExtended: -7.5, escalation: { duban: -0.25 }, grade: { pass: 0.5 } });
    expect(weights.escalation).toEqual({ cuiban: -1, duban: -0.25, 'leading-group': -5 });
    const facts: DepartmentFacts = {
      ...NO_FACTS,
      periods: [1, 2, 3, 4, 5, 6, 7].map((n) => ({ ...ev(`p${n}`), original: false, extended: n !== 7 })),
      escalations: [{ ...ev('e1'), rung: 'duban' }],
      completed: [{ ...ev('c1'), grade: 'pass' }],
    };
    const s = assessDepartment(facts, weights);
    // -7.5 × 1/7 = -1.0714... → -1.07.
    expect(s.score).toBe(60 - 1.07 - 0.25 + 0.5);
    expect(assessmentPolicySchema.safeParse({ lateOriginal: -1.234 }).error?.issues[0]).toMatchObject({ path: ['lateOriginal'], message: 'must have at most two decimals' });
    expect(assessmentPolicySchema.safeParse({ escalation: { cuiban: -1, typo: 1 } }).success).toBe(false);
  });

  test('any facts and weights: the lines add up to the score, which recomputes from the counts', () => {
    const w = fc.integer({ min: -10000, max: 10000 }).map((c) => c / 100);
    const weights = fc.record({
      base: fc.integer({ min: 0, max: 100000 }).map((c) => c / 100),
      lateOriginal: w,
      lateExtended: w,
      returnedReport: w,
      escalation: fc.record({ cuiban: w, duban: w, 'leading-group': w }),
      lateFeedback: w,
      behindSchedule: w,
      grade: fc.record({ excellent: w, good: w, pass: w, fail: w }),
    });
    const verdict = fc.constantFrom(true, false, null);
    const facts = fc.record({
      periods: fc.array(fc.record({ original: verdict, extended: verdict }), { maxLength: 40 }),
      returned: fc.nat(20),
      escalations: fc.array(fc.constantFrom(...ASSESSMENT_RUNGS), { maxLength: 30 }),
      feedback: fc.array(fc.boolean(), { maxLength: 15 }),
      behind: fc.nat(20),
      completed: fc.array(fc.constantFrom(...ASSESSMENT_GRADES), { maxLength: 10 }),
      adjustments: fc.array(w, { maxLength: 3 }),
    });
    fc.assert(
      fc.property(weights, facts, (weights, f) => {
        const s = assessDepartment(
          {
            periods: f.periods.map((v, n) => ({ ...ev(`p${n}`), ...v })),
            returnedReports: Array.from({ length: f.returned }, (_, n) => ev(`r${n}`)),
            escalations: f.escalations.map((rung, n) => ({ ...ev(`e${n}`), rung })),
            feedback: f.feedback.map((onTime, n) => ({ ...ev(`i${n}`), onTime })),
            behindSchedule: Array.from({ length: f.behind }, (_, n) => ev(`b${n}`)),
            completed: f.completed.map((grade, n) => ({ ...ev(`c${n}`), grade })),
            adjustments: f.adjustments.map((points, n) => ({ id: n, points, reason: '理由', by: 'sec1', at: '2016-12-01T00:00:00.000Z' })),
          },
          weights,
        );
        expect(sumCents(s.lines.map((l) => l.points))).toBe(cents(s.score));
        // The same score from the counts alone, rounding each share half away from zero.
        const share = (weight: number, n: number, of: number) => (of ? Math.sign(weight * n) * Math.round(Math.abs((cents(weight) * n) / of)) : 0);
        const late = (k: 'original' | 'extended') => f.periods.filter((p) => p[k] !== true).length;
        const expected =
          cents(weights.base) +
          share(weights.lateOriginal, late('original'), f.periods.length) +
          share(weights.lateExtended, late('extended'), f.periods.length) +
          cents(weights.returnedReport) * f.returned +
          ASSESSMENT_RUNGS.reduce((sum, r) => sum + cents(weights.escalation[r]) * f.escalations.filter((x) => x === r).length, 0) +
          share(weights.lateFeedback, f.feedback.filter((x) => !x).length, f.feedback.length) +
          cents(weights.behindSchedule) * f.behind +
          ASSESSMENT_GRADES.reduce((sum, g) => sum + cents(weights.grade[g]) * f.completed.filter((x) => x === g).length, 0) +
          f.adjustments.reduce((sum, a) => sum + cents(a), 0);
        expect(cents(s.score)).toBe(expected);
        // Every event counted is listed on its line.
        expect(s.lines.find((l) => l.component === 'returnedReport')?.events).toHaveLength(f.returned);
      }),
      { numRuns: 300 },
    );
  });
});
