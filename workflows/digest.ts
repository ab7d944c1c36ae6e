import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Digest } from '../activities/digest';

const { buildWeeklyDigest } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

export const WEEKLY_DIGEST_SCHEDULE_ID = 'weekly-digest';

/** Run by the weekly Temporal Schedule: the leading group's digest. */
export async function weeklyDigest(): Promise<Pick<Digest, 'key' | 'weekOf' | 'totals'>> {
  const digest = await buildWeeklyDigest();
  return { key: digest.key, weekOf: digest.weekOf, totals: digest.totals };
}
