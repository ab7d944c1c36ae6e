import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Digest } from '../domain/digest';

const { buildWeeklyDigest } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

export const WEEKLY_DIGEST_SCHEDULE_ID = 'weekly-digest';

/**
 * Run every day by the digest Schedule: the leading group's digest. The
 * activity decides whether this week's digest day has come (domain/digest-day.ts)
 * and builds and sends it once; the commands here are those of every run since
 * the digest began, so histories replay unchanged.
 */
export async function weeklyDigest(): Promise<Pick<Digest, 'key' | 'weekOf' | 'totals'>> {
  const digest = await buildWeeklyDigest();
  return { key: digest.key, weekOf: digest.weekOf, totals: digest.totals };
}
