import { BosunError } from '../../shared/index.js';

/** Why a sign-in failed. For logs and the audit trail only: the client always sees the same generic message. */
export type AuthenticationFailureReason =
  | 'unknown_user'
  | 'wrong_password'
  | 'locked_out'
  | 'malformed_token'
  | 'unknown_token'
  | 'revoked_token'
  | 'expired_token'
  | 'disabled_user';

/** What a disabled user is told, once their password or token proved who they are (never before). */
export const disabledUserMessage =
  'This account is disabled: ask an administrator to enable it before signing in again.';

/**
 * A failed sign-in (HTTP 401). The message is the same whatever the reason, so it reveals nothing; the one
 * exception is `disabled_user`, given only after the right password or a valid token, which says so plainly.
 */
export class AuthenticationError extends BosunError {
  constructor(readonly reason: AuthenticationFailureReason) {
    super('UNAUTHENTICATED', reason === 'disabled_user' ? disabledUserMessage : 'Invalid credentials.');
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
