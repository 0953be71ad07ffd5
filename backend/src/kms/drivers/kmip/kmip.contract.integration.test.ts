/**
 * The KeyStore contract against a real PyKMIP 0.10 server over binary TTLV and mutual TLS.
 * What PyKMIP cannot do is skipped by name, with the reason.
 */
import { join } from 'node:path';

import { startPyKmip } from '../../../../test/harness/pykmip.js';
import type { PyKmipServer } from '../../../../test/harness/pykmip.js';
import { runKeyStoreContract } from '../../key-store.contract.js';
import { openKmipKeyStore } from './kmip-key-store.js';

let server: PyKmipServer | undefined;

runKeyStoreContract({
  name: 'kmip (PyKMIP 0.10)',
  create: async () => {
    server = await startPyKmip();
    return openKmipKeyStore(
      {
        backend: 'kmip',
        namespace: 'pki-manager-test',
        host: server.host,
        port: server.port,
        caPath: join(server.directory, 'ca.crt'),
        certPath: join(server.directory, 'client.crt'),
        keyPath: join(server.directory, 'client.key'),
      },
      { attempts: 2, timeoutMs: 30_000 },
    );
  },
  teardown: async (store) => {
    await store.close();
    await server?.stop();
  },
  skip: [
    {
      reason: 'PyKMIP signs RSA-PSS with the maximum salt length, not the digest length X.509 expects',
      tests: ['rsa-2048 signs PKCS#1 v1.5 and PSS with SHA-256, SHA-384 and SHA-512'],
    },
    {
      reason: "PyKMIP's crypto engine generates RSA key pairs only",
      tests: ['ec-p256 generate and sign ECDSA (DER)', 'ec-p384 generate and sign ECDSA (DER)'],
    },
    {
      reason: 'the kmip driver never exports private keys from the server',
      tests: ['exports an exportable key and refuses a non-exportable one'],
    },
  ],
});
