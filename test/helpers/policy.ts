import type { ItemPolicy } from '../../workflows/definitions';

/**
 * The policy the tests of the ladder use: due five working days after a
 * period ends, reminders 3, 1 and 0 days before, 签收 within 3, and 催办, 督办,
 * 上报领导小组 at 1, 3 and 5 days overdue.
 */
export const TEST_POLICY: Omit<ItemPolicy, 'cadence'> = {
  dueOffsetWorkingDays: 5,
  reminderOffsetsWorkingDays: [3, 1, 0],
  acknowledgeWithinWorkingDays: 3,
  escalation: [
    { rung: 'cuiban', label: '催办', overdueWorkingDays: 1 },
    { rung: 'duban', label: '督办', overdueWorkingDays: 3 },
    { rung: 'leading-group', label: '上报领导小组', overdueWorkingDays: 5 },
  ],
  catchUpWorkingDays: 5,
};
