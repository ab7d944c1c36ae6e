/**
 * The item's open states: its workflow runs, the ladder chases it, the board
 * colours it, the inbox and the review queue list it. The one list the
 * workflow, the API's SQL (db/status.ts) and the digest take; completed and
 * cancelled are the closed states.
 */
export const OPEN_STATUSES = ['assigned', 'acknowledged', 'in_progress', 'completion_requested'] as const;
export type OpenStatus = (typeof OPEN_STATUSES)[number];

/** Whether an item in this state (null: not assigned) is open. */
export function isOpenStatus(status: string | null | undefined): status is OpenStatus {
  return (OPEN_STATUSES as readonly (string | null | undefined)[]).includes(status);
}
