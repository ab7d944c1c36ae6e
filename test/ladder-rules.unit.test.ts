import { officialArrangement } from '../db/calendar/official';
import { WorkingCalendar } from '../domain/calendar';
import { createClock } from '../domain/clock';
import { colourOf, DUE_SOON_WORKING_DAYS } from '../domain/colour';
import { TEST_POLICY } from './helpers/policy';
import { finalChased, markFired, nextDeadline, nextDue, pendingEvents } from '../domain/ladder';
import { onTimeVerdict } from '../domain/on-time';
import { planAck, planFinal, planPeriod, reportDue, retimePeriod, rungEvents } from '../domain/schedule';
import type { ItemPolicy, ItemState, PeriodState } from '../workflows/definitions';

/**
 * The ladder's pure rules, without a server: what is due next, what fired, the
 * window that counts from assignment, the catch-up rule, rungs never bunched,
 * the verdict on time and the colour. Dates are on the real 2016 calendar.
 */
const cal = new WorkingCalendar(
  new Set([2016, 2017]),
  new Map([...officialArrangement(2016), ...officialArrangement(2017)].map((d) => [d.date, { working: d.working, name: d.name }])),
);
const clock = createClock(cal, { date: '2016-01-04', at: 0 });
const at = (date: string, hour = 10) => Date.parse(`${date}T${String(hour).padStart(2, '0')}:00:00+08:00`);
const policy: ItemPolicy = { cadence: 'quarterly', ...TEST_POLICY };

describe('the acknowledgement window', () => {
  test('counts from the day of assignment, so an old start date fires nothing at once', () => {
    // Assigned on 2016-04-18 for a plan that started 2016-03-28: 签收 by 04-21, the first rung on 04-22.
    const ack = planAck(cal, clock, '2016-04-18', policy, at('2016-04-18'));
    expect(ack.dueOn).toBe('2016-04-21');
    expect(ack.rungs.map((r) => r.on)).toEqual(['2016-04-22', '2016-04-26', '2016-04-28']);
    expect(ack.rungs.every((r) => r.at > at('2016-04-18'))).toBe(true);
  });

  test('counted from the start date instead (the old rule), every rung was already due at assignment', () => {
    const old = planAck(cal, createClock(cal, { date: '2016-03-28', at: 0 }), '2016-03-28', policy, at('2016-03-28'));
    expect(old.rungs.every((r) => r.at < at('2016-04-18'))).toBe(true);
  });
});

describe('rungs are never bunched', () => {
  test('rungs already past when planned: the first today, each later one its own gap after the one before', () => {
    // Due 2016-03-31, planned on 2016-04-18 (say the calendar was missing until then).
    const rungs = rungEvents(cal, clock, '2016-03-31', policy, at('2016-04-18'));
    expect(rungs.map((r) => r.on)).toEqual(['2016-04-18', '2016-04-20', '2016-04-22']);
    expect(new Set(rungs.map((r) => r.at)).size).toBe(3);
  });

  test('a rung already fired stays fired and keeps its date; the rest are spaced from today', () => {
    const rungs = rungEvents(cal, clock, '2016-03-31', policy, at('2016-04-18'), new Set(['cuiban'] as const));
    expect(rungs.map((r) => [r.rung, r.on, r.fired])).toEqual([
      ['cuiban', '2016-04-01', true],
      ['duban', '2016-04-18', false],
      ['leading-group', '2016-04-20', false],
    ]);
  });

  test('rungs in the future keep the dates the policy gives them', () => {
    expect(rungEvents(cal, clock, '2016-04-08', policy, at('2016-04-01')).map((r) => r.on)).toEqual(['2016-04-11', '2016-04-13', '2016-04-15']);
  });
});

describe('the catch-up rule', () => {
  test('an ordinary period is due five working days after it ends', () => {
    expect(reportDue(cal, { endsOn: '2016-03-31', openedOn: '2016-03-28', assignedOn: '2016-03-28', policy })).toEqual({ dueOn: '2016-04-08', catchUp: false });
  });

  test('a period that ended before the assignment is due catchUpWorkingDays after it opens', () => {
    expect(reportDue(cal, { endsOn: '2016-03-31', openedOn: '2016-04-19', assignedOn: '2016-04-18', policy })).toEqual({ dueOn: '2016-04-26', catchUp: true });
  });

  test('a period whose due date passed before it opened (the previous one accepted late) is caught up too', () => {
    expect(reportDue(cal, { endsOn: '2016-06-30', openedOn: '2016-07-20', assignedOn: '2016-03-28', policy })).toEqual({ dueOn: '2016-07-27', catchUp: true });
  });

  test('items from before the rule (no catchUpWorkingDays) keep the ordinary due date', () => {
    const old: ItemPolicy = { ...policy, catchUpWorkingDays: undefined };
    expect(reportDue(cal, { endsOn: '2016-06-30', openedOn: '2016-07-20', policy: old })).toEqual({ dueOn: '2016-07-07', catchUp: false });
  });

  test('a caught-up period plans no reminder or rung before it opened', () => {
    const p = planPeriod(cal, clock, { seq: 2, startsOn: '2016-04-01', finalDeadline: '2016-12-31', policy, now: at('2016-07-20'), assignedOn: '2016-03-28' });
    expect(p).toMatchObject({ endsOn: '2016-06-30', dueOn: '2016-07-27', originalDueOn: '2016-07-27', openedOn: '2016-07-20', catchUp: true });
    expect(p.rungs.every((r) => r.at > at('2016-07-20'))).toBe(true);
    expect(p.reminders.map((r) => [r.on, r.fired])).toEqual([
      ['2016-07-22', false],
      ['2016-07-26', false],
      ['2016-07-27', false],
    ]);
  });

  test('a calendar change re-times a caught-up period by the same rule', () => {
    const p = planPeriod(cal, clock, { seq: 1, startsOn: '2016-03-28', finalDeadline: '2016-12-31', policy, now: at('2016-04-19'), assignedOn: '2016-04-18' });
    const again = retimePeriod(cal, clock, p, policy, at('2016-04-20'), undefined, '2016-04-18');
    expect(again).toMatchObject({ dueOn: p.dueOn, originalDueOn: p.originalDueOn, catchUp: true });
  });
});

function itemState(over: Partial<ItemState> = {}): ItemState {
  return { itemKey: 'item:p:x', status: 'in_progress', lead: 'eic', cooperating: [], assignedAt: 0, nextPeriodSeq: 1, periodsDone: false, acceptedPeriods: 0, escalationLevel: 0, instructions: 0, runs: 1, ...over };
}
function period(over: Partial<PeriodState> = {}): PeriodState {
  return { ...planPeriod(cal, clock, { seq: 1, startsOn: '2016-04-01', finalDeadline: '2016-12-31', policy, now: at('2016-04-01') }), ...over };
}

describe('what is due next', () => {
  test('the earliest unfired reminder or rung of what applies; a report awaiting review pauses the period ladder', () => {
    const s = itemState({ period: period(), final: planFinal(cal, clock, '2016-12-31', policy, at('2016-04-01')) });
    expect(nextDue(s)).toMatchObject({ kind: 'reminder', subject: 'report', event: { on: '2016-07-04', offset: 3 } });
    s.period!.status = 'submitted';
    expect(nextDue(s)).toMatchObject({ kind: 'reminder', subject: 'final', event: { on: '2016-12-28', offset: 3 } });
  });

  test('marking fired finds the event in the state as it is now, even after the period was replaced', () => {
    const s = itemState({ period: period() });
    const due = nextDue(s)!;
    s.period = { ...s.period!, reminders: s.period!.reminders.map((r) => ({ ...r })) };
    markFired(s, due);
    expect(s.period.reminders[0]!.fired).toBe(true);
    expect(nextDue(s)).toMatchObject({ kind: 'reminder', event: { offset: 1 } });
  });

  test('the final deadline is not chased while completion is requested, nor once the item is closed', () => {
    const final = planFinal(cal, clock, '2016-12-30', policy, at('2016-04-01'));
    expect(finalChased(itemState({ final }))).toBe(true);
    expect(finalChased(itemState({ final, status: 'completion_requested' }))).toBe(false);
    expect(pendingEvents(itemState({ final, status: 'completed' }))).toEqual([]);
  });

  test('the next deadline: the acknowledgement, the open period, then the final deadline', () => {
    const ack = planAck(cal, clock, '2016-04-18', policy, at('2016-04-18'));
    const final = planFinal(cal, clock, '2016-12-30', policy, at('2016-04-01'));
    expect(nextDeadline(itemState({ status: 'assigned', ack, final }))?.on).toBe('2016-04-21');
    expect(nextDeadline(itemState({ period: period(), final }))?.on).toBe('2016-07-07');
    expect(nextDeadline(itemState({ period: period({ status: 'accepted' }), final }))?.on).toBe('2016-12-30');
    expect(nextDeadline(itemState({ status: 'cancelled', final }))).toBeUndefined();
  });
});

describe('on time, one verdict on two clocks', () => {
  test('received by the due instant in force and by the original one', () => {
    const p = period();
    const received = (instant: number) => ({ ...p, consolidated: { receiptId: 'r', periodSeq: 1, department: 'eic', kind: 'consolidated' as const, version: 1, receivedAt: instant } });
    expect(onTimeVerdict(received(at('2016-07-07', 23)))).toEqual({ onTime: true, onTimeOriginal: true });
    expect(onTimeVerdict(received(at('2016-07-08', 9)))).toEqual({ onTime: false, onTimeOriginal: false });
    const extended = { ...received(at('2016-07-12')), dueOn: '2016-07-15', extendedDueOn: '2016-07-15', dueAt: clock.endOf('2016-07-15') };
    expect(onTimeVerdict(extended)).toEqual({ onTime: true, onTimeOriginal: false });
  });
});

describe('红黄绿灯', () => {
  const item = { escalation_level: 0, next_due_on: '2016-07-08', next_due_at: new Date(clock.endOf('2016-07-08')), clock_date: '2016-01-04', assigned_at: new Date(0), final_deadline: '2016-12-30', behind_schedule: false };
  test('green with time to spare, yellow within three working days, red when overdue or escalated', () => {
    expect(colourOf(item, cal, at('2016-06-01'))).toBe('green');
    expect(colourOf(item, cal, at('2016-07-05'))).toBe('yellow');
    expect(colourOf(item, cal, at('2016-07-11'))).toBe('red');
    expect(colourOf({ ...item, escalation_level: 1 }, cal, at('2016-06-01'))).toBe('red');
  });
  test('yellow exactly when at most three working days are left, across weekends and holidays (the day-by-day count agrees on every day of 2016)', () => {
    // 国庆 2016: Oct 1-7 off, Oct 8-9 (a weekend) worked.
    const due = (next: string) => ({ ...item, next_due_on: next, next_due_at: new Date(clock.endOf(next)), final_deadline: '2016-12-30' });
    expect(colourOf(due('2016-10-11'), cal, at('2016-09-30'))).toBe('green');
    expect(colourOf(due('2016-10-10'), cal, at('2016-09-30'))).toBe('yellow');
    for (let day = Date.parse('2016-01-04T00:00:00Z'); day <= Date.parse('2016-12-20T00:00:00Z'); day += 86_400_000) {
      const today = new Date(day).toISOString().slice(0, 10);
      for (const ahead of [1, 3, 4, 5, 9]) {
        const next = new Date(day + ahead * 86_400_000).toISOString().slice(0, 10);
        const counted = cal.workingDaysBetween(today, next) <= DUE_SOON_WORKING_DAYS ? 'yellow' : 'green';
        expect([today, next, colourOf(due(next), cal, at(today))]).toEqual([today, next, counted]);
      }
    }
  });
  test('滞后: yellow with time to spare, still red when overdue, escalated or past the final deadline', () => {
    const behind = { ...item, behind_schedule: true };
    expect(colourOf(behind, cal, at('2016-06-01'))).toBe('yellow');
    expect(colourOf(behind, cal, at('2016-07-11'))).toBe('red');
    expect(colourOf({ ...behind, escalation_level: 1 }, cal, at('2016-06-01'))).toBe('red');
    expect(colourOf({ ...behind, next_due_on: '2017-01-09', next_due_at: new Date(clock.endOf('2017-01-09')) }, cal, at('2017-01-03'))).toBe('red');
  });
  test('red past the final deadline even while the last report is not yet due', () => {
    expect(colourOf({ ...item, next_due_on: '2017-01-09', next_due_at: new Date(clock.endOf('2017-01-09')) }, cal, at('2017-01-03'))).toBe('red');
  });
});
