/**
 * Issue 6: root → intermediate → leaf → CRL → OCSP with the `pkcs11` driver on a real
 * SoftHSM2 token, judged by openssl and certtool. Two paths so that both mechanisms sign
 * each kind of artifact: an EC P-384 root over an RSA-2048 intermediate (ECDSA certificate,
 * RSA leaf, CRL and OCSP), and an RSA-3072 root over an EC P-256 intermediate (the reverse).
 *
 * The witness is OpenSC's pkcs11-tool in another process on the same token: it sees each
 * CA key under its CKA_ID, sensitive and never extractable (so no test can read it, and
 * nothing is scanned for in our files), and signs with it.
 */
import { afterAll, beforeAll, expect } from 'vitest';

import {
  createSoftHsmToken,
  pkcs11DriverEnv,
  pkcs11ToolKeyArgs,
  softHsmUnavailableReason,
} from '../../test/harness/softhsm.js';
import type { SoftHsmToken } from '../../test/harness/softhsm.js';
import { describeDriverPath, tool } from '../../test/harness/drivers-path.js';
import type { CaKeyUnderTest } from '../../test/harness/drivers-path.js';

const NAMESPACE = 'drivers-path-pkcs11';
const unavailableReason = softHsmUnavailableReason();

// One token per file: SoftHSM reads SOFTHSM2_CONF once, when the module is initialized.
let token: SoftHsmToken;

beforeAll(async () => {
  if (unavailableReason === undefined) token = await createSoftHsmToken({ tokenLabel: 'drivers-path' });
});
afterAll(async () => {
  await token?.cleanup();
});

async function pkcs11Tool(key: CaKeyUnderTest, ...args: string[]) {
  return tool('pkcs11-tool', [...pkcs11ToolKeyArgs(token, key.privateKeyRef), ...args]);
}

describeDriverPath({
  backend: 'pkcs11',
  unavailableReason,
  cases: [
    { rootAlgorithm: 'ec-p384', intermediateAlgorithm: 'rsa-2048', leafKey: 'rsa:2048' },
    { rootAlgorithm: 'rsa-3072', intermediateAlgorithm: 'ec-p256', leafKey: 'ec:P-256' },
  ],
  witness: () => ({
    env: pkcs11DriverEnv(token, NAMESPACE),
    async inspect(key) {
      const listing = await pkcs11Tool(key, '--list-objects', '--type', 'privkey');
      expect(listing.status, listing.output).toBe(0);
      expect(listing.output).toContain(`Private Key Object; ${key.algorithm.startsWith('rsa-') ? 'RSA' : 'EC'}`);
      expect(listing.output).toContain(`label:      ${NAMESPACE}/${key.label}`);
      expect(listing.output).toMatch(/Access:\s+sensitive, always sensitive, never extractable, local/);
    },
    async signOutside(key, dataFile, signatureFile) {
      const digest = key.digest.toUpperCase();
      let signed;
      if (key.algorithm.startsWith('rsa-')) {
        signed = await pkcs11Tool(
          key,
          '--sign',
          '--mechanism',
          `${digest}-RSA-PKCS`,
          '--input-file',
          dataFile,
          '--output-file',
          signatureFile,
        );
      } else {
        // SoftHSM 2.6 has no ECDSA-SHA384 mechanism: hash here, sign the digest with plain ECDSA.
        const hashFile = `${dataFile}.${key.digest}`;
        const hashed = await tool('openssl', ['dgst', `-${key.digest}`, '-binary', '-out', hashFile, dataFile]);
        expect(hashed.status, hashed.output).toBe(0);
        signed = await pkcs11Tool(
          key,
          '--sign',
          '--mechanism',
          'ECDSA',
          '--signature-format',
          'openssl',
          '--input-file',
          hashFile,
          '--output-file',
          signatureFile,
        );
      }
      expect(signed.status, signed.output).toBe(0);
    },
  }),
});
