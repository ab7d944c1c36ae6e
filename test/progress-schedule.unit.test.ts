import { isBehindSchedule, plannedPercentOn, scheduleStanding, scheduleText, type Milestone } from '../domain/progress-schedule';

const m = (date: string, percent: number): Milestone => ({ date, percent, description: `${percent}%` });

describe('序时进度: the planned percent on a date', () => {
  const milestones = [m('2016-06-30', 50), m('2016-12-31', 100)];

  test('no milestones: no schedule at all', () => {
    expect(plannedPercentOn([], '2016-01-01', '2016-03-31')).toBeNull();
  });

  test('on the start date and before it: nothing is due yet', () => {
    expect(plannedPercentOn(milestones, '2016-01-01', '2016-01-01')).toBe(0);
    expect(plannedPercentOn(milestones, '2016-01-01', '2015-12-01')).toBe(0);
  });

  test('between the start and the first milestone: in proportion to the days elapsed, rounded down', () => {
    // 90 of 181 days from 2016-01-01 to 2016-06-30: 24.86%.
    expect(plannedPercentOn(milestones, '2016-01-01', '2016-03-31')).toBe(24);
  });

  test('on a milestone: its percent; between two: the line between them', () => {
    expect(plannedPercentOn(milestones, '2016-01-01', '2016-06-30')).toBe(50);
    // 92 of 184 days from 2016-06-30 to 2016-12-31: half-way from 50 to 100.
    expect(plannedPercentOn(milestones, '2016-01-01', '2016-09-30')).toBe(75);
  });

  test('after the last milestone: held at its percent', () => {
    expect(plannedPercentOn(milestones, '2016-01-01', '2017-06-30')).toBe(100);
    expect(plannedPercentOn([m('2016-06-30', 60)], '2016-01-01', '2018-12-31')).toBe(60);
  });

  test('milestones given out of order are read in date order', () => {
    expect(plannedPercentOn([m('2016-12-31', 100), m('2016-06-30', 50)], '2016-01-01', '2016-09-30')).toBe(75);
  });

  test('a milestone on the start date: its percent from that day', () => {
    expect(plannedPercentOn([m('2016-01-01', 20), m('2016-12-31', 100)], '2016-01-01', '2016-01-02')).toBe(20);
  });
});

describe('滞后: behind schedule by more than the tolerance', () => {
  test('lagging by more than the tolerance is behind; by exactly the tolerance is not', () => {
    expect(isBehindSchedule(40, 29, 10)).toBe(true);
    expect(isBehindSchedule(40, 30, 10)).toBe(false);
    expect(isBehindSchedule(40, 55, 10)).toBe(false);
  });

  test('with tolerance 0, any lag is behind', () => {
    expect(isBehindSchedule(40, 39, 0)).toBe(true);
  });

  test('no milestones: never behind', () => {
    expect(isBehindSchedule(null, 0, 10)).toBe(false);
  });

  test('the standing as of a period end', () => {
    expect(scheduleStanding({ milestones: [m('2016-06-30', 50)], startOn: '2016-01-01', asOf: '2016-03-31', reported: 10, tolerance: 10 })).toEqual({
      planned: 24,
      reported: 10,
      asOf: '2016-03-31',
      behind: true,
    });
  });

  test('in words, for the ledger', () => {
    expect(scheduleText({ planned: 24, reported: 10, behind: true })).toBe('计划24%,实际10%,滞后');
    expect(scheduleText({ planned: 24, reported: 20, behind: false })).toBe('计划24%,实际20%');
    expect(scheduleText({ planned: null, reported: 20, behind: false })).toBe('已完成20%');
    expect(scheduleText({ planned: 30, reported: null, behind: false })).toBe('计划30%,尚未报送');
    expect(scheduleText({ planned: null, reported: null, behind: false })).toBe('');
  });
});
