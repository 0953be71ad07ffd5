/**
 * What the kmip driver does beyond the shared contract, on a real PyKMIP server: selection
 * from PKI_KMIP_* variables, version negotiation, unique labels, and destroying both halves
 * of a pair on a server without cascade.
 */
import { join } from 'node:path';

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startPyKmip } from '../../../../test/harness/pykmip.js';
import type { PyKmipServer } from '../../../../test/harness/pykmip.js';
import { loadConfig } from '../../../config.js';
import type { DatabaseHandle } from '../../../db/client.js';
import { createKeyStore } from '../../create-key-store.js';
import { KmipClient, KmsInvalidRequest, KmsNotFound, TlsTransport } from '../../kmip/index.js';
import type { KeyStore } from '../../key-store.js';
import { KeyStoreBreaker } from '../../key-store-breaker.js';

let server: PyKmipServer;
let store: KeyStore;

beforeAll(async () => {
  server = await startPyKmip();
  const config = loadConfig({
    PKI_KMS_BACKEND: 'kmip',
    PKI_KMS_NAMESPACE: 'pki-kmip-test',
    PKI_KMIP_HOST: server.host,
    PKI_KMIP_PORT: String(server.port),
    PKI_KMIP_CA: join(server.directory, 'ca.crt'),
    PKI_KMIP_CERT: join(server.directory, 'client.crt'),
    PKI_KMIP_KEY: join(server.directory, 'client.key'),
  });
  // The database is the local driver's only; the kmip factory never touches it.
  store = await createKeyStore(config, {
    log: pino({ level: 'silent' }),
    database: {} as DatabaseHandle,
  });
});

afterAll(async () => {
  await store?.close();
  await server?.stop();
});

describe('kmip driver on PyKMIP', () => {
  it('is built by createKeyStore from PKI_KMIP_* and negotiates the version with DiscoverVersions', async () => {
    // The app composes every driver inside the circuit breaker (kms/key-store-breaker.ts).
    expect(store).toBeInstanceOf(KeyStoreBreaker);
    expect(store.backend).toBe('kmip');
    const health = await store.health();
    expect(health.isHealthy, health.detail).toBe(true);
    // PyKMIP 0.10 offers 2.0 down to 1.0; the client prefers the newest it shares.
    expect(health.serverVersion).toMatch(/\(KMIP 2\.0\)$/);
  });

  it('refuses a label that is already in use instead of making a second key with the same Name', async () => {
    await store.generateKeyPair({
      algorithm: 'rsa-2048',
      label: 'twice',
      isExportable: false,
    });
    await expect(
      store.generateKeyPair({
        algorithm: 'rsa-2048',
        label: 'twice',
        isExportable: false,
      }),
    ).rejects.toBeInstanceOf(KmsInvalidRequest);
    expect((await store.list()).filter((entry) => entry.label === 'twice')).toHaveLength(1);
  });

  it('destroys an Active key by revoking it first, and destroys its public key too', async () => {
    const key = await store.generateKeyPair({
      algorithm: 'rsa-2048',
      label: 'destroy-active',
      isExportable: false,
    });
    expect((await store.describe(key.privateKeyRef)).state).toBe('active');
    await store.destroy(key.privateKeyRef);
    await expect(store.describe(key.privateKeyRef)).rejects.toBeInstanceOf(KmsNotFound);
    // The public key is gone from the server, not merely unreachable through the private one.
    const client = new KmipClient(
      new TlsTransport({
        host: server.host,
        port: server.port,
        ca: server.caPem,
        cert: server.clientCertPem,
        key: server.clientKeyPem,
      }),
    );
    try {
      await expect(client.get({ uniqueIdentifier: key.publicKeyRef })).rejects.toBeInstanceOf(KmsNotFound);
    } finally {
      await client.close();
    }
  });

  it('refuses what PyKMIP cannot do before calling it: EC keys, exportable keys, PSS', async () => {
    await expect(
      store.generateKeyPair({
        algorithm: 'ec-p256',
        label: 'ec',
        isExportable: false,
      }),
    ).rejects.toBeInstanceOf(KmsInvalidRequest);
    await expect(
      store.generateKeyPair({
        algorithm: 'rsa-2048',
        label: 'exp',
        isExportable: true,
      }),
    ).rejects.toBeInstanceOf(KmsInvalidRequest);
    const key = await store.generateKeyPair({
      algorithm: 'rsa-2048',
      label: 'pss',
      isExportable: false,
    });
    await expect(
      store.sign({
        privateKeyRef: key.privateKeyRef,
        scheme: 'rsa-pss',
        hash: 'sha-256',
        data: new Uint8Array([1]),
      }),
    ).rejects.toBeInstanceOf(KmsInvalidRequest);
  });
});
