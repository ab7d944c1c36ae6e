import type { Client } from '@temporalio/client';
import type { Db } from '../../db/connection';
import { calendarChangedSignal, OPEN_STATUSES } from '../../workflows/definitions';

/**
 * After an administrator loads or replaces a year, every open item re-times
 * its deadlines (and a blocked one resumes): each gets the calendarChanged
 * signal. Returns how many were told.
 */
export async function signalCalendarChanged(client: Client, db: Db): Promise<number> {
  const open = (await db('assignments').whereIn('status', OPEN_STATUSES as string[]).pluck('workflow_id')) as string[];
  let told = 0;
  for (const workflowId of open) {
    try {
      await client.workflow.getHandle(workflowId).signal(calendarChangedSignal);
      told += 1;
    } catch {
      // Closed since the row was read: nothing to re-time.
    }
  }
  return told;
}
