import { ApplicationFailure } from '@temporalio/activity';

/**
 * SQLSTATE classes that no retry can fix: 22 (data exception: a NUL in text, a
 * value out of range, a bad date) and 23 (integrity constraint violation: a
 * duplicate key, a missing reference). The same input fails the same way on
 * every attempt. Everything else (08 connection lost, 57P01 the server
 * restarting, 40001 a serialization failure, ECONNREFUSED) may pass next time.
 */
const PERMANENT_SQLSTATE = /^2[23][0-9A-Z]{3}$/;

interface PgError extends Error {
  code: string;
  table?: string;
  column?: string;
  constraint?: string;
}

export function isPermanentDatabaseError(err: unknown): err is PgError {
  return err instanceof Error && !(err instanceof ApplicationFailure) && typeof (err as Partial<PgError>).code === 'string' && PERMANENT_SQLSTATE.test((err as PgError).code);
}

/**
 * PostgreSQL's own message. knex puts the statement, with its values, in front
 * ("insert into ... - <message>"); the values are the caller's data and do not
 * belong in a failure that is kept in the workflow history and shown by the API.
 */
function databaseMessage(err: PgError): string {
  const at = err.message.lastIndexOf(' - ');
  return at >= 0 ? err.message.slice(at + 3) : err.message;
}

/** A failure that cannot succeed on retry fails the activity at once; any other error is left as it is. */
export function asNonRetryable(err: unknown): unknown {
  if (!isPermanentDatabaseError(err)) return err;
  return ApplicationFailure.create({
    message: databaseMessage(err),
    type: 'InvalidData',
    nonRetryable: true,
    details: [{ sqlstate: err.code, table: err.table, column: err.column, constraint: err.constraint }],
  });
}

type Activity = (...args: never[]) => Promise<unknown>;

/**
 * Wraps every activity so that a PostgreSQL data or integrity error becomes a
 * non-retryable `InvalidData` failure instead of being retried forever (the
 * default retry policy has no attempt limit). ApplicationFailures the
 * activities throw themselves, and transient errors, pass through unchanged.
 */
export function failFastOnBadData<T extends Record<string, Activity>>(activities: T): T {
  const wrapped: Record<string, Activity> = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await activity(...args);
      } catch (err) {
        throw asNonRetryable(err);
      }
    };
  }
  return wrapped as T;
}
