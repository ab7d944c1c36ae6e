import { z } from 'zod';
import { RUNG_LABELS, type RungKey } from '../../workflows/definitions';
import { code } from '../../db/catalog/plan-schema';
import type { Db } from '../../db/connection';
import { boardSummary, openEscalations, scorecard } from '../../db/board';
import { listDigests } from '../../db/digests';
import { departmentNames, itemAudits, itemEscalations } from '../../db/timeline';
import { route } from '../route';
import { boardTally, digestBody, instant, day, openEscalation, scorecardRow, timelineEvent } from '../schemas';
import { loadItem, requireParty } from '../services/item-access';
import { ownDepartment } from './inbox';

const BOARD: ['secretariat', 'leadership'] = ['secretariat', 'leadership'];

interface TimelineEvent {
  at: Date;
  actor: string;
  kind: string;
  text: string;
}

type Payload = Record<string, unknown> & { receipt?: { periodSeq?: number; kind?: string; department?: string; version?: number } };

/** The Chinese line for one audited action; department codes are shown by their short names. */
function auditText(action: string, p: Payload, name: (code: unknown) => string): string {
  const r = p.receipt;
  switch (action) {
    case 'item.assign': {
      const coop = Array.isArray(p.cooperating) && p.cooperating.length ? `,配合单位${p.cooperating.map(name).join('、')}` : '';
      return `交办,牵头单位${name(p.lead)}${coop}`;
    }
    case 'item.acknowledge':
      return '签收';
    case 'item.report':
      return r?.kind === 'input' ? `${name(r.department)}报送第${r.periodSeq}期配合材料` : `报送第${r?.periodSeq}期进展${r?.version && r.version > 1 ? `(第${r.version}版)` : ''}`;
    case 'item.review.accept':
      return `第${p.periodSeq}期进展审核通过`;
    case 'item.review.return':
      return `第${p.periodSeq}期进展退回${p.newDueOn ? `,${p.newDueOn}前重报` : ''}`;
    case 'item.extension.request':
      return `申请延期至${p.requestedDueOn}`;
    case 'item.extension.decide':
      return p.approve ? `同意延期至${p.dueOn}` : '不同意延期';
    case 'item.reassign':
      return `牵头单位由${name(p.from)}调整为${name(p.to)}`;
    case 'item.instruct':
      return `领导批示:${p.text}`;
    case 'item.completion.request':
      return '申请办结';
    case 'item.completion.decide':
      return p.approve ? `同意办结${p.grade ? `(评定${p.grade})` : ''}` : '不同意办结';
    case 'item.cancel':
      return `撤销:${p.reason}`;
    case 'item.blocked':
      return `暂停:${p.reason}`;
    default:
      return action;
  }
}

/** Audit events and escalations of one item, oldest first. Escalations come from their own table (with when they were lifted), so their audit rows are skipped. */
async function timeline(db: Db, itemKey: string): Promise<TimelineEvent[]> {
  const names = await departmentNames(db);
  const name = (c: unknown) => names.get(String(c)) ?? String(c);
  const audits = await itemAudits(db, itemKey);
  const escalations = await itemEscalations(db, itemKey);
  const events: TimelineEvent[] = audits.map((a) => ({ at: a.at, actor: a.actor, kind: a.action.replace(/^item\./, ''), text: auditText(a.action, a.payload as Payload, name) }));
  for (const e of escalations) {
    const label = RUNG_LABELS[e.rung as RungKey] ?? e.rung;
    const what = e.subject === 'acknowledgement' ? '逾期未签收' : `第${e.period_seq}期进展逾期未报`;
    events.push({ at: e.fired_at, actor: 'system', kind: 'escalation', text: `${label}:${what}` });
    if (e.resolved_at) events.push({ at: e.resolved_at, actor: 'system', kind: 'escalation.resolved', text: `解除${label}` });
  }
  // A stable sort keeps the audit order of events recorded in the same instant.
  return events.sort((a, b) => a.at.getTime() - b.at.getTime());
}

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
