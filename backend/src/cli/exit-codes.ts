/**
 * The `pki` CLI's exit codes, a contract with the scripts that call it:
 * 0 success, 1 the server refused or the operation failed, 2 bad usage (nothing was sent),
 * 3 the server could not be reached.
 */
export const EXIT_CODES = {
  ok: 0,
  failed: 1,
  usage: 2,
  unreachable: 3,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
