import type { Express } from 'express';
import fc from 'fast-check';
import request from 'supertest';
import type { z } from 'zod';
import { API_BASE, createApp } from '../api/app';
import { apiDeps } from './helpers/api-deps';
import { openApiDocument, type RouteSpec } from '../api/route';
import { apiRoutes } from '../api/routes';
import { assignItem } from '../api/services/assignments';
import type { Db } from '../db/connection';
import { createLogger } from '../platform/logger';
import * as d from '../workflows/definitions';
import { signInAll, USERS, WHO, type Who } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { eventually } from './helpers/wait';

/**
 * Never a 5xx: requests built from the OpenAPI document, every route and
 * method, with wrong types, missing and extra fields, odd numbers and Unicode,
 * broken escapes, out-of-range dates and every role's token. Every write is
 * refused by construction (a role that may not, or input its schema refuses),
 * so none reaches Temporal, and the main tables' row counts must not move.
 * The seed is printed; FUZZ_SEED=<seed> replays a run.
 */
const out = createLogger({ level: 'info', pretty: 'false', name: 'fuzz' });
const PLAN = 'sd-internet-plus-2016-2018';
const RUNS_PER_OPERATION = 30;
const TABLES = ['audit_events', 'assignments', 'reports', 'users', 'sessions', 'calendar_days', 'extension_requests', 'instructions', 'idempotency_keys', 'notifications'];

type Caller = Who | 'forged' | 'malformed';
type JsonSchema = Record<string, unknown>;
interface Operation {
  spec: RouteSpec;
  method: RouteSpec['method'];
  path: string;
  parameters: { name: string; in: 'path' | 'query'; required: boolean; schema: JsonSchema }[];
  body?: JsonSchema;
}
interface FuzzRequest {
  caller: Caller;
  /** Raw path segments, already escaped (or deliberately badly escaped). */
  params: Record<string, string>;
  query: [string, string][];
  body: { kind: 'json'; value: unknown } | { kind: 'raw'; type: string; text: string } | { kind: 'none' };
}

const weirdStrings = [
  '', ' ', '\u0000', 'a\u0000b', '\uFFFF', '\uD800', '\u202Eevil', '\u200B', '😀'.repeat(40), '𠀀𠀁', 'Ａ０１－１', 'A01-1\n', '٢٠١٦-٠١-٠١',
  "'; drop table items; --", '<script>alert(1)</script>', '../../etc/passwd', 'x'.repeat(70), 'x'.repeat(6000), '%', '%E0%A4%A', 'null', 'true', '[]', '{}',
  '0000-01-01', '9999-12-31', '2016-02-30', '2016-13-01', '1999-12-31', '2101-01-01', '+02016-01-01', '2016-1-1', '-000001-01-01', '2016-03-28T00:00:00Z',
];
const weirdNumbers = [-1, 0, -0, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 2 ** 31, 4294967296, 1e-320, 366, 367, -367, 1000, 1001];
const weirdNumberTexts = ['-1', '0', '1.5', '1e400', '99999999999999999999', 'NaN', 'Infinity', '0x10', '1_000', ' 1', '+1', '१२', '2016', '1989', '2101'];
const badSegments = ['%E0%A4%A', '%', '%zz', '%C0%AF', '%00', '%FF%FE', '%ED%A0%80', '%25', '%2F', '%E2%80%AE', '%F0%9F%98%80', 'A01-1%00', '-1', '0', '99999999999999999999', '1e400', 'NaN', '0x10'];

const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...weirdStrings),
  fc.constantFrom(...weirdNumbers),
  fc.constantFrom(null, true, false, [], {}, [null], { $gt: '' }, { __proto__: { admin: true } }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.double(),
  fc.integer(),
);

/** A value that fits the schema, or nearly (so the handler's own checks are reached too). */
function fitting(schema: JsonSchema | undefined, name = ''): fc.Arbitrary<unknown> {
  if (!schema) return weirdValue;
  if (Array.isArray(schema.anyOf)) return fc.oneof(...(schema.anyOf as JsonSchema[]).map((s) => fitting(s, name)));
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  switch (schema.type) {
    case 'string': {
      if (String(schema.pattern ?? '').includes('\\d{4}')) return fc.constantFrom('2016-03-28', '2016-06-30', '2017-01-03', '0000-01-01', '9999-12-31', '2016-02-30');
      if (name === 'plan') return fc.constant(PLAN);
      if (/item/i.test(name)) return fc.constantFrom('A01-1', 'A01-2');
      if (/lead|code|department|cooperating/i.test(name)) return fc.constantFrom('eic', 'sti', 'agri', 'finance');
      if (schema.format === 'uri') return fc.constantFrom('https://hooks.example/x', 'http://127.0.0.1/x');
      if (schema.format === 'email') return fc.constant('a@example.gov.cn');
      return fc.constantFrom('进展顺利', 'x'.repeat(Number(schema.minLength ?? 1)), 'ok ok ok ok ok ok ok');
    }
    case 'integer':
    case 'number': {
      const min = Number(schema.minimum ?? (schema.exclusiveMinimum !== undefined ? Number(schema.exclusiveMinimum) + 1 : 0));
      const max = Math.min(Number(schema.maximum ?? min + 100), min + 1000);
      return fc.integer({ min, max });
    }
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(fitting(schema.items as JsonSchema, name), { maxLength: 3 });
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((schema.required ?? []) as string[]);
      const entries = Object.entries(props).map(([k, s]) => [k, required.has(k) ? fitting(s, k) : fc.option(fitting(s, k), { nil: undefined })] as const);
      return fc.record(Object.fromEntries(entries)).map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
    }
    default:
      return weirdValue;
  }
}

/** Fitting, then broken: a field dropped, added or given a wrong value; or not an object at all. */
function body(schema: JsonSchema): fc.Arbitrary<FuzzRequest['body']> {
  const keys = Object.keys((schema.properties ?? {}) as object);
  const json = fc.oneof(
    fitting(schema),
    fc.tuple(fitting(schema), fc.constantFrom(...(keys.length ? keys : ['x']))).map(([o, k]) => {
      const copy = { ...(o as object) } as Record<string, unknown>;
      delete copy[k];
      return copy;
    }),
    fc.tuple(fitting(schema), fc.constantFrom('extra', '__proto__', 'constructor', 'id', 'role', '字段'), weirdValue).map(([o, k, v]) => ({ ...(o as object), [k]: v })),
    fc.tuple(fitting(schema), fc.constantFrom(...(keys.length ? keys : ['x'])), weirdValue).map(([o, k, v]) => ({ ...(o as object), [k]: v })),
    weirdValue,
  );
  return fc.oneof(
    { weight: 8, arbitrary: json.map((value) => ({ kind: 'json' as const, value })) },
    { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', '[1,]', '\u0000', '{"periodSeq": 1e999}', '"\\ud800"').map((text) => ({ kind: 'raw' as const, type: 'application/json', text })) },
    { weight: 1, arbitrary: fc.constantFrom('lead=eic', '<x/>', '').map((text) => ({ kind: 'raw' as const, type: 'text/plain', text })) },
  );
}

function paramValue(name: string, schema: JsonSchema): fc.Arbitrary<string> {
  const good: Record<string, string[]> = { plan: [PLAN], item: ['A01-1', 'A01-2', 'Z99-9'], year: ['2016', '2027'], code: ['finance', 'eic'], id: ['1', '2'] };
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...(good[name] ?? ['x'])) },
    { weight: 2, arbitrary: fc.constantFrom(...badSegments) },
    { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...weirdStrings.filter((s) => s !== '')), fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), fitting(schema, name).map(String)).map(encode) },
  );
}

function queryValue(name: string, schema: JsonSchema): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fitting(schema, name).map(String) },
    { weight: 1, arbitrary: fc.constantFrom(...weirdStrings, ...weirdNumberTexts) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  );
}

function allowed(spec: RouteSpec): Caller[] {
  const signedIn = WHO.filter((w): w is Exclude<Who, 'anonymous'> => w !== 'anonymous');
  if (spec.access === 'public') return WHO;
  if (spec.access === 'signed-in') return signedIn;
  const roles = spec.access;
  return signedIn.filter((w) => roles.includes(USERS[w].role));
}

function requests(op: Operation): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const query = fc
    .tuple(
      // Each parameter mostly absent, so that one odd value is often the only thing wrong.
      ...queryParams.map((p) =>
        fc.oneof(
          { weight: 2, arbitrary: fc.constant([] as [string, string][]) },
          { weight: 1, arbitrary: fc.array(queryValue(p.name, p.schema), { minLength: 1, maxLength: 2 }).map((vs) => vs.map((v) => [p.name, v] as [string, string])) },
        ),
      ),
      fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom('extra', 'page[size]', '__proto__', 'plan', '%E0%A4%A'), queryValue('', {})) },
      ),
    )
    .map((parts) => {
      const extra = parts.pop() as [string, string] | undefined;
      return [...(parts as [string, string][][]).flat(), ...(extra ? [extra] : [])];
    });
  return fc.record({
    // Mostly callers the route lets in, so the input is looked at; now and then no, a forged or a malformed token.
    caller: fc.oneof({ weight: 4, arbitrary: fc.constantFrom<Caller>(...allowed(op.spec)) }, { weight: 1, arbitrary: fc.constantFrom<Caller>(...WHO, 'forged', 'malformed') }),
    params: fc.record(Object.fromEntries(pathParams.map((p) => [p.name, paramValue(p.name, p.schema)]))) as fc.Arbitrary<Record<string, string>>,
    query,
    body: op.body ? body(op.body) : fc.constant({ kind: 'none' as const }),
  });
}

/** encodeURIComponent, except that a lone surrogate (which it throws on) goes as the bytes WTF-8 would give it. */
const encode = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return s.replace(/[\uD800-\uDFFF]/g, (c) => `%ED%${((0xa0 | ((c.charCodeAt(0) >> 6) & 0x1f)) & 0xff).toString(16).toUpperCase()}%${(0x80 | (c.charCodeAt(0) & 0x3f)).toString(16).toUpperCase()}`).replace(/[^%A-Za-z0-9]/g, (c) => encodeURIComponent(c));
  }
};

const decode = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

/** Whether the app refuses the request before its handler runs: no token, a role that may not, or input its schemas refuse. */
function refusedBeforeHandler(spec: RouteSpec, r: FuzzRequest): boolean {
  if (r.body.kind === 'raw' && r.body.type === 'application/json') {
    try {
      JSON.parse(r.body.text);
    } catch {
      return true;
    }
  }
  if (spec.access !== 'public') {
    if (r.caller === 'anonymous' || r.caller === 'forged' || r.caller === 'malformed') return true;
    if (spec.access !== 'signed-in' && !spec.access.includes(USERS[r.caller].role)) return true;
  }
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.params)) {
    const decoded = decode(v);
    if (decoded === undefined) return true;
    params[k] = decoded;
  }
  if (spec.params && !(spec.params as z.ZodType).safeParse(params).success) return true;
  const value = r.body.kind === 'json' ? r.body.value : r.body.kind === 'raw' && r.body.type === 'application/json' ? JSON.parse(r.body.text) : undefined;
  if (spec.body && !(spec.body as z.ZodType).safeParse(value ?? {}).success) return true;
  return false;
}

/** A write the app would act on becomes one it refuses: anonymous, or (on a public route) with a field its schema refuses. */
function refused(spec: RouteSpec, r: FuzzRequest): FuzzRequest {
  if (spec.method === 'get' || refusedBeforeHandler(spec, r)) return r;
  if (spec.access !== 'public') return { ...r, caller: 'anonymous' };
  const value = r.body.kind === 'json' && typeof r.body.value === 'object' && r.body.value !== null && !Array.isArray(r.body.value) ? r.body.value : {};
  return { ...r, body: { kind: 'json', value: { ...value, fuzz: 1 } } };
}

describe('fuzz: never a 5xx', () => {
  let db: Db;
  let t: TemporalHarness;
  let app: Express;
  let tokens: Partial<Record<Who, string>>;

  const counts = async (): Promise<string> => {
    const { rows } = (await db.raw(`select ${TABLES.map((table) => `(select count(*) from ${table}) as ${table}`).join(', ')}`)) as { rows: Record<string, string>[] };
    return JSON.stringify(rows[0]);
  };

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('fuzz'));
    t = await temporalHarness(db, 'fuzz', { workingDayMs: 60_000 });
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db, { client: t.client, taskQueue: t.taskQueue }) });
    tokens = await signInAll(app, db);
    await assignItem({ client: t.client, db, taskQueue: t.taskQueue, actor: 'sec1', workingDayMs: 60_000 }, { planCode: PLAN, itemCode: 'A01-1', lead: 'eic', cooperating: ['sti'], startDate: '2016-03-28', finalDeadline: '2016-06-30' });
    await eventually(() => db('assignments').where({ workflow_id: d.itemWorkflowId(PLAN, 'A01-1') }).first(), (a) => a !== undefined, 10_000, 'assignment row');
  });
  afterAll(async () => {
    await t?.client.workflow.getHandle(d.itemWorkflowId(PLAN, 'A01-1')).terminate('test over').catch(() => undefined);
    await t?.close();
    await db?.destroy();
  });

  test('requests built from the OpenAPI document: no 5xx, and a refused write writes nothing', async () => {
    const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
    out.info({ seed }, 'fuzz seed (replay with FUZZ_SEED)');
    const document = openApiDocument(apiRoutes, API_BASE) as { paths: Record<string, Record<string, Omit<Operation, 'spec' | 'method' | 'path'> & { requestBody?: { content: Record<string, { schema: JsonSchema }> }; parameters?: Operation['parameters'] }>> };
    const operations: Operation[] = apiRoutes.map((spec) => {
      const op = document.paths[`${API_BASE}${spec.path}`.replace(/:([A-Za-z]+)/g, '{$1}')]?.[spec.method];
      if (!op) throw new Error(`${spec.method} ${spec.path} is not in the document`);
      return { spec, method: spec.method, path: spec.path, parameters: op.parameters ?? [], body: op.requestBody?.content['application/json']?.schema };
    });
    expect(operations).toHaveLength(apiRoutes.length);

    let sent = 0;
    const statuses: Record<number, number> = {};
    const failures: string[] = [];
    for (const [index, op] of operations.entries()) {
      await fc.assert(
        fc.asyncProperty(requests(op), async (generated) => {
          const r = refused(op.spec, generated);
          const path = `${API_BASE}${op.path}`.replace(/:([A-Za-z]+)/g, (_m, name: string) => r.params[name] ?? '');
          const search = r.query.map(([k, v]) => `${k.startsWith('%') ? k : encode(k)}=${encode(v)}`).join('&');
          const before = op.method === 'get' ? '' : await counts();
          let req = request(app)[op.method](search ? `${path}?${search}` : path);
          if (r.caller === 'forged') req = req.set('authorization', 'Bearer eyJhbGciOiJub25lIn0.e30.x');
          else if (r.caller === 'malformed') req = req.set('authorization', 'Bearer');
          else if (r.caller !== 'anonymous') req = req.set('authorization', `Bearer ${tokens[r.caller]}`);
          const res = r.body.kind === 'json' ? await req.set('content-type', 'application/json').send(JSON.stringify(r.body.value) ?? 'null') : r.body.kind === 'raw' ? await req.set('content-type', r.body.type).send(r.body.text) : await req;
          sent += 1;
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          const shown = `${op.method.toUpperCase()} ${path}${search ? `?${search}` : ''} as ${r.caller} body ${JSON.stringify(r.body).slice(0, 300)}`;
          if (res.status >= 500) failures.push(`${shown}: ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`);
          if (op.method !== 'get') {
            if (res.status < 400 || res.status >= 500) failures.push(`${shown}: a write meant to be refused answered ${res.status}`);
            else if ((await counts()) !== before) failures.push(`${shown}: refused with ${res.status} but row counts moved`);
          }
        }),
        { seed: seed + index, numRuns: RUNS_PER_OPERATION + 10 * op.parameters.length },
      );
    }
    out.info({ seed, requests: sent, operations: operations.length, statuses }, 'fuzz done');
    expect(failures.slice(0, 40)).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(1000);
  });
});
