import type { Db } from '../db/connection';
import type { WorkingCalendar } from '../domain/calendar';
import type { ClockAnchor } from '../domain/clock';
import type { ItemEvent } from '../domain/item/events';
import type { Logger } from '../platform/logger';
import type { ItemState } from '../workflows/definitions';
import { insertAssignment, notices as assignmentNotices, reopenAssignment, type AssignmentRequest } from './item-events/assignment';
import { departmentNames, eventContext } from './item-events/context';
import { recordEvent } from './item-events';
import { syncItem } from './item-events/sync';
import type { NotificationActivities } from './notifications';

export type { ItemEvent };

/**
 * The item workflow's effects on PostgreSQL and on people: the mirror rows the
 * API and the board read, the audit trail, and the notifications. Each event
 * family's rows and notices are in item-events/.
 */
export function createItemActivities({
  db,
  log,
  notifications,
  today,
  calendar,
}: {
  db: Db;
  log: Logger;
  notifications: NotificationActivities;
  today: (anchor: ClockAnchor) => Promise<string>;
  /** The working-day calendar, for how many working days overdue a 督办单 says an item is. */
  calendar: () => Promise<WorkingCalendar>;
}) {
  const ctx = eventContext({ db, calendar, notifications });
  return {
    /** 交办 or 重新交办: the assignment row, its co-operating departments, the audit, and the notices to the departments. */
    async recordAssignment(req: AssignmentRequest): Promise<void> {
      const { input } = req;
      const businessDate = await today({ date: input.assignedOn ?? input.startDate, at: req.assignedAt });
      await db.transaction((trx) => (input.reopen ? reopenAssignment(trx, req) : insertAssignment(trx, req)));
      await ctx.tell({ itemKey: input.itemKey, businessDate }, assignmentNotices(input, await departmentNames(db, [input.lead, ...input.cooperating])));
      if (input.reopen) log.info({ workflowId: input.itemKey, round: input.reopen.round }, 'reopening recorded');
      else log.info({ workflowId: input.itemKey, lead: input.lead }, 'assignment recorded');
    },

    /** Mirrors the workflow's state into the rows the API and board read. */
    async syncItem(state: ItemState): Promise<void> {
      await syncItem(db, state);
    },

    /** One event of the item's life: its rows, its audit entry, its notices. */
    async recordItemEvent(event: ItemEvent): Promise<void> {
      await recordEvent(ctx, { ...event, businessDate: event.businessDate ?? (await today(event.anchor)) });
    },
  };
}

export type ItemActivities = ReturnType<typeof createItemActivities>;
