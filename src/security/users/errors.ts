import { BosunError } from '../../shared/index.js';

/** Why a sign-in failed. For logs and the audit trail only: the client always sees the same generic message. */
export type AuthenticationFailureReason =
  | 'unknown_user'
  | 'wrong_password'
  | 'locked_out'
  | 'malformed_token'
  | 'unknown_token'
  | 'revoked_token'
  | 'expired_token';

/** A failed sign-in (HTTP 401). The message is the same whatever the reason, so it reveals nothing. */
export class AuthenticationError extends BosunError {
  constructor(readonly reason: AuthenticationFailureReason) {
    super('UNAUTHENTICATED', 'Invalid credentials.');
  }
}

/** `bootstrapAdmin` was called when an administrator already exists. */
export class AdminAlreadyExistsError extends BosunError {
  constructor() {
    super(
      'INVALID_STATE',
      'An administrator already exists: the first administrator can be created only once.',
    );
  }
}
