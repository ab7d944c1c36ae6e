import { officialArrangement } from '../../db/calendar/official';
import { WorkingCalendar } from '../../domain/calendar';
import { createClock } from '../../domain/clock';
import { lastDayOfCadence, modelItem, recoveryOf, type ItemActions, type ItemSpec, type ModelContext, type Span } from './expected';
import { TEST_POLICY } from '../helpers/policy';

/**
 * The drills' model of what should happen, on its own (no server): it must be
 * right before it can judge the engine. Dates on the real 2016 calendar: start
 * 2016-03-28 (Mon); the first quarter ends 03-31, its report is due 04-08
 * (清明 04-04 off): reminders 04-05, 04-07, 04-08; rungs 04-11, 04-13, 04-15.
 */
const cal = new WorkingCalendar(
  new Set([2016, 2017]),
  new Map([...officialArrangement(2016), ...officialArrangement(2017)].map((d) => [d.date, { working: d.working, name: d.name }])),
);
const W = 1_000;
const ctx: ModelContext = { calendar: cal, workingDayMs: W, marginBeforeMs: 800, settledBy: (t) => t + 2_000 };
const spec: ItemSpec = {
  itemKey: 'item:p:A01-1',
  planCode: 'p',
  itemCode: 'A01-1',
  lead: 'eic',
  cooperating: [],
  startDate: '2016-03-28',
  finalDeadline: '2016-12-30',
  policy: { cadence: 'quarterly', ...TEST_POLICY },
};
const clock = createClock(cal, { date: spec.startDate, at: 0 }, W);
const startOf = (date: string) => clock.startOf(date);
const acts = (over: Partial<ItemActions> = {}): ItemActions => ({ assign: { start: -50, end: 10 }, anchorAt: 0, ack: { start: 20, end: 40 }, submits: new Map(), accepts: new Map(), ...over });
const span = (start: number, end: number): Span => ({ start, end });
const verdicts = (a: ItemActions, subject = 'report', seq = 1) =>
  Object.fromEntries(modelItem(ctx, spec, a).events.filter((e) => e.subject === subject && e.seq === seq).map((e) => [e.kind === 'reminder' ? `d${e.offset}` : e.rung, e.verdict]));

describe("the drills' model of expected events", () => {
  test('a silent period: its reminders and every rung, on the calendar', () => {
    const m = modelItem(ctx, spec, acts());
    const p1 = m.events.filter((e) => e.subject === 'report' && e.seq === 1);
    expect(p1.map((e) => [e.kind === 'reminder' ? `d${e.offset}` : e.rung, e.on, e.dueOn])).toEqual([
      ['d3', '2016-04-05', '2016-04-08'],
      ['d1', '2016-04-07', '2016-04-08'],
      ['d0', '2016-04-08', '2016-04-08'],
      ['cuiban', '2016-04-11', '2016-04-08'],
      ['duban', '2016-04-13', '2016-04-08'],
      ['leading-group', '2016-04-15', '2016-04-08'],
    ]);
    expect(p1.every((e) => e.verdict === 'expected' && e.at === startOf(e.on))).toBe(true);
    expect(m.periods.map((p) => p.seq)).toEqual([1]);
    // Acknowledged at once: the acknowledgement ladder never comes.
    expect(Object.values(verdicts(acts(), 'acknowledgement', 0))).toEqual(['not-expected', 'not-expected', 'not-expected']);
    expect(Object.values(verdicts(acts({ ack: undefined }), 'acknowledgement', 0))).toEqual(['expected', 'expected', 'expected']);
  });

  test('a report stops the ladder: what came before it is expected, what came after is not, what raced it is uncertain', () => {
    const d1 = startOf('2016-04-07');
    const d0 = startOf('2016-04-08');
    // Sent and answered between 04-07 and 04-08.
    expect(verdicts(acts({ submits: new Map([[1, span(d1 + 900, d1 + 950)]]) }))).toEqual({ d3: 'expected', d1: 'expected', d0: 'not-expected', cuiban: 'not-expected', duban: 'not-expected', 'leading-group': 'not-expected' });
    // Sent just after d1 fell due: d1 may or may not have fired first.
    expect(verdicts(acts({ submits: new Map([[1, span(d1 + 300, d1 + 400)]]) })).d1).toBe('ambiguous');
    // Still unanswered (an outage): everything from its sending on is uncertain.
    expect(verdicts(acts({ submits: new Map([[1, span(d0 + 900, Infinity)]]) }))).toEqual({ d3: 'expected', d1: 'expected', d0: 'expected', cuiban: 'ambiguous', duban: 'ambiguous', 'leading-group': 'ambiguous' });
  });

  test('an acceptance opens the next period; reminders whose moment passed before it opened are not sent', () => {
    const accepted = startOf('2016-04-12');
    const a = acts({ submits: new Map([[1, span(startOf('2016-04-11') + 500, startOf('2016-04-11') + 600)]]), accepts: new Map([[1, span(accepted, accepted + 100)]]) });
    const m = modelItem(ctx, spec, a);
    expect(m.periods.map((p) => [p.seq, p.startsOn, p.endsOn, p.dueOn])).toEqual([
      [1, '2016-03-28', '2016-03-31', '2016-04-08'],
      [2, '2016-04-01', '2016-06-30', '2016-07-07'],
    ]);
    expect(Object.values(verdicts(a, 'report', 2)).every((v) => v === 'expected')).toBe(true);
    expect(m.unmodelled).toEqual([]);
    // Accepted so late that period 2's due date had passed: the catch-up rule, which the drill keeps out of play.
    const late = startOf('2016-07-12');
    const m2 = modelItem(ctx, spec, acts({ submits: new Map([[1, span(late - 500, late - 400)]]), accepts: new Map([[1, span(late, late + 100)]]) }));
    expect(m2.unmodelled).toHaveLength(1);
    expect(m2.events.filter((e) => e.seq === 2).every((e) => e.verdict !== 'expected')).toBe(true);
  });

  test('the recovery an event waits for: outages that began while it was within its allowance', () => {
    expect(recoveryOf(1_000, [], 60_000)).toBe(1_000);
    expect(recoveryOf(1_000, [{ start: 500, end: 5_000 }], 60_000)).toBe(5_000);
    expect(recoveryOf(1_000, [{ start: 30_000, end: 40_000 }, { start: 95_000, end: 99_000 }], 60_000)).toBe(99_000);
    expect(recoveryOf(1_000, [{ start: 70_000, end: 80_000 }], 60_000)).toBe(1_000);
    expect(lastDayOfCadence('2016-05-10', 'quarterly')).toBe('2016-06-30');
    expect(lastDayOfCadence('2016-05-10', 'yearly')).toBe('2016-12-31');
    expect(lastDayOfCadence('2016-02-10', 'monthly')).toBe('2016-02-29');
  });
});
