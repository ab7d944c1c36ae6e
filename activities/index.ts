import { calendarCache } from '../db/calendar/store';
import type { Db } from '../db/connection';
import type { Logger } from '../platform/logger';
import { createCatalogActivities } from './catalog';
import { createDeadlineActivities } from './deadlines';
import { createDigestActivities } from './digest';
import { failFastOnBadData } from './failures';
import { createItemActivities } from './items';
import { createNotificationActivities } from './notifications';

export interface ActivityDeps {
  db: Db;
  log: Logger;
  /** Compressed clock: one working day lasts this many ms (tests, demos). Unset: real working days. */
  workingDayMs?: number;
  /** How long reminders to one department wait to be merged into one message. */
  mergeWindowMs?: number;
}

/**
 * All activities, built from their dependencies (the pattern of Temporal's samples),
 * each failing at once on data PostgreSQL refuses (activities/failures.ts).
 */
export function createActivities(deps: ActivityDeps) {
  const calendar = calendarCache(deps.db);
  const notifications = createNotificationActivities({ db: deps.db, log: deps.log, mergeWindowMs: deps.mergeWindowMs ?? 60_000 });
  const deadlines = createDeadlineActivities({ calendar, workingDayMs: deps.workingDayMs });
  return failFastOnBadData({
    ...createCatalogActivities(deps),
    ...notifications,
    ...deadlines,
    ...createItemActivities({ db: deps.db, log: deps.log, notifications, calendar, today: (anchor) => deadlines.businessDate({ anchor }) }),
    ...createDigestActivities({ db: deps.db, log: deps.log, calendar, notifications, workingDayMs: deps.workingDayMs }),
  });
}

export type Activities = ReturnType<typeof createActivities>;
