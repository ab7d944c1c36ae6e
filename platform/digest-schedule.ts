import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';
import { WEEKLY_DIGEST_SCHEDULE_ID } from '../workflows/digest';
import type { Logger } from './logger';

/**
 * The weekly digest for the leading group runs as a Temporal Schedule (Monday
 * 08:00 Asia/Shanghai by default, DIGEST_CRON). Created once; a changed cron
 * updates it in place.
 */
export async function ensureDigestSchedule(client: Client, opts: { taskQueue: string; cron: string; log: Logger; scheduleId?: string }): Promise<string> {
  const scheduleId = opts.scheduleId ?? WEEKLY_DIGEST_SCHEDULE_ID;
  const spec = { cronExpressions: [opts.cron], timezone: 'Asia/Shanghai' };
  const action = { type: 'startWorkflow' as const, workflowType: 'weeklyDigest', taskQueue: opts.taskQueue, args: [] };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: 'SKIP', catchupWindow: '1 day' } });
    opts.log.info({ scheduleId, cron: opts.cron }, 'weekly digest schedule created');
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action }));
    opts.log.debug({ scheduleId }, 'weekly digest schedule updated');
  }
  return scheduleId;
}
