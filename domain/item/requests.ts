/**
 * The item's requests (the updates' inputs and answers), checked in two
 * steps before anything is recorded: check(kind, request) looks at the
 * request alone (structure and limits, domain/text.ts), and allowed(state,
 * kind, request) at the request against the item's state (the preconditions).
 * The workflow's update validators run both, and again under the lock; the
 * API's zod bodies take their limits from here.
 */
import { isOpen } from '../ladder';
import { TEXT_LIMITS, textProblem, type TextLimit } from '../text';
import { GRADES } from '../words';
import type { Grade, ItemState, PeriodState, PeriodStatus } from './state';

// ---- the updates' inputs and answers ----

export interface Actor {
  /** The person acting (user name), for the record. */
  actor: string;
  /** The department the person acts for, where the action is a department's. */
  department?: string;
  requestId?: string;
}

export interface AcknowledgeInput extends Actor {
  department: string;
}
export interface SubmitReportInput extends Actor {
  department: string;
  periodSeq: number;
  progress: string;
  percentDone: number;
  problems?: string;
  nextSteps?: string;
  attachments?: string[];
  /** Values of the item's indicators (coord-plan/v2) as of this report, by indicator name. */
  indicators?: IndicatorValue[];
}
export interface IndicatorValue {
  name: string;
  value: number;
}
export interface ReviewInput extends Actor {
  decision: 'accept' | 'return';
  comment?: string;
  /** Required when returning: the new due date of the reopened period. */
  newDueOn?: string;
}
export interface ExtensionRequestInput extends Actor {
  department: string;
  requestedDueOn: string;
  reason: string;
}
export interface ExtensionDecisionInput extends Actor {
  extensionId: string;
  approve: boolean;
  /** The approved due date; defaults to the requested one. */
  dueOn?: string;
  comment?: string;
}
export interface ReassignInput extends Actor {
  newLead: string;
  reason: string;
}
export interface InstructInput extends Actor {
  text: string;
  /** 落实反馈 is due this many working days after today (default FEEDBACK_WITHIN_WORKING_DAYS). */
  respondWithinWorkingDays?: number;
}
export interface FeedbackInput extends Actor {
  department: string;
  instructionKey: string;
  text: string;
}
export interface CompletionRequestInput extends Actor {
  department: string;
  summary: string;
}
export interface CompletionDecisionInput extends Actor {
  approve: boolean;
  grade?: Grade;
  comment?: string;
}
export interface CancelInput extends Actor {
  reason: string;
}
export interface CascadeInput extends Actor {
  /** The cities, each once; weight in the item's 序时进度 (default 1). */
  cities: { code: string; weight?: number }[];
}
export interface CascadeAnswer {
  started: string[];
  existing: string[];
}

export interface PeriodView {
  seq: number;
  status: PeriodStatus;
  originalDueOn: string;
  dueOn: string;
  extendedDueOn?: string;
}

// ---- the rules: each written once, for the workflow's validators and the API's zod bodies ----

/** The limits of a request's lists and numbers; the API's zod bodies take theirs from here. */
export const REQUEST_LIMITS = {
  /** A report's percentDone: a whole number in this range. */
  percent: { min: 0, max: 100 },
  /** A report's attachments: at most this many http(s) links, each at most `link` characters. */
  attachments: 20,
  link: 1000,
  /** A report's indicator values. */
  indicators: 50,
  /** A cascade's cities, and the largest weight a city's share may have. */
  cities: { min: 1, max: 50 },
  weight: 1000,
} as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const HTTP_LINK = new RegExp(`^https?://\\S{1,${REQUEST_LIMITS.link}}$`);

export function isPercent(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= REQUEST_LIMITS.percent.min && (value as number) <= REQUEST_LIMITS.percent.max;
}
export function isHttpLink(value: unknown): boolean {
  return typeof value === 'string' && HTTP_LINK.test(value);
}
/** A city's weight in its item's 序时进度: positive, finite, at most REQUEST_LIMITS.weight. */
export function isWeight(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= REQUEST_LIMITS.weight;
}

/** Each request by the name of the update that carries it. */
export interface ItemRequests {
  acknowledge: AcknowledgeInput;
  submitReport: SubmitReportInput;
  reviewReport: ReviewInput;
  requestExtension: ExtensionRequestInput;
  decideExtension: ExtensionDecisionInput;
  reassignLead: ReassignInput;
  instruct: InstructInput;
  fileFeedback: FeedbackInput;
  requestCompletion: CompletionRequestInput;
  decideCompletion: CompletionDecisionInput;
  cancel: CancelInput;
  cascade: CascadeInput;
}
export type RequestKind = keyof ItemRequests;

/** What the preconditions know of the run besides the state. */
export interface RequestContext {
  /** The run has the supervision loop (co-operating 签收, cascades). */
  loop: boolean;
  /** The item is a city's share of a cascaded item. */
  share: boolean;
}

/** A problem with the request, as the refusal's message; undefined when there is none. */
type Problem = string | undefined;
/**
 * One rule: either about the request alone, or about the request against the
 * state. A request's rules are listed in the order they are tried, so the
 * first problem found is the one a caller has always been told.
 */
type Rule<R> =
  | {
      on: 'request';
      test: (req: R) => Problem;
      /** The same rule with the state's own rules for each entry woven in, where refusal() tries both together. */
      withState?: (req: R, s: ItemState) => Problem;
    }
  | { on: 'state'; test: (req: R, s: ItemState, ctx: RequestContext) => Problem };

const request = <R>(test: (req: R) => Problem): Rule<R> => ({ on: 'request', test });
const state = <R>(test: (req: R, s: ItemState, ctx: RequestContext) => Problem): Rule<R> => ({ on: 'state', test });

function textIssue(value: unknown, field: string, limit: TextLimit): Problem {
  const problem = textProblem(value, TEXT_LIMITS[limit]);
  return problem ? `${field} ${problem}` : undefined;
}
function dateIssue(value: unknown, field: string): Problem {
  return typeof value !== 'string' || !DATE.test(value) ? `${field} must be a date as YYYY-MM-DD` : undefined;
}
/** The first problem of a list of checks, in order. */
function first(...checks: (() => Problem)[]): Problem {
  for (const c of checks) {
    const problem = c();
    if (problem) return problem;
  }
  return undefined;
}
function each<T>(list: T[], test: (x: T, i: number) => Problem): Problem {
  for (let i = 0; i < list.length; i++) {
    const problem = test(list[i] as T, i);
    if (problem) return problem;
  }
  return undefined;
}

const actor = request<Actor>((req) => textIssue(req?.actor, 'actor', 'name'));
const open = state<unknown>((_req, s) => (isOpen(s) ? undefined : `the item is ${s.status}`));
const reporting = state<unknown>((_req, s) => (s.status === 'acknowledged' || s.status === 'in_progress' ? undefined : `the item is ${s.status}, not in progress`));
const leadIssue = (department: string | undefined) => `department ${department ?? '(none)'} is not the lead department of this item`;
const byLead = state<{ department?: string }>((req, s) => (req.department === s.lead ? undefined : leadIssue(req.department)));
const hasPeriod = state<unknown>((_req, s) => (s.period ? undefined : 'there is no open reporting period'));
/** A rule on the open period: only tried after hasPeriod. */
const period = <R>(test: (req: R, p: PeriodState, s: ItemState) => Problem) => state<R>((req, s) => test(req, s.period as PeriodState, s));
const optionalText = <R>(field: keyof R & string, limit: TextLimit) =>
  request<R>((req) => (req[field] !== undefined ? textIssue(req[field], field, limit) : undefined));

/** A co-operating department's 签收 (runs with the supervision loop), rather than the lead's. */
export function cooperatingAck(s: ItemState, req: AcknowledgeInput, ctx: RequestContext): boolean {
  return ctx.loop && s.cooperating.includes(req.department);
}

function attachmentsIssue(attachments: unknown): Problem {
  if (attachments === undefined) return undefined;
  if (!Array.isArray(attachments) || attachments.length > REQUEST_LIMITS.attachments) return `attachments must be a list of at most ${REQUEST_LIMITS.attachments} links`;
  return each(attachments, (a, i) => (isHttpLink(a) ? undefined : `attachments[${i}] must be an http(s) link`));
}
function indicatorsIssue(indicators: unknown): Problem {
  if (indicators === undefined) return undefined;
  if (!Array.isArray(indicators) || indicators.length > REQUEST_LIMITS.indicators) return `indicators must be a list of at most ${REQUEST_LIMITS.indicators} values`;
  return each(indicators, (v: unknown, i) => {
    const { name, value } = (v ?? {}) as Partial<IndicatorValue>;
    return first(
      () => textIssue(name, `indicators[${i}].name`, 'name'),
      () => (typeof value !== 'number' || !Number.isFinite(value) ? `indicators[${i}].value must be a number` : undefined),
    );
  });
}
/** The cities' problems, entry by entry; given the state, also a city that is a party to the item already. */
function citiesIssue(cities: unknown, s?: ItemState): Problem {
  const { min, max } = REQUEST_LIMITS.cities;
  if (!Array.isArray(cities) || cities.length < min || cities.length > max) return `cities must list ${min} to ${max} cities`;
  const seen = new Set<string>();
  return each(cities as CascadeInput['cities'], (c, i) =>
    first(
      () => textIssue(c?.code, `cities[${i}].code`, 'name'),
      () => (seen.has(c.code) ? `cities[${i}].code ${c.code} is listed twice` : (seen.add(c.code), undefined)),
      () => (c.weight !== undefined && !isWeight(c.weight) ? `cities[${i}].weight must be a positive number` : undefined),
      () => (s ? partyIssue(c.code, i, s) : undefined),
    ),
  );
}

function partyIssue(code: string, i: number, s: ItemState): Problem {
  return code === s.lead || s.cooperating.includes(code) ? `cities[${i}].code ${code} is already a party to this item` : undefined;
}

const RULES: { [K in RequestKind]: Rule<ItemRequests[K]>[] } = {
  acknowledge: [
    actor,
    state((req, s, ctx) => {
      if (cooperatingAck(s, req, ctx)) {
        if (!isOpen(s)) return `the item is ${s.status}`;
        return s.coopAcks?.[req.department] !== undefined ? `department ${req.department} has already acknowledged this item` : undefined;
      }
      if (s.status !== 'assigned') return `the item is ${s.status}; only an assigned item is acknowledged`;
      return req.department === s.lead ? undefined : leadIssue(req.department);
    }),
  ],
  submitReport: [
    actor,
    reporting,
    hasPeriod,
    period((_req, p) => (p.status === 'accepted' || p.status === 'closed' ? `period ${p.seq} is ${p.status}` : undefined)),
    period((req, p) => (req.periodSeq !== p.seq ? `periodSeq ${req.periodSeq} is not the open period (${p.seq})` : undefined)),
    state((req, s) =>
      req.department !== s.lead && !s.cooperating.includes(req.department) ? `department ${req.department} is neither lead nor co-operating on this item` : undefined,
    ),
    request((req) => textIssue(req.progress, 'progress', 'long')),
    request((req) => (isPercent(req.percentDone) ? undefined : `percentDone must be a whole number from ${REQUEST_LIMITS.percent.min} to ${REQUEST_LIMITS.percent.max}`)),
    optionalText('problems', 'long'),
    optionalText('nextSteps', 'long'),
    request((req) => attachmentsIssue(req.attachments)),
    request((req) => indicatorsIssue(req.indicators)),
  ],
  reviewReport: [
    actor,
    hasPeriod,
    period((_req, p) => (p.status !== 'submitted' ? `period ${p.seq} has no report awaiting review (it is ${p.status})` : undefined)),
    request((req) => (req.decision !== 'accept' && req.decision !== 'return' ? 'decision must be accept or return' : undefined)),
    request((req) => (req.decision === 'return' ? dateIssue(req.newDueOn, 'newDueOn') : undefined)),
    optionalText('comment', 'comment'),
  ],
  requestExtension: [
    actor,
    reporting,
    byLead,
    hasPeriod,
    period((_req, p) => (p.status === 'accepted' ? `period ${p.seq} is already accepted` : undefined)),
    state((_req, s) => (s.pendingExtension ? 'an extension request is already waiting for a decision' : undefined)),
    request((req) => dateIssue(req.requestedDueOn, 'requestedDueOn')),
    period((req, p) => (req.requestedDueOn <= p.dueOn ? `requestedDueOn must be after the current due date ${p.dueOn}` : undefined)),
    request((req) => textIssue(req.reason, 'reason', 'comment')),
  ],
  decideExtension: [
    actor,
    state((_req, s) => (s.pendingExtension ? undefined : 'there is no extension request waiting for a decision')),
    state((req, s) => (req.extensionId !== s.pendingExtension?.extensionId ? `extensionId ${req.extensionId} is not the pending request` : undefined)),
    request((req) => (typeof req.approve !== 'boolean' ? 'approve must be true or false' : undefined)),
    request((req) => (req.dueOn !== undefined ? dateIssue(req.dueOn, 'dueOn') : undefined)),
    optionalText('comment', 'comment'),
  ],
  reassignLead: [
    actor,
    open,
    request((req) => textIssue(req.newLead, 'newLead', 'name')),
    state((req, s) => (req.newLead === s.lead ? `${req.newLead} is already the lead department` : undefined)),
    request((req) => textIssue(req.reason, 'reason', 'comment')),
  ],
  instruct: [actor, open, request((req) => textIssue(req.text, 'text', 'comment'))],
  fileFeedback: [
    actor,
    open,
    byLead,
    state((req, s) => (s.feedback?.some((f) => f.instructionKey === req.instructionKey) ? undefined : `instruction ${req.instructionKey} awaits no 落实反馈 on this item`)),
    request((req) => textIssue(req.text, 'text', 'long')),
  ],
  requestCompletion: [actor, reporting, byLead, request((req) => textIssue(req.summary, 'summary', 'long'))],
  decideCompletion: [
    actor,
    state((_req, s) => (s.status !== 'completion_requested' ? `the item is ${s.status}; there is no completion request to decide` : undefined)),
    request((req) => (typeof req.approve !== 'boolean' ? 'approve must be true or false' : undefined)),
    request((req) => (req.approve && !(GRADES as readonly unknown[]).includes(req.grade) ? `grade must be one of ${GRADES.join(', ')}` : undefined)),
    optionalText('comment', 'comment'),
  ],
  cancel: [actor, open, request((req) => textIssue(req.reason, 'reason', 'comment'))],
  cascade: [
    actor,
    state((_req, _s, ctx) => (ctx.loop ? undefined : 'this item was assigned before items could be cascaded to cities; reopen it to cascade')),
    state((_req, _s, ctx) => (ctx.share ? "a city's share is not cascaded further" : undefined)),
    open,
    { on: 'request', test: (req) => citiesIssue(req.cities), withState: (req, s) => citiesIssue(req.cities, s) },
    state((req, s) => each(req.cities, (c, i) => partyIssue(c.code, i, s))),
  ],
};

function run<K extends RequestKind>(kind: K, req: ItemRequests[K], on: Rule<unknown>['on'] | 'both', s?: ItemState, ctx?: RequestContext): Problem {
  const rules = RULES[kind] as Rule<ItemRequests[K]>[];
  for (const rule of rules) {
    if (on !== 'both' && rule.on !== on) continue;
    let problem: Problem;
    if (rule.on === 'state') problem = rule.test(req, s as ItemState, ctx as RequestContext);
    else problem = on === 'both' && rule.withState ? rule.withState(req, s as ItemState) : rule.test(req);
    if (problem) return problem;
  }
  return undefined;
}

/** What is wrong with the request by itself (its structure and limits), whatever the item's state. */
export function check<K extends RequestKind>(kind: K, req: ItemRequests[K]): Problem {
  return run(kind, req, 'request');
}

/** Why the item, as it is, cannot take the request (its preconditions); undefined when it can. */
export function allowed<K extends RequestKind>(s: ItemState, kind: K, req: ItemRequests[K], ctx: RequestContext): Problem {
  return run(kind, req, 'state', s, ctx);
}

/**
 * The refusal the workflow answers: both kinds of rule, in the order the
 * request's rules are listed, so a request with several problems is told the
 * same first one as always.
 */
export function refusal<K extends RequestKind>(s: ItemState, kind: K, req: ItemRequests[K], ctx: RequestContext): Problem {
  return run(kind, req, 'both', s, ctx);
}
