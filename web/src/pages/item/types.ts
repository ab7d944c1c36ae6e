import { api, unwrap } from '../../api/client';
import type { Answer } from '../../api/types';

/** The item as GET /api/v1/plans/:plan/items/:item answers it: the catalog entry, its assignment, its periods and its reports (oldest first). */
export type ItemDetail = Answer<'/api/v1/plans/{plan}/items/{item}', 'get'>;
export type ItemPeriod = ItemDetail['periods'][number];
export type ItemReport = ItemDetail['reports'][number];
export type TimelineEvent = Answer<'/api/v1/plans/{plan}/items/{item}/timeline', 'get'>['events'][number];

export async function fetchItem(plan: string, item: string): Promise<ItemDetail> {
  return unwrap(api.GET('/api/v1/plans/{plan}/items/{item}', { params: { path: { plan, item } } }));
}

export async function fetchTimeline(plan: string, item: string): Promise<TimelineEvent[]> {
  return (await unwrap(api.GET('/api/v1/plans/{plan}/items/{item}/timeline', { params: { path: { plan, item } } }))).events;
}

/** 'item:<plan>:<item>' → its plan and item codes (for links from notifications and the board). */
export function parseItemKey(itemKey: string | null | undefined): { plan: string; item: string } | undefined {
  const m = itemKey ? /^item:([^:]+):([^:]+)$/.exec(itemKey) : null;
  return m ? { plan: m[1]!, item: m[2]! } : undefined;
}

export function itemPath(plan: string, item: string): string {
  return `/items/${encodeURIComponent(plan)}/${encodeURIComponent(item)}`;
}

export function reportPath(plan: string, item: string, periodSeq?: number): string {
  return `${itemPath(plan, item)}/report${periodSeq ? `?period=${periodSeq}` : ''}`;
}

/** The period a department reports on now: the one not yet accepted or closed (open, returned, or submitted and awaiting review, when a new version may still be filed). */
export function currentPeriod(periods: ItemPeriod[]): ItemPeriod | undefined {
  return [...periods].reverse().find((p) => p.status === 'open' || p.status === 'returned' || p.status === 'submitted');
}

/** A key for the Idempotency-Key header: one per form opened, so a double click or a retry is applied once. */
export function newRequestKey(): string {
  const c = globalThis.crypto as Crypto | undefined;
  return c && typeof c.randomUUID === 'function' ? c.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** Item states in which the lead may still report, ask for an extension or for completion. */
export const OPEN_WORK = ['acknowledged', 'in_progress'];

/** The item's open states: the list the API and the workflow take (domain/status.ts). */
export { OPEN_STATUSES, isOpenStatus as isOpen } from '../../../../domain/status';
