/** The console's sections, in navigation order; routes and the nav are built from this list. */
export interface Section {
  path: string;
  label: string;
}

export const SECTIONS = [
  { path: '/', label: 'Dashboard' },
  { path: '/certificates', label: 'Certificates' },
  { path: '/certificate-authorities', label: 'Certificate authorities' },
  { path: '/keys', label: 'Keys' },
  { path: '/audit-log', label: 'Audit log' },
] as const satisfies readonly Section[];

export function pageTitle(section: string): string {
  return `${section} · PKI Manager`;
}
