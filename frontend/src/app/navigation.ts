/**
 * The console's sections, in navigation order, and which roles are offered each; routes and
 * the nav are built from this list. It follows the role table of issue 11 (the backend's
 * auth/permissions.ts, which the API enforces anyway): what a role may not do is not offered.
 */
import type { UserRole } from '@pki/shared';

const EVERY_ROLE = ['admin', 'operator', 'auditor'] as const satisfies readonly UserRole[];

export interface Section {
  path: string;
  label: string;
  roles: readonly UserRole[];
}

export const SECTIONS = [
  { path: '/', label: 'Dashboard', roles: EVERY_ROLE },
  { path: '/certificates', label: 'Certificates', roles: EVERY_ROLE },
  { path: '/certificate-authorities', label: 'Certificate authorities', roles: EVERY_ROLE },
  // Key administration (revoke, destroy) is the admins'; operators and auditors see keys beside their certificates.
  { path: '/keys', label: 'Keys', roles: ['admin'] },
  // Dual control's second pair of eyes: deciding needs approvals.decide, an admin's.
  { path: '/approvals', label: 'Approvals', roles: ['admin'] },
  { path: '/audit-log', label: 'Audit log', roles: ['admin', 'auditor'] },
  { path: '/users', label: 'Users', roles: ['admin'] },
] as const satisfies readonly Section[];

/** Actions a page offers only to the roles that may take them. */
export const ACTIONS = {
  issueCertificate: ['admin', 'operator'],
  revokeCertificate: ['admin', 'operator'],
  manageCertificateAuthorities: ['admin'],
  revokeOrDestroyKey: ['admin'],
} as const satisfies Record<string, readonly UserRole[]>;

export type Action = keyof typeof ACTIONS;

export function canTake(role: UserRole, action: Action): boolean {
  return (ACTIONS[action] as readonly UserRole[]).includes(role);
}

export function sectionsFor(role: UserRole): Section[] {
  return SECTIONS.filter((section) => (section.roles as readonly UserRole[]).includes(role));
}

export function isSectionAllowed(path: string, role: UserRole): boolean {
  const section = SECTIONS.find((candidate) => candidate.path === path);
  return section === undefined || (section.roles as readonly UserRole[]).includes(role);
}

export function pageTitle(section: string): string {
  return `${section} · PKI Manager`;
}

export const ROLE_LABELS: Record<UserRole, string> = {
  admin: 'Admin',
  operator: 'Operator',
  auditor: 'Auditor',
};
