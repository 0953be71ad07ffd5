/**
 * OpenID Connect sign-in, built by app.ts when PKI_OIDC_ISSUER is set: the client at the
 * provider (discovered in the background from boot on), the flows in progress, and the
 * sign-in that turns a verified identity into a session through auth-core's services.
 */
import type { Logger } from 'pino';

import type { AuditLog } from '../../audit/audit-log.js';
import type { OidcConfig } from '../../config.js';
import { OidcFlowStore } from './flow-store.js';
import { OidcClient } from './oidc-client.js';
import { OidcSignIn } from './oidc-sign-in.js';
import type { OidcAnonymousRefusals, OidcSessionStarter, OidcUserDirectory } from './oidc-sign-in.js';

export { OidcSignIn } from './oidc-sign-in.js';

export interface OidcSignInOptions {
  config: OidcConfig;
  publicUrl: string;
  audit: AuditLog;
  users: OidcUserDirectory;
  sessions: OidcSessionStarter;
  denials: OidcAnonymousRefusals;
  log: Logger;
}

export function createOidcSignIn(options: OidcSignInOptions): OidcSignIn {
  const client = new OidcClient(options.config, options.log.child({ component: 'oidc' }));
  client.warmUp();
  return new OidcSignIn({
    config: options.config,
    publicUrl: options.publicUrl,
    client,
    flows: new OidcFlowStore(),
    audit: options.audit,
    users: options.users,
    sessions: options.sessions,
    denials: options.denials,
  });
}
