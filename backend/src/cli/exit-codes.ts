/**
 * The `pki` CLI's exit codes, a contract with the scripts that call it:
 * 0 success, 1 the server refused or the operation failed, 2 bad usage (nothing was sent),
 * 3 the server could not be reached, 4 not signed in (or the credential was refused) or
 * refused for lack of a role.
 */
export const EXIT_CODES = {
  ok: 0,
  failed: 1,
  usage: 2,
  unreachable: 3,
  notAuthorized: 4,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
