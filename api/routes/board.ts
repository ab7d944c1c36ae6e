import { z } from 'zod';
import { code } from '../../db/catalog/plan-schema';
import { boardSummary, openEscalations, scorecard } from '../../db/board';
import { listDigests } from '../../db/digests';
import { route } from '../route';
import { boardTally, digestBody, instant, day, openEscalation, scorecardRow, timelineEvent } from '../schemas';
import { loadItem, requireParty } from '../services/item-access';
import { timeline } from '../services/timeline';
import { ownDepartment } from './inbox';

const BOARD: ['secretariat', 'leadership'] = ['secretariat', 'leadership'];

export const boardRoutes = [
  route({
    method: 'get',
    path: '/board/escalations',
    operationId: 'listOpenEscalations',
    response: z.object({ escalations: z.array(openEscalation) }),
    tag: 'board',
    summary: 'List open escalations (催办, 督办, 上报领导小组)',
    access: BOARD,
    handler: async ({ deps }) => ({ escalations: await openEscalations(deps.db) }),
  }),
  route({
    method: 'get',
    path: '/board/summary',
    operationId: 'getBoardSummary',
    response: z.object({ generatedAt: instant, byAction: z.array(boardTally), byDepartment: z.array(boardTally) }),
    tag: 'board',
    summary: 'Summarize items by action and by lead department: status, colour, on-time rate, open escalations',
    access: BOARD,
    query: z.object({ plan: code.optional() }).strict(),
    handler: async ({ deps, query }) => boardSummary(deps.db, query.plan, deps.workingDayMs),
  }),
  route({
    method: 'get',
    path: '/scorecard',
    operationId: 'getScorecard',
    response: z.object({ departments: z.array(scorecardRow) }),
    tag: 'board',
    summary: "Score departments: accepted periods, on-time rate on both clocks, returns, escalations, extensions (a department sees its own row)",
    access: ['secretariat', 'leadership', 'department'],
    handler: async ({ deps, principal }) => {
      const own = principal.role === 'department' ? (await ownDepartment(deps.db, principal)).id : undefined;
      return { departments: await scorecard(deps.db, own) };
    },
  }),
  route({
    method: 'get',
    path: '/plans/:plan/items/:item/timeline',
    operationId: 'getItemTimeline',
    errors: { 404: 'No such item (or, to a department, not one of its items)' },
    response: z.object({ itemKey: z.string(), title: z.string(), events: z.array(timelineEvent) }),
    tag: 'board',
    summary: "Show an item's timeline: audited actions and escalations in time order",
    access: 'signed-in',
    params: z.object({ plan: code, item: code }).strict(),
    authorize: async ({ deps, principal, params }) => {
      const item = await loadItem(deps.db, params.plan, params.item, principal.department);
      requireParty(principal, item);
      return item;
    },
    handler: async ({ deps, resource: item }) => {
      return { itemKey: item.itemKey, title: item.title, events: await timeline(deps.db, item.itemKey) };
    },
  }),
  route({
    method: 'get',
    path: '/digests',
    operationId: 'listDigests',
    response: z.object({
      digests: z.array(
        z.object({
          key: z.string(),
          weekOf: day,
          generatedAt: instant,
          // A digest is stored as it was built: rows from earlier versions keep the format of their time.
          body: z.union([digestBody, z.record(z.string(), z.unknown()).meta({ description: 'A digest stored by an earlier version, in its own format' })]),
        }),
      ),
    }),
    tag: 'board',
    summary: 'List the stored weekly digests, newest first',
    access: BOARD,
    query: z.object({ limit: z.coerce.number().int().min(1).max(520).default(52) }).strict(),
    handler: async ({ deps, query }) => ({ digests: await listDigests(deps.db, query.limit) }),
  }),
];
