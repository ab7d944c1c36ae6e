import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/connection';
import { summarizeCatalog, type CatalogSummary } from '../db/catalog/summary';
import type { Logger } from '../platform/logger';

export function createCatalogActivities({ db, log }: { db: Db; log: Logger }) {
  return {
    async readCatalogSummary(planCode: string): Promise<CatalogSummary> {
      const summary = await summarizeCatalog(db, planCode);
      if (!summary) throw ApplicationFailure.nonRetryable(`plan ${planCode} is not in the catalog`, 'PlanNotFound');
      log.debug({ planCode, summary }, 'catalog summary read');
      return summary;
    },
  };
}
