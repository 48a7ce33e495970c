export {
  UserService,
  defaultLockoutPolicy,
  type CreateUserInput,
  type UserServiceOptions,
} from './user-service.js';
export {
  AdminAlreadyExistsError,
  AuthenticationError,
  disabledUserMessage,
  type AuthenticationFailureReason,
} from './errors.js';
export {
  defaultScryptParams,
  hashPassword,
  needsRehash,
  verifyPassword,
  type ScryptParams,
} from './password-hashing.js';
export { generateToken, hashToken, isWellFormedToken, tokenPrefix } from './api-tokens.js';
export { minPasswordLength, validatePassword, validateUsername } from './validation.js';
export type {
  ApiTokenInfo,
  CreatedToken,
  CreateTokenInput,
  FirstAdminOutcome,
  LockoutPolicy,
  TokenAuthentication,
  User,
} from './types.js';
