/**
 * The CA over the real KMSService and the `local` key store on a fresh SQLite file in a
 * temporary directory: what the pki tests and the benchmark run against.
 */
import { GroupCommit } from '../../db/group-commit.js';
import { KMSService } from '../../kms/service.js';
import { openTempLocalStore, silentLogger } from '../../kms/testing/temp-local-store.js';
import type { TempLocalStore } from '../../kms/testing/temp-local-store.js';
import type { RequestContext } from '../../request-context.js';
import { createPkiServices } from '../index.js';
import type { PkiServices, PkiServicesOptions } from '../index.js';

export interface PkiHarness {
  temp: TempLocalStore;
  kms: KMSService;
  pki: PkiServices;
  ctx: RequestContext;
  cleanup(): Promise<void>;
}

export async function openPkiHarness(
  options: Partial<Pick<PkiServicesOptions, 'publicUrl' | 'crlValiditySeconds' | 'ocspValiditySeconds' | 'now'>> = {},
): Promise<PkiHarness> {
  const temp = await openTempLocalStore();
  const log = silentLogger();
  // Shared as in app.ts: signature rows and certificate rows commit together.
  const groupCommit = new GroupCommit(temp.database.sqlite);
  const kms = new KMSService({ keyStore: temp.store, database: temp.database, log, groupCommit });
  const pki = createPkiServices({
    database: temp.database,
    kms,
    groupCommit,
    publicUrl: options.publicUrl ?? 'http://pki.test:3000',
    crlValiditySeconds: options.crlValiditySeconds ?? 7 * 86_400,
    ...(options.ocspValiditySeconds !== undefined ? { ocspValiditySeconds: options.ocspValiditySeconds } : {}),
    ...(options.now ? { now: options.now } : {}),
    log,
  });
  return {
    temp,
    kms,
    pki,
    ctx: { actor: 'test', requestId: 'test-request' },
    cleanup: async () => {
      pki.close();
      await temp.cleanup();
    },
  };
}
