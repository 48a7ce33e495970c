import { InvalidParameterError } from '../../shared/index.js';

const usernamePattern = /^[A-Za-z0-9_.@-]{1,64}$/;

/** Usernames: 1 to 64 characters of letters, digits and `_ . @ -`. Unique case-insensitively. */
export function validateUsername(username: unknown): string {
  if (typeof username !== 'string' || username.length === 0) {
    throw new InvalidParameterError("Missing value for parameter 'username'.");
  }
  if (!usernamePattern.test(username)) {
    throw new InvalidParameterError(
      "Invalid value for parameter 'username': use 1 to 64 characters of letters, digits, '_', '.', '@' and '-'.",
    );
  }
  return username;
}

/** The unique form of a username. */
export function usernameKey(username: string): string {
  return username.toLowerCase();
}

export const minPasswordLength = 12;
export const maxPasswordLength = 1024;

/** Well-known passwords of 12 characters or more, compared case-insensitively. A small list, not a dictionary. */
const commonPasswords = new Set([
  '123456789012',
  '1234567890123',
  '12345678901234',
  '1q2w3e4r5t6y',
  '1qaz2wsx3edc',
  'abc123abc123',
  'administrator',
  'admin1234567',
  'adminadmin123',
  'adminpassword',
  'bosunpassword',
  'changeme1234',
  'changeme123!',
  'iloveyou1234',
  'letmein12345',
  'mlflowpassword',
  'mlflow123456',
  'p@ssw0rd1234',
  'passw0rd1234',
  'password1234',
  'password123!',
  'password12345',
  'password2024',
  'password2025',
  'password2026',
  'passwordpassword',
  'qwerty123456',
  'qwertyuiop123',
  'qwertyuiopasdf',
  'welcome12345',
  'welcome123!',
]);

/** How many of lowercase, uppercase, digits and other characters a password uses. */
function characterClasses(password: string): number {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/];
  return classes.filter((c) => c.test(password)).length;
}

/**
 * Refuses weak passwords with a message that says why, and never repeats the password. Rules: at least 12
 * characters (at most 1024), more than one character class, not the username, not a well-known password.
 */
export function validatePassword(password: unknown, username: string): string {
  if (typeof password !== 'string' || password.length === 0) {
    throw new InvalidParameterError("Missing value for parameter 'password'.");
  }
  if (password.length < minPasswordLength) {
    throw new InvalidParameterError(`Password too short: use at least ${minPasswordLength} characters.`);
  }
  if (password.length > maxPasswordLength) {
    throw new InvalidParameterError(`Password too long: use at most ${maxPasswordLength} characters.`);
  }
  if (characterClasses(password) < 2) {
    throw new InvalidParameterError(
      'Password too simple: mix at least two of lowercase letters, uppercase letters, digits and symbols.',
    );
  }
  if (password.toLowerCase() === username.toLowerCase()) {
    throw new InvalidParameterError('Password must not be the username.');
  }
  if (commonPasswords.has(password.toLowerCase())) {
    throw new InvalidParameterError('Password is too common: choose another one.');
  }
  return password;
}
