/**
 * A failed API call as the UI shows it: the server's own `error_code` and `message` (MLflow's error format),
 * or a network failure (`status` 0). Pages print `message` in place, next to what failed.
 */
export class ApiError extends Error {
  constructor(
    readonly errorCode: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The message to show for anything a call threw. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
