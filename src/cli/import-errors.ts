import { BosunClientError } from '../client/index.js';
import { BosunError } from '../shared/index.js';

/**
 * Failures that stop the whole import rather than one item: a server that cannot be reached or is overloaded
 * (after the client's retries), credentials refused, or a failure of the source database. Anything else
 * (a value the target refuses, a file the source cannot read or that is missing from the artifact root) is about
 * one item: it is reported as skipped, the item is not marked done, and the import goes on.
 */
export function isFatal(error: unknown): boolean {
  if (error instanceof BosunError) {
    // The artifact stores' errors (an `--from-db` import's files): a missing or refused file is about that file.
    return (
      error.code === 'TEMPORARILY_UNAVAILABLE' ||
      error.code === 'UNAUTHENTICATED' ||
      error.code === 'PERMISSION_DENIED'
    );
  }
  if (!(error instanceof BosunClientError)) return true;
  if (error.status === 0 || error.status === 401 || error.status === 403) return true;
  return error.status === 429 || error.status === 502 || error.status === 503 || error.status === 504;
}

/** The message of a failure, for the report. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The error with `context` in front of its message (a client error keeps its code and status). */
export function explain(error: unknown, context: string): Error {
  if (error instanceof BosunClientError) {
    return new BosunClientError(error.errorCode, error.status, `${context}: ${error.message}`);
  }
  return new Error(`${context}: ${messageOf(error)}`);
}
