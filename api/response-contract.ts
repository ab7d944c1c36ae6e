import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Response } from 'express';
import type { Logger } from '../platform/logger';

export interface ContractProblem {
  path: string;
  message: string;
}

/** Problems of one answer against the document; none when it matches. */
export type ResponseCheck = (status: number, body: unknown) => ContractProblem[];

/** `#/a/b` pointer segments escape `~` and `/` (RFC 6901). */
const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

type OpenApiDocument = {
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, unknown> }> }>>;
  components: { responses: Record<string, { content?: Record<string, unknown> }> };
};

/**
 * Validates answers against the OpenAPI document itself, with a JSON Schema
 * validator (ajv, draft 2020-12 as in OpenAPI 3.1), so what is checked is what
 * clients read. Every operation's answers are compiled up front (a few hundred
 * ms): done lazily, the first answers of a test on a compressed clock would
 * come late.
 */
export function responseContract(document: Record<string, unknown>): (method: string, path: string, status: number, body: unknown) => ContractProblem[] {
  const doc = document as unknown as OpenApiDocument;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema(document, 'openapi');

  // One validator per schema: the error answers of every operation share theirs.
  const bySchema = new Map<string, ValidateFunction>();
  const validatorAt = (at: string): ValidateFunction => {
    let validate = bySchema.get(at);
    if (!validate) {
      validate = ajv.compile({ $ref: `openapi#${at}` });
      bySchema.set(at, validate);
    }
    return validate;
  };

  /** The validator of a JSON answer, or why no JSON answer is allowed. */
  const compile = (path: string, method: string, key: string): ValidateFunction | string => {
    const response = doc.paths[path]?.[method]?.responses[key] as { $ref?: string; content?: Record<string, unknown> };
    const at = response.$ref ? response.$ref.slice(1) : pointer('', 'paths', path, method, 'responses', key);
    const content = response.$ref ? doc.components.responses[response.$ref.split('/').pop() as string]?.content : response.content;
    const json = content?.['application/json'] as { schema: { $ref?: string } } | undefined;
    if (!json) return `${key} is documented as ${Object.keys(content ?? {}).join(', ') || 'no content'}, not JSON`;
    return validatorAt(json.schema.$ref?.slice(1) ?? `${at}${pointer('', 'content', 'application/json', 'schema')}`);
  };
  const validators = new Map<string, ValidateFunction | string>();
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      for (const key of Object.keys(operation.responses)) validators.set(`${method} ${path} ${key}`, compile(path, method, key));
    }
  }

  return (method, path, status, body) => {
    const validate = validators.get(`${method} ${path} ${status}`) ?? validators.get(`${method} ${path} default`) ?? `${method.toUpperCase()} ${path} is not in the document`;
    if (typeof validate === 'string') return [{ path: '', message: validate }];
    // What goes on the wire: Dates become ISO strings, undefined fields vanish.
    if (validate(JSON.parse(JSON.stringify(body) ?? 'null'))) return [];
    return (validate.errors ?? []).map((e) => ({ path: e.instancePath || '/', message: `${e.message ?? 'is invalid'}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}` }));
  };
}

/**
 * Puts the check in front of `res.json` for one request: an answer the
 * document does not describe becomes a 500 `response_contract`, logged, so
 * any test that looks at the status fails, whichever route or error it was.
 */
export function guardResponses(res: Response, check: ResponseCheck, log: Logger): void {
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    const problems = check(res.statusCode, body);
    if (!problems.length) return json(body);
    log.error({ status: res.statusCode, problems }, 'answer does not match the OpenAPI document');
    const message = `the ${res.statusCode} answer does not match the OpenAPI document`;
    res.status(500);
    return json({ error: { code: 'response_contract', message, details: problems } });
  };
}
