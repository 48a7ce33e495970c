import {
  AlreadyExistsError,
  BosunError,
  InvalidParameterError,
  InvalidStateError,
  NotFoundError,
  NotImplementedError,
  PermissionDeniedError,
  httpStatusOf,
  type ErrorCode,
} from '../../../shared/index.js';

/** An error as it crosses from a worker thread: enough to raise the same typed error on the other side. */
export interface PostedError {
  readonly name: string;
  readonly code: string | null;
  readonly message: string;
}

/** What a worker posts for an error it caught. */
export function describeWorkerError(error: unknown): PostedError {
  if (error instanceof BosunError) return { name: error.name, code: error.code, message: error.message };
  if (error instanceof Error) return { name: error.name, code: null, message: error.message };
  return { name: 'Error', code: null, message: String(error) };
}

const TYPED: Readonly<Record<string, new (message: string) => BosunError>> = {
  InvalidParameterError,
  NotFoundError,
  AlreadyExistsError,
  InvalidStateError,
  NotImplementedError,
  PermissionDeniedError,
};

function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(httpStatusOf, code);
}

/**
 * The error to throw for one a worker posted: the same Bosun error class (an InvalidParameterError stays one, so
 * the CLI and the API answer as they would without threads), a BosunError with its code, or a plain Error.
 */
export function errorFromWorker(posted: PostedError): Error {
  const Typed = Object.prototype.hasOwnProperty.call(TYPED, posted.name) ? TYPED[posted.name] : undefined;
  if (Typed !== undefined) return new Typed(posted.message);
  if (posted.code !== null && isErrorCode(posted.code)) return new BosunError(posted.code, posted.message);
  const error = new Error(posted.message);
  error.name = posted.name;
  return error;
}
