/**
 * The console's pages as e2e sees them, kept here because e2e imports no frontend source:
 * the accessibility test asserts that this list matches the navigation the console renders
 * for each role, so it cannot drift from frontend/src/app/navigation.ts unnoticed.
 */
import type { Role } from './api-session.js';

export interface ConsolePage {
  label: string;
  path: string;
  roles: readonly Role[];
}

const EVERY_ROLE = ['admin', 'operator', 'auditor'] as const;

export const CONSOLE_PAGES: readonly ConsolePage[] = [
  { label: 'Dashboard', path: '/', roles: EVERY_ROLE },
  { label: 'Certificates', path: '/certificates', roles: EVERY_ROLE },
  { label: 'Certificate authorities', path: '/certificate-authorities', roles: EVERY_ROLE },
  { label: 'Keys', path: '/keys', roles: ['admin'] },
  { label: 'Approvals', path: '/approvals', roles: ['admin'] },
  { label: 'Audit log', path: '/audit-log', roles: ['admin', 'auditor'] },
  { label: 'Users', path: '/users', roles: ['admin'] },
];

export function pagesFor(role: Role): ConsolePage[] {
  return CONSOLE_PAGES.filter((page) => page.roles.includes(role));
}
