/**
 * What can end a CLI run early, each with its exit code. The runner prints the message as one
 * line on stderr (with the request id when the server gave one) and exits with the code.
 */
import { EXIT_CODES } from './exit-codes.js';
import type { ExitCode } from './exit-codes.js';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly requestId?: string,
    /** The server's stable code (e.g. CSR_BAD_SIGNATURE), when it answered. */
    readonly appCode?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The command line itself is wrong; nothing was sent to the server. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_CODES.usage);
  }
}

export class ServerUnreachableError extends CliError {
  constructor(message: string, requestId?: string) {
    super(message, EXIT_CODES.unreachable, requestId);
  }
}

/** The server answered and refused, or the operation failed there. */
export class OperationFailedError extends CliError {
  constructor(message: string, requestId?: string, appCode?: string) {
    super(message, EXIT_CODES.failed, requestId, appCode);
  }
}

/** Not signed in, a refused credential, or a role that may not do this (exit 4). */
export class NotAuthorizedError extends CliError {
  constructor(message: string, requestId?: string, appCode?: string) {
    super(message, EXIT_CODES.notAuthorized, requestId, appCode);
  }
}
