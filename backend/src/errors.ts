/**
 * The application's error types. Every error a user can see has a stable SCREAMING_SNAKE
 * `code` and a message that names the field or value at fault; the edge (trpc/init.ts for
 * procedures, http/error-handler.ts for plain routes) maps them to status codes once.
 * The KMS family lives in kms/kmip/errors.ts so the KMIP library stays standalone.
 */

export interface AppErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }
}

/** Invalid configuration: the message is the one line printed before the process exits. */
export class ConfigError extends AppError {
  constructor(message: string, options?: AppErrorOptions) {
    super('CONFIG_INVALID', message, options);
  }
}

/** The caller's input is malformed or out of range. */
export class ValidationError extends AppError {
  constructor(message: string, options?: AppErrorOptions & { code?: string }) {
    super(options?.code ?? 'VALIDATION_FAILED', message, options);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, options?: AppErrorOptions & { code?: string }) {
    super(options?.code ?? 'NOT_FOUND', message, options);
  }
}

/** The request conflicts with the current state (duplicate name, already revoked…). */
export class ConflictError extends AppError {
  constructor(message: string, options?: AppErrorOptions & { code?: string }) {
    super(options?.code ?? 'CONFLICT', message, options);
  }
}

/** Well-formed, but a PKI policy refuses it (weak key, validity beyond the profile…). */
export class PolicyError extends AppError {
  constructor(message: string, options?: AppErrorOptions & { code?: string }) {
    super(options?.code ?? 'POLICY_VIOLATION', message, options);
  }
}

/** No valid session or token: sign in (401). */
export class UnauthenticatedError extends AppError {
  constructor(
    message = 'Sign in first: no valid session or API token.',
    options?: AppErrorOptions & { code?: string },
  ) {
    super(options?.code ?? 'UNAUTHENTICATED', message, options);
  }
}

/** Signed in, but the role does not allow it, or the browser request rule refused it (403). */
export class ForbiddenError extends AppError {
  constructor(message: string, options?: AppErrorOptions & { code?: string }) {
    super(options?.code ?? 'FORBIDDEN', message, options);
  }
}

/** Too many attempts: the answer says when to try again (429 with Retry-After). */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number, options?: AppErrorOptions) {
    super('RATE_LIMITED', `Too many failed sign-in attempts; try again in ${retryAfterSeconds} s.`, {
      ...options,
      details: { ...options?.details, retryAfterSeconds },
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Dual control is on: the request was stored as a pending approval instead of running.
 * Not a fault; the answer carries the approval's id for a second admin.
 */
export class ApprovalRequiredError extends AppError {
  readonly approvalId: string;

  constructor(approvalId: string, operation: string) {
    super(
      'APPROVAL_REQUIRED',
      `Dual control is on: ${operation} was stored as approval ${approvalId}; another admin must approve it.`,
      { details: { approvalId, operation } },
    );
    this.approvalId = approvalId;
  }
}
