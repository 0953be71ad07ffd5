/**
 * The CA over the real KMSService and the `local` key store on a fresh SQLite file in a
 * temporary directory: what the pki tests and the benchmark run against.
 */
import type { Logger } from 'pino';

import type { AuditLog } from '../../src/audit/audit-log.js';
import { AuditEvidence } from '../../src/audit/custody.js';
import { openPkiRepositories } from '../../src/db/pki-repositories.js';
import type { KMSService } from '../../src/kms/service.js';
import { openAuditedKms, openTempLocalStore, silentLogger } from './temp-local-store.js';
import type { TempLocalStore } from './temp-local-store.js';
import { systemContext } from '../../src/request-context.js';
import type { RequestContext } from '../../src/request-context.js';
import { createPkiServices } from '../../src/pki/index.js';
import type { PkiServices, PkiServicesOptions } from '../../src/pki/index.js';

export interface PkiHarness {
  temp: TempLocalStore;
  kms: KMSService;
  pki: PkiServices;
  /** The audit log and logger the services were built with (to build them again over the same files). */
  audit: AuditLog;
  log: Logger;
  ctx: RequestContext;
  cleanup(): Promise<void>;
}

export async function openPkiHarness(
  options: Partial<
    Pick<PkiServicesOptions, 'publicUrl' | 'crlValiditySeconds' | 'ocspValiditySeconds' | 'ocspBudgets' | 'now'>
  > & {
    /** Puts a faulty key store in front of the local one (a key store that misbehaves). */
    wrapKeyStore?: (store: TempLocalStore['store']) => Parameters<typeof openAuditedKms>[0];
  } = {},
): Promise<PkiHarness> {
  const temp = await openTempLocalStore();
  const log = silentLogger();
  // One audit log shared as in app.ts: signature rows and certificate rows commit together.
  const keyStore = options.wrapKeyStore?.(temp.store) ?? temp.store;
  const { kms, audit } = openAuditedKms(keyStore, temp.database, log);
  const pki = createPkiServices({
    repositories: openPkiRepositories(temp.database),
    kms,
    audit,
    auditEvidence: new AuditEvidence(temp.database),
    publicUrl: options.publicUrl ?? 'http://pki.test:3000',
    crlValiditySeconds: options.crlValiditySeconds ?? 7 * 86_400,
    ...(options.ocspValiditySeconds !== undefined ? { ocspValiditySeconds: options.ocspValiditySeconds } : {}),
    ...(options.ocspBudgets !== undefined ? { ocspBudgets: options.ocspBudgets } : {}),
    ...(options.now ? { now: options.now } : {}),
    log,
  });
  return {
    temp,
    kms,
    pki,
    audit,
    log,
    ctx: systemContext('test', 'test-request'),
    cleanup: async () => {
      pki.close();
      audit.flush();
      await temp.cleanup();
    },
  };
}
