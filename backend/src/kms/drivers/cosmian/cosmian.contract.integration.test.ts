/**
 * The KeyStore contract for `cosmian`: against our Cosmian stand-in at each boundary version
 * of the supported range (the 5.15 floor, 5.24 — the last release whose Sign reports a
 * revoked key as Item_Not_Found, and where ECDSA digests are still hashed again on the
 * OpenSSL path —, 5.25 as a FIPS build, and 5.26), and against a real Cosmian KMS when
 * `PKI_COSMIAN_URL` is set (kms/README.md):
 *
 *   PKI_COSMIAN_URL=http://127.0.0.1:42998 pnpm --filter @pki/backend exec vitest run --project integration cosmian
 *
 * The live run reads its settings (PKI_COSMIAN_TOKEN, PKI_COSMIAN_CA, ...) through loadConfig,
 * exactly as the app does, under a throwaway namespace.
 */
import { it } from 'vitest';

import { loadConfig } from '../../../config.js';
import { cosmianConfigFor, startTokenProtectedStandIn } from '../../../../test/harness/cosmian-standin-driver.js';
import type { CosmianStandIn } from '../../../../test/harness/cosmian-standin.js';
import type { StandInBuild } from '../../../../test/harness/cosmian-standin/server-versions.js';
import { runKeyStoreContract } from '../../key-store.contract.js';
import { openCosmianKeyStore } from './cosmian-key-store.js';

const BOUNDARY_SERVERS: readonly { version: string; build: StandInBuild }[] = [
  { version: '5.15.0', build: 'non-FIPS' },
  { version: '5.24.0', build: 'non-FIPS' },
  { version: '5.25.0', build: 'FIPS' },
  { version: '5.26.0', build: 'non-FIPS' },
];

for (const { version, build } of BOUNDARY_SERVERS) {
  let standIn: CosmianStandIn | undefined;
  runKeyStoreContract({
    name: `cosmian (stand-in ${version} ${build})`,
    create: async () => {
      standIn = await startTokenProtectedStandIn({ version, build });
      return openCosmianKeyStore(cosmianConfigFor(standIn.url, { namespace: 'pki-manager-test' }), {
        attempts: 2,
        timeoutMs: 10_000,
      });
    },
    teardown: async (store) => {
      await store.close();
      await standIn?.stop();
    },
  });
}

const liveUrl = process.env.PKI_COSMIAN_URL;
if (liveUrl === undefined || liveUrl === '') {
  console.info('[cosmian] live Cosmian contract run skipped: PKI_COSMIAN_URL not set (see kms/README.md)');
  it.skip('live Cosmian: PKI_COSMIAN_URL not set', () => undefined);
} else {
  const config = loadConfig({
    ...process.env,
    PKI_KMS_BACKEND: 'cosmian',
    PKI_KMS_NAMESPACE: 'pki-manager-contract',
  });
  if (config.kms.backend !== 'cosmian') throw new Error('loadConfig did not select the cosmian backend');
  const kms = config.kms;
  runKeyStoreContract({
    name: `cosmian (live at ${new URL(kms.url).origin})`,
    create: () => openCosmianKeyStore(kms, config.kmsRequest),
    teardown: (store) => store.close(),
  });
}
