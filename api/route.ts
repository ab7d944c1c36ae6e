import type { Client } from '@temporalio/client';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { formatPath } from '../db/catalog/plan-schema';
import type { Db } from '../db/connection';
import type { Logger } from '../platform/logger';
import type { SecretBox } from '../platform/secrets';
import type { Keyring } from './auth/signing-keys';
import { verifyToken, type Principal, type Role } from './auth/tokens';
import { HttpError, invalid } from './errors';
import { guardResponses, responseContract } from './response-contract';
import { errorResponse } from './schemas';

export interface ApiDeps {
  db: Db;
  client: Client;
  taskQueue: string;
  log: Logger;
  /** The token signing keys (signing-keys.ts): the newest signs, recently retired ones still verify. */
  keyring: Keyring;
  tokenTtlSeconds: number;
  /** The compressed clock of demos and tests, for colours (红黄绿灯) on the same timeline as the items. */
  workingDayMs?: number;
  /** How long a write waits for Temporal before answering 503 with Retry-After (UPDATE_WAIT_MS); default 10 s. */
  updateWaitMs?: number;
  /** WEBHOOK_ALLOW_PRIVATE: webhook URLs on loopback and private addresses may be saved; default from the environment. */
  allowPrivateWebhooks?: boolean;
  /**
   * Checks every JSON answer against the OpenAPI document and answers 500
   * `response_contract` where it does not match, so a test cannot pass on an
   * answer the document does not describe. Default: COORD_CHECK_RESPONSES=1
   * (set for every jest run by test/setup/check-responses.ts).
   */
  checkResponses?: boolean;
  /** Seals the secrets the API stores (webhook secrets; platform/secrets.ts), with SECRETS_KEY. */
  secrets: SecretBox;
}

export interface RouteContext<P, Q, B, R = unknown> {
  req: Request;
  res: Response;
  deps: ApiDeps;
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  /** What `authorize` found (the item the path names), so the handler need not look it up again. */
  resource: R;
  requestId: string;
}

type Access = Role[] | 'public' | 'signed-in';

/** The document's tags, each with what it groups. */
export const TAGS = {
  auth: 'Sign-in and sessions',
  admin: 'Users, departments and their channels',
  catalog: 'The plan catalog: plans, key actions, safeguard measures, items',
  assignment: 'Assigning items and reopening them (交办, 重新交办)',
  'item actions': 'The item workflow: 签收, reports, review, extensions, reassignment, 批示, 办结, 撤销',
  calendar: 'The working-day calendar',
  inbox: "A department's inbox",
  board: 'Boards, scorecard, timelines, digests and the ledger (台账)',
  notices: 'Supervision notices (督办单): numbered, printable as PDF',
} as const;

/** A success that is a file, not JSON (the Excel ledger). */
export interface BinaryResponse {
  mediaType: string;
}

export const binary = (mediaType: string): BinaryResponse => ({ mediaType });

/**
 * One route, declared once: its access, its input schemas and its handler.
 * The same declaration mounts the route, validates its input (422 naming each
 * bad field) and describes it in the OpenAPI document, so the document lists
 * every route there is.
 */
export interface RouteSpec<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, R = unknown> {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  /** The OpenAPI operationId (camelCase, unique): the name clients call the operation by. Default: from the method and path. */
  operationId?: string;
  tag: keyof typeof TAGS;
  summary: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * What a success answers: part of the contract, listed in the OpenAPI document
   * (and so in the console's typed client), and checked against every answer in tests.
   */
  response: z.ZodType | BinaryResponse;
  status?: number;
  /** Errors this route answers beyond those its declaration implies (401, 403, 422), with what each means. */
  errors?: Record<number, string>;
  /** Checks access to the resource the path names (a department's own items) before the body is looked at. */
  authorize?(ctx: { deps: ApiDeps; principal: Principal; params: z.output<P> }): Promise<R>;
  /** Produces the JSON answer; a handler that writes the response itself returns undefined. */
  handler(ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>, R>): Promise<unknown>;
}

export function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R = undefined>(spec: RouteSpec<P, Q, B, R>): RouteSpec {
  return spec as unknown as RouteSpec;
}

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.output<T> {
  if (!schema) return value as z.output<T>;
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw invalid(result.error.issues.map((i) => ({ field: where === 'body' ? formatPath(i.path) : `${where}.${formatPath(i.path)}`, message: i.message })));
}

async function authenticate(req: Request, deps: ApiDeps): Promise<Principal | undefined> {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const [scheme, token] = header.split(' ');
  if (scheme !== 'Bearer' || !token) return undefined;
  return verifyToken(deps.db, deps.keyring, token);
}

export function mountRoutes(routes: RouteSpec[], deps: ApiDeps): Router {
  const router = express.Router();
  const check = (deps.checkResponses ?? process.env.COORD_CHECK_RESPONSES === '1') ? responseContract(openApiDocument(routes, '')) : undefined;
  for (const spec of routes) {
    router[spec.method](spec.path, async (req, res) => {
      // Before anything can answer, so errors are checked as well as successes.
      if (check) guardResponses(res, (status, body) => check(spec.method, documentPath(spec, ''), status, body), deps.log.child({ operationId: operationIdOf(spec) }));
      let principal = await authenticate(req, deps);
      if (spec.access !== 'public') {
        if (!principal) throw new HttpError(401, 'unauthenticated', 'sign in first: Authorization: Bearer <token>');
        if (spec.access !== 'signed-in' && !spec.access.includes(principal.role)) {
          throw new HttpError(403, 'forbidden', `${principal.role} users may not ${spec.summary.toLowerCase()}`);
        }
      }
      principal ??= { userId: 0, username: 'anonymous', role: 'leadership', sessionId: '' };
      const params = parse(spec.params, req.params, 'params');
      const resource = spec.authorize ? await spec.authorize({ deps, principal, params }) : undefined;
      const ctx = {
        req,
        res,
        deps,
        principal,
        params,
        query: parse(spec.query, req.query, 'query'),
        body: parse(spec.body, req.body, 'body'),
        resource,
        requestId: String(req.id),
      };
      const answer = await spec.handler(ctx);
      if (answer !== undefined && !res.headersSent) res.status(spec.status ?? 200).json(answer);
    });
  }
  return router;
}

/** A zod schema as JSON Schema for the document (its dialect is the document's own, 2020-12). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const converted: Record<string, unknown> = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  delete converted.$schema;
  return converted;
}

const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };

/** The error answers every route has by its declaration, shared in components.responses. */
const COMMON_ERRORS = {
  Unauthenticated: { status: 401, description: 'Not signed in, or the token expired or was revoked' },
  Forbidden: { status: 403, description: "The user's role may not do this" },
  Invalid: { status: 422, description: 'Invalid input: `details` names each bad field' },
} as const;

function successResponse(spec: RouteSpec): Record<string, unknown> {
  if (!(spec.response instanceof z.ZodType)) {
    return { description: 'OK', content: { [spec.response.mediaType]: { schema: { type: 'string', contentMediaType: spec.response.mediaType } } } };
  }
  return { description: 'OK', content: { 'application/json': { schema: jsonSchema(spec.response, 'output') } } };
}

/** The success, the errors the declaration implies, the route's own errors, and any other error (default). */
function responsesOf(spec: RouteSpec): Record<string, unknown> {
  const implied: (keyof typeof COMMON_ERRORS)[] = [
    ...(spec.access === 'public' ? [] : ['Unauthenticated' as const]),
    ...(Array.isArray(spec.access) ? ['Forbidden' as const] : []),
    ...(spec.params || spec.query || spec.body ? ['Invalid' as const] : []),
  ];
  return {
    [String(spec.status ?? 200)]: successResponse(spec),
    ...Object.fromEntries(implied.map((name) => [String(COMMON_ERRORS[name].status), { $ref: `#/components/responses/${name}` }])),
    ...Object.fromEntries(Object.entries(spec.errors ?? {}).map(([status, description]) => [status, { description, content: errorContent }])),
    default: { description: 'Any other error (e.g. 409 conflict, 503 busy with Retry-After)', content: errorContent },
  };
}

/** The declared operationId, or one made from the method and path: `get /board/on-time` is `getBoardOnTime`. */
export function operationIdOf(spec: RouteSpec): string {
  if (spec.operationId) return spec.operationId;
  const words = spec.path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return spec.method + words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join('');
}

/** The path as the document writes it: express `:param` becomes `{param}`. */
export function documentPath(spec: RouteSpec, base: string): string {
  return `${base}${spec.path}`.replace(/:([A-Za-z]+)/g, '{$1}');
}

/** The OpenAPI 3.1 document, built from the same declarations that mount the routes. */
export function openApiDocument(routes: RouteSpec[], base: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const operationIds = new Set<string>();
  for (const spec of routes) {
    const operationId = operationIdOf(spec);
    if (operationIds.has(operationId)) throw new Error(`operationId ${operationId} is declared twice`);
    operationIds.add(operationId);
    const path = documentPath(spec, base);
    const parameters = [
      ...Object.entries((spec.params as z.ZodObject | undefined)?.shape ?? {}).map(([name, schema]) => ({
        name,
        in: 'path',
        required: true,
        schema: jsonSchema(schema as z.ZodType, 'input'),
      })),
      ...Object.entries((spec.query as z.ZodObject | undefined)?.shape ?? {}).map(([name, schema]) => ({
        name,
        in: 'query',
        required: !(schema as z.ZodType).safeParse(undefined).success,
        schema: jsonSchema(schema as z.ZodType, 'input'),
      })),
    ];
    paths[path] ??= {};
    paths[path][spec.method] = {
      operationId,
      tags: [spec.tag],
      summary: spec.summary,
      description: spec.access === 'public' ? 'Public.' : spec.access === 'signed-in' ? 'Any signed-in user.' : `Roles: ${spec.access.join(', ')}.`,
      ...(spec.access === 'public' ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } } } : {}),
      responses: responsesOf(spec),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: '山东省“互联网+”行动计划 coordination engine API',
      version: '1',
      description: 'The coordination engine of the leading group secretariat: plan catalog, assignments, the item workflow, boards and inboxes.',
      license: { name: 'UNLICENSED (private)', identifier: 'LicenseRef-UNLICENSED' },
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: jsonSchema(errorResponse, 'output') },
      responses: Object.fromEntries(Object.entries(COMMON_ERRORS).map(([name, e]) => [name, { description: e.description, content: errorContent }])),
    },
    paths,
  };
}
