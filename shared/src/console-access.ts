/**
 * The procedure each section and action of the web console stands on, with the permission
 * that procedure declares in the router. The console offers a role what `isAllowed` grants
 * for that permission, and a backend test checks every entry against the router's own
 * declaration, so what the console offers and what the API allows cannot drift apart.
 */
import type { Permission } from './permissions.js';

export interface ConsoleProcedure {
  /** A tRPC procedure path, `namespace.verb`. */
  procedure: string;
  permission: Permission;
}

export const CONSOLE_PROCEDURES = {
  // The dashboard's summary counts certificates, so it needs certificates.read, not system.read.
  dashboard: { procedure: 'system.dashboard', permission: 'certificates.read' },
  certificates: { procedure: 'certificates.list', permission: 'certificates.read' },
  certificateAuthorities: { procedure: 'cas.list', permission: 'cas.read' },
  // The Keys section is key administration; other roles see keys beside their certificates.
  keys: { procedure: 'keys.destroy', permission: 'keys.manage' },
  approvals: { procedure: 'approvals.list', permission: 'approvals.decide' },
  auditLog: { procedure: 'audit.list', permission: 'audit.read' },
  users: { procedure: 'users.list', permission: 'users.manage' },
  issueCertificate: { procedure: 'certificates.issueFromCsr', permission: 'certificates.issue' },
  revokeCertificate: { procedure: 'certificates.revoke', permission: 'certificates.revoke' },
  manageCertificateAuthorities: { procedure: 'cas.createRoot', permission: 'cas.manage' },
  revokeOrDestroyKey: { procedure: 'keys.destroy', permission: 'keys.manage' },
  viewKeyCustody: { procedure: 'certificates.custody', permission: 'audit.read' },
} as const satisfies Record<string, ConsoleProcedure>;

export type ConsoleEntry = keyof typeof CONSOLE_PROCEDURES;
