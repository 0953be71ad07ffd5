/**
 * The role table of issue 11, as data, shared by the API that enforces it and the console
 * that offers only what a role may do. Each tRPC procedure declares one permission next to
 * its definition (`authorized('certificates.issue')`, backend trpc/init.ts); one middleware
 * checks it against ROLE_PERMISSIONS, and the authorization matrix test walks the router with it.
 */
import type { UserRole } from './enums.js';

export const PERMISSIONS = [
  'cas.read',
  'cas.manage',
  'profiles.read',
  'certificates.read',
  'certificates.issue',
  'certificates.revoke',
  'certificates.export',
  'keys.read',
  'keys.manage',
  'audit.read',
  'users.manage',
  'tokens.manage',
  'approvals.decide',
  'settings.read',
  'settings.manage',
  'system.read',
  /** Any signed-in principal, about itself (auth.me, auth.signOut, auth.changePassword). */
  'self',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What every signed-in role may read. */
const READ_ALL: readonly Permission[] = [
  'self',
  'system.read',
  'settings.read',
  'cas.read',
  'profiles.read',
  'certificates.read',
  'keys.read',
];

export const ROLE_PERMISSIONS: Record<UserRole, readonly Permission[]> = {
  admin: PERMISSIONS,
  operator: [...READ_ALL, 'certificates.issue', 'certificates.revoke', 'certificates.export'],
  auditor: [...READ_ALL, 'audit.read'],
};

export function isAllowed(role: UserRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
