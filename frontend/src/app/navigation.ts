/**
 * The console's sections, in navigation order, and the actions pages offer. Each names the
 * procedure it stands on (CONSOLE_PROCEDURES in @pki/shared, checked against the router by
 * a backend test), and a role is offered it exactly when the role table (`isAllowed`) grants
 * that procedure's permission: the console cannot offer what the API would refuse, nor hide
 * what it allows. The API enforces it whatever the console shows.
 */
import { CONSOLE_PROCEDURES, isAllowed } from '@pki/shared';
import type { ConsoleEntry, UserRole } from '@pki/shared';

export interface Section {
  path: string;
  label: string;
  entry: ConsoleEntry;
}

export const SECTIONS = [
  { path: '/', label: 'Dashboard', entry: 'dashboard' },
  { path: '/certificates', label: 'Certificates', entry: 'certificates' },
  { path: '/certificate-authorities', label: 'Certificate authorities', entry: 'certificateAuthorities' },
  { path: '/keys', label: 'Keys', entry: 'keys' },
  { path: '/approvals', label: 'Approvals', entry: 'approvals' },
  { path: '/audit-log', label: 'Audit log', entry: 'auditLog' },
  { path: '/users', label: 'Users', entry: 'users' },
] as const satisfies readonly Section[];

/** Actions a page offers only to the roles whose permissions allow their procedure. */
export type Action = Extract<
  ConsoleEntry,
  'issueCertificate' | 'revokeCertificate' | 'manageCertificateAuthorities' | 'revokeOrDestroyKey' | 'viewKeyCustody'
>;

function isOffered(role: UserRole, entry: ConsoleEntry): boolean {
  return isAllowed(role, CONSOLE_PROCEDURES[entry].permission);
}

export function canTake(role: UserRole, action: Action): boolean {
  return isOffered(role, action);
}

export function sectionsFor(role: UserRole): Section[] {
  return SECTIONS.filter((section) => isOffered(role, section.entry));
}

export function isSectionAllowed(path: string, role: UserRole): boolean {
  const section = SECTIONS.find((candidate) => candidate.path === path);
  return section === undefined || isOffered(role, section.entry);
}

export function pageTitle(section: string): string {
  return `${section} · PKI Manager`;
}

export const ROLE_LABELS: Record<UserRole, string> = {
  admin: 'Admin',
  operator: 'Operator',
  auditor: 'Auditor',
};
