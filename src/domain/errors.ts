/** The closed list of error codes a service may raise; only http/error-handler.ts maps them to statuses. */
export type ErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unprocessable'
  | 'rate_limited'
  /** The user is locked out (too many failed sign-ins, or inactive too long): 423, the right password too. */
  | 'locked'
  /** A cookie-authenticated request that changes something came without the session's X-CSRF-Token: 403. */
  | 'csrf_failed'
  /** The password has expired or was reset by an admin: only the password change (and sign-out) is allowed: 403. */
  | 'password_expired'
  | 'no_stock'
  | 'number_unavailable'
  /** The database is busy (locked elsewhere) or unreachable: 503 with Retry-After, safe to retry. */
  | 'unavailable'
  | 'internal';

export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldError[],
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Shorthand for a validation error about one field. */
export function fieldError(path: string, message: string): AppError {
  return new AppError('validation_failed', `${path}: ${message}`, [{ path, message }]);
}
