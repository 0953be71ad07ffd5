import { pino } from 'pino';
import { describe, it } from 'vitest';

import { createSoftHsmToken, softHsmUnavailableReason, type SoftHsmToken } from '../../../../test/harness/softhsm.js';
import { runKeyStoreContract } from '../../key-store.contract.js';
import { Pkcs11KeyStore } from './pkcs11-key-store.js';

const unavailable = softHsmUnavailableReason();
let token: SoftHsmToken | undefined;

if (unavailable === undefined) {
  runKeyStoreContract({
    name: 'pkcs11 (SoftHSM2)',
    create: async () => {
      token = await createSoftHsmToken({ tokenLabel: 'pki-contract' });
      return new Pkcs11KeyStore(
        { modulePath: token.modulePath, tokenLabel: token.tokenLabel, pin: token.pin, namespace: 'pki-contract' },
        pino({ level: 'silent' }),
      );
    },
    teardown: async (store) => {
      await store.close();
      await token?.cleanup();
    },
  });
} else {
  describe('KeyStore contract: pkcs11 (SoftHSM2)', () => {
    it.skip(`[skipped: ${unavailable}]`, () => undefined);
  });
}
