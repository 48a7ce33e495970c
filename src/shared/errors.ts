/**
 * The closed list of error codes Bosun raises. The names are MLflow's, so that the MLflow adapter can put them
 * on the wire unchanged and the real client branches on them as it does against an MLflow server.
 */
export type ErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'ENDPOINT_NOT_FOUND'
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'INVALID_STATE'
  | 'NOT_IMPLEMENTED'
  | 'INTERNAL_ERROR'
  | 'TEMPORARILY_UNAVAILABLE';

/** HTTP status per code; the compiler refuses a code without one. */
export const httpStatusOf: Record<ErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  RESOURCE_ALREADY_EXISTS: 400,
  ENDPOINT_NOT_FOUND: 404,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  REQUEST_LIMIT_EXCEEDED: 429,
  // MLflow answers 500 here; 409 keeps the client from retrying a deterministic failure for minutes.
  INVALID_STATE: 409,
  NOT_IMPLEMENTED: 501,
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
};

/** Base class of every error Bosun raises on purpose. */
export class BosunError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidParameterError extends BosunError {
  constructor(message: string) {
    super('INVALID_PARAMETER_VALUE', message);
  }
}

export class NotFoundError extends BosunError {
  constructor(message: string) {
    super('RESOURCE_DOES_NOT_EXIST', message);
  }
}

export class AlreadyExistsError extends BosunError {
  constructor(message: string) {
    super('RESOURCE_ALREADY_EXISTS', message);
  }
}

export class InvalidStateError extends BosunError {
  constructor(message: string) {
    super('INVALID_STATE', message);
  }
}

export class NotImplementedError extends BosunError {
  constructor(message: string) {
    super('NOT_IMPLEMENTED', message);
  }
}

/** Fails compilation when a switch over a union misses a member. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/** The caller is signed in but lacks the permission a request needs (403 PERMISSION_DENIED). */
export class PermissionDeniedError extends BosunError {
  constructor(message: string) {
    super('PERMISSION_DENIED', message);
  }
}
