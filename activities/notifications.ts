import type { Knex } from 'knex';
import { recordNotification, type NotifyInput, type NotifyResult } from '../notifications';
import type { Logger } from '../platform/logger';

// The activities' own view of the outbox: what they send with, and what a notice's kind may be.
export type { NotificationKind, NotifyInput, NotifyResult } from '../notifications';

/** The notify activity: the outbox (notifications/outbox.ts) records the notification and queues its delivery. */
export function createNotificationActivities({ db, log, mergeWindowMs }: { db: Knex; log: Logger; mergeWindowMs: number }) {
  return {
    async notify(input: NotifyInput): Promise<NotifyResult> {
      return recordNotification(db, log, input, mergeWindowMs);
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
