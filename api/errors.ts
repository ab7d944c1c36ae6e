export interface FieldProblem {
  field: string;
  message: string;
}

/** An error the API answers with its own status; `details` names each bad field. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Response headers that go with the answer, e.g. Retry-After on 503. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function invalid(problems: FieldProblem[]): HttpError {
  return new HttpError(422, 'invalid_request', problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems);
}
