import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';
import { weeklyDigest } from '../workflows';
import { WEEKLY_DIGEST_SCHEDULE_ID } from '../workflows/digest';
import type { Logger } from './logger';

/**
 * The Schedule fires every day at DIGEST_CRON's time of day: the activity
 * decides whether the plan's digest day has come (its weekday, moved past
 * holidays: domain/digest-day.ts), which a cron cannot know. So only the
 * minute and hour of a five-field expression count; its day fields, from when
 * the cron chose Monday itself, are replaced. Other expressions (`@daily`, six
 * fields) are used as given.
 */
export function dailyCron(cron: string): { cron: string; daysIgnored: boolean } {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return { cron, daysIgnored: false };
  const [minute, hour, ...days] = fields;
  return { cron: `${minute} ${hour} * * *`, daysIgnored: days.join(' ') !== '* * *' };
}

/**
 * The weekly digest for the leading group runs as a Temporal Schedule, daily
 * at 08:00 Asia/Shanghai by default (DIGEST_CRON). Created once; a changed
 * cron updates it in place, and so does the move from a weekly cron.
 */
export async function ensureDigestSchedule(client: Client, opts: { taskQueue: string; cron: string; log: Logger; scheduleId?: string }): Promise<string> {
  const scheduleId = opts.scheduleId ?? WEEKLY_DIGEST_SCHEDULE_ID;
  const daily = dailyCron(opts.cron);
  if (daily.daysIgnored) opts.log.info({ cron: opts.cron, runs: daily.cron }, "DIGEST_CRON gives the time of day; the plan's digest weekday chooses the day");
  const spec = { cronExpressions: [daily.cron], timezone: 'Asia/Shanghai' };
  const action = { type: 'startWorkflow' as const, workflowType: weeklyDigest, taskQueue: opts.taskQueue, args: [] as const };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: 'SKIP', catchupWindow: '1 day' } });
    opts.log.info({ scheduleId, cron: daily.cron }, 'weekly digest schedule created');
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action }));
    opts.log.debug({ scheduleId }, 'weekly digest schedule updated');
  }
  return scheduleId;
}
