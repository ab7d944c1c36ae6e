import type { paths } from './schema';

/**
 * The console's types of the API's answers and bodies, taken from the
 * generated OpenAPI types (schema.d.ts): a page never writes an API shape by
 * hand, so a change to a route's schema shows up here at compile time.
 */
type Ok<Op> = Op extends { responses: infer R }
  ? R extends { 200: { content: { 'application/json': infer J } } }
    ? J
    : R extends { 201: { content: { 'application/json': infer J } } }
      ? J
      : never
  : never;

/** The JSON a route answers on success (200 or 201). */
export type Answer<P extends keyof paths, M extends keyof paths[P]> = Ok<paths[P][M]>;

/** The JSON body a route takes. */
export type Body<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

/** The query parameters a route takes. */
export type Query<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
