/**
 * The KeyStore contract for `cosmian`, twice: against our Cosmian 5.x stand-in (always),
 * and against a real Cosmian KMS when `PKI_COSMIAN_URL` is set (kms/README.md):
 *
 *   PKI_COSMIAN_URL=http://127.0.0.1:42998 pnpm --filter @pki/backend exec vitest run --project integration cosmian
 *
 * The live run reads its settings (PKI_COSMIAN_TOKEN, PKI_COSMIAN_CA, ...) through loadConfig,
 * exactly as the app does, under a throwaway namespace.
 */
import { it } from 'vitest';

import { loadConfig } from '../../../config.js';
import { startCosmianStandIn } from '../../../../test/harness/cosmian-standin.js';
import type { CosmianStandIn } from '../../../../test/harness/cosmian-standin.js';
import { runKeyStoreContract } from '../../key-store.contract.js';
import { openCosmianKeyStore } from './cosmian-key-store.js';

let standIn: CosmianStandIn | undefined;

runKeyStoreContract({
  name: 'cosmian (5.x stand-in)',
  create: async () => {
    standIn = await startCosmianStandIn({ apiToken: 'Y29udHJhY3QtdG9rZW4=' });
    return openCosmianKeyStore(
      {
        backend: 'cosmian',
        namespace: 'pki-manager-test',
        url: standIn.url,
        token: 'Y29udHJhY3QtdG9rZW4=',
        apiKey: undefined,
        caPath: undefined,
        clientCertPath: undefined,
        clientKeyPath: undefined,
      },
      { attempts: 2, timeoutMs: 10_000 },
    );
  },
  teardown: async (store) => {
    await store.close();
    await standIn?.stop();
  },
});

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
