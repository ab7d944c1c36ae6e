import type { Client } from '@temporalio/client';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { formatPath } from '../db/catalog/plan-schema';
import type { Db } from '../db/connection';
import type { Logger } from '../platform/logger';
import { verifyToken, type Principal, type Role } from './auth/tokens';
import { HttpError, invalid } from './errors';

export interface ApiDeps {
  db: Db;
  client: Client;
  taskQueue: string;
  log: Logger;
  signingKey: Buffer;
  tokenTtlSeconds: number;
  /** The compressed clock of demos and tests, for colours (红黄绿灯) on the same timeline as the items. */
  workingDayMs?: number;
  /** How long a write waits for Temporal before answering 503 with Retry-After (UPDATE_WAIT_MS); default 10 s. */
  updateWaitMs?: number;
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

/**
 * One route, declared once: its access, its input schemas and its handler.
 * The same declaration mounts the route, validates its input (422 naming each
 * bad field) and describes it in the OpenAPI document, so the document lists
 * every route there is.
 */
export interface RouteSpec<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, R = unknown> {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  tag: string;
  summary: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** What a success answers: part of the contract, listed in the OpenAPI document (and so in the console's typed client). */
  response?: z.ZodType;
  status?: number;
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
  return verifyToken(deps.db, deps.signingKey, token);
}

export function mountRoutes(routes: RouteSpec[], deps: ApiDeps): Router {
  const router = express.Router();
  for (const spec of routes) {
    router[spec.method](spec.path, async (req, res) => {
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

/** The OpenAPI 3.1 document, built from the same declarations that mount the routes. */
export function openApiDocument(routes: RouteSpec[], base: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of routes) {
    const path = `${base}${spec.path}`.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters = [
      ...Object.entries((spec.params as z.ZodObject | undefined)?.shape ?? {}).map(([name, schema]) => ({
        name,
        in: 'path',
        required: true,
        schema: z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }),
      })),
      ...Object.entries((spec.query as z.ZodObject | undefined)?.shape ?? {}).map(([name, schema]) => ({
        name,
        in: 'query',
        required: !(schema as z.ZodType).safeParse(undefined).success,
        schema: z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }),
      })),
    ];
    paths[path] ??= {};
    paths[path][spec.method] = {
      tags: [spec.tag],
      summary: spec.summary,
      description: spec.access === 'public' ? 'Public.' : spec.access === 'signed-in' ? 'Any signed-in user.' : `Roles: ${spec.access.join(', ')}.`,
      ...(spec.access === 'public' ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(spec.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(spec.body, { io: 'input', unrepresentable: 'any' }) } } } }
        : {}),
      responses: {
        [String(spec.status ?? 200)]: {
          description: 'OK',
          ...(spec.response ? { content: { 'application/json': { schema: z.toJSONSchema(spec.response, { io: 'output', unrepresentable: 'any' }) } } } : {}),
        },
        default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: '山东省“互联网+”行动计划 coordination engine API', version: '1' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
      },
    },
    paths,
  };
}
