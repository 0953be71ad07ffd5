/**
 * The role table lives in @pki/shared (permissions.ts), so the console offers exactly what the
 * API allows; what only the server decides about roles is here.
 */
import { isAllowed, ROLE_PERMISSIONS } from '@pki/shared';
import type { UserRole } from '@pki/shared';

export { isAllowed, PERMISSIONS, ROLE_PERMISSIONS } from '@pki/shared';
export type { Permission } from '@pki/shared';

/** Roles ordered by what they may do; a token's role may not rank above its creator's. */
const ROLE_RANK: Record<UserRole, number> = { auditor: 0, operator: 1, admin: 2 };

/** Whether `role` grants nothing `limit` does not: operator and auditor are not comparable. */
export function isRoleWithin(role: UserRole, limit: UserRole): boolean {
  if (role === limit || limit === 'admin') return true;
  return (
    ROLE_PERMISSIONS[role].every((permission) => isAllowed(limit, permission)) && ROLE_RANK[role] <= ROLE_RANK[limit]
  );
}
