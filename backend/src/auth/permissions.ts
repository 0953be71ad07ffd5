/**
 * The role table of issue 11, as data. Each tRPC procedure declares one permission next to
 * its definition (`authorized('certificates.issue')`, trpc/init.ts); one middleware checks
 * it against ROLE_PERMISSIONS, and the authorization matrix test walks the router with it.
 */
import type { UserRole } from '@pki/shared';

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

/** Roles ordered by what they may do; a token's role may not rank above its creator's. */
const ROLE_RANK: Record<UserRole, number> = { auditor: 0, operator: 1, admin: 2 };

/** Whether `role` grants nothing `limit` does not: operator and auditor are not comparable. */
export function isRoleWithin(role: UserRole, limit: UserRole): boolean {
  if (role === limit || limit === 'admin') return true;
  return (
    ROLE_PERMISSIONS[role].every((permission) => isAllowed(limit, permission)) && ROLE_RANK[role] <= ROLE_RANK[limit]
  );
}
