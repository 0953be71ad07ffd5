/**
 * Which role an OIDC identity gets: the values of one claim (`PKI_OIDC_ROLE_CLAIM`, a string
 * or an array of strings, as providers send `groups`) matched against `PKI_OIDC_ROLES`.
 * When several values match, the highest role wins, so adding someone to a lesser group
 * never takes away what a higher one gives. No match: no role, and no sign-in.
 */
import { USER_ROLES } from '@pki/shared';
import type { UserRole } from '@pki/shared';

import type { OidcConfig } from '../../config.js';

/** The claim's string values; anything else a provider might send there counts as none. */
export function claimValues(claim: unknown): string[] {
  if (typeof claim === 'string') return [claim];
  if (Array.isArray(claim)) return claim.filter((value): value is string => typeof value === 'string');
  return [];
}

export function mapRole(claim: unknown, mapping: OidcConfig['roleMapping']): UserRole | undefined {
  const values = new Set(claimValues(claim));
  const matched = mapping.filter((entry) => values.has(entry.claimValue)).map((entry) => entry.role);
  // USER_ROLES is ordered highest first.
  return USER_ROLES.find((role) => matched.includes(role));
}
