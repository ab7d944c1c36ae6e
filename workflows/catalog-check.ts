import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CatalogSummary } from '../db/catalog/summary';

const { readCatalogSummary } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

/**
 * Start-up self-check: one round trip through the worker and the database,
 * run by `npm start` so "ready" means a workflow really ran, not just that
 * ports are open.
 */
export async function catalogCheck(planCode: string): Promise<CatalogSummary> {
  const summary = await readCatalogSummary(planCode);
  log.info('catalog check done', { planCode, tasks: summary.tasks, safeguardItems: summary.safeguardItems });
  return summary;
}
