import type { Db } from '../db/connection';
import type { Logger } from '../platform/logger';
import { createCatalogActivities } from './catalog';

export interface ActivityDeps {
  db: Db;
  log: Logger;
}

/** All activities, built from their dependencies (the pattern of Temporal's samples). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createCatalogActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
