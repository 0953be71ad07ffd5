/**
 * What the cosmian driver must do beyond the shared contract, checked on what the Cosmian
 * stand-in actually received: the version floor checked at first contact, Cascade=true and
 * ActivationDate on the wire, revoke before destroy, the three error shapes, and retries
 * that never duplicate a key. The facts that change with the server version are in
 * issue-14-cosmian-versions.test.ts.
 */
import { createHash } from 'node:crypto';

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { startCosmianStandIn } from '../../../../test/harness/cosmian-standin.js';
import type { CosmianStandIn } from '../../../../test/harness/cosmian-standin.js';
import { cosmianConfigFor, STAND_IN_TOKEN } from '../../../../test/harness/cosmian-standin-driver.js';
import type { JsonTtlv } from '../../../../test/harness/cosmian-standin/json-ttlv.js';
import type { KmsError } from '../../kmip/index.js';
import { HttpsTransport, KmsNotFound, KmsPermissionDenied, KmsProtocolError } from '../../kmip/index.js';
import { loadConfig } from '../../../config.js';
import type { DatabaseHandle } from '../../../db/client.js';
import { createKeyStore } from '../../create-key-store.js';
import type { KeyStore } from '../../key-store.js';
import { KeyStoreBreaker } from '../../key-store-breaker.js';
import { openCosmianKeyStore } from './cosmian-key-store.js';
import { CosmianServerTooOld } from './cosmian-versions.js';

const TOKEN = STAND_IN_TOKEN;
const DATA = new TextEncoder().encode('tbs certificate bytes');

let standIn: CosmianStandIn | undefined;
let store: KeyStore | undefined;

afterEach(async () => {
  await store?.close();
  await standIn?.stop();
  store = undefined;
  standIn = undefined;
});

async function open(
  options: {
    version?: string;
    token?: string;
    timeoutMs?: number;
    attempts?: number;
  } = {},
) {
  standIn = await startCosmianStandIn({
    apiToken: TOKEN,
    ...(options.version ? { version: options.version } : {}),
  });
  const opened = openCosmianKeyStore(cosmianConfigFor(standIn.url, { token: options.token ?? TOKEN }), {
    attempts: options.attempts ?? 3,
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  return { standIn, opened };
}

/** A payload's child by tag, as the stand-in received it. */
function field(node: JsonTtlv | undefined, tag: string): JsonTtlv | undefined {
  return Array.isArray(node?.value) ? (node.value as JsonTtlv[]).find((child) => child.tag === tag) : undefined;
}

function sent(server: CosmianStandIn, operation: string): JsonTtlv[] {
  return server
    .receivedOperations()
    .filter((entry) => entry.operation === operation)
    .map((entry) => entry.payload);
}

describe('cosmian driver: selection', () => {
  it('is built by createKeyStore from PKI_* variables, as the app does', async () => {
    standIn = await startCosmianStandIn({ apiToken: TOKEN });
    const config = loadConfig({
      PKI_KMS_BACKEND: 'cosmian',
      PKI_COSMIAN_URL: standIn.url,
      PKI_COSMIAN_TOKEN: TOKEN,
      PKI_KMS_NAMESPACE: 'pki-app',
    });
    // The database is the local driver's only; the cosmian factory never touches it.
    store = await createKeyStore(config, {
      log: pino({ level: 'silent' }),
      database: {} as DatabaseHandle,
    });
    // The app composes every driver inside the circuit breaker (kms/key-store-breaker.ts).
    expect(store).toBeInstanceOf(KeyStoreBreaker);
    expect(store.backend).toBe('cosmian');
    expect(store.namespace).toBe('pki-app');
    expect(await store.health()).toMatchObject({
      isHealthy: true,
      serverVersion: expect.stringMatching(/^5\.26\.0 /),
    });
  });
});

describe('cosmian driver: server version', () => {
  it('refuses a server older than 5.15 at first contact: not ready, and no key operation is sent', async () => {
    const { standIn: server, opened } = await open({ version: '5.14.1' });
    store = await opened;
    expect(server.received).toHaveLength(0);
    const health = await store.health();
    expect(health).toMatchObject({
      isHealthy: false,
      detail:
        'cosmian: Cosmian KMS 5.14.1 is older than 5.15.0, the oldest version this driver supports (kms/README.md lists why)',
    });
    const error = await store.list().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(CosmianServerTooOld);
    expect(error).toBeInstanceOf(KmsProtocolError);
    expect((error as KmsError).code).toBe('KMS_PROTOCOL_ERROR');
    expect(server.receivedOperations().map((entry) => entry.operation)).toEqual([]);
  });

  it('accepts 5.15.0 and reports unhealthy if the server is later downgraded', async () => {
    const { standIn: server, opened } = await open({ version: '5.15.0' });
    store = await opened;
    expect((await store.health()).isHealthy).toBe(true);
    server.setVersion('5.12.0');
    const health = await store.health();
    expect(health).toMatchObject({
      isHealthy: false,
      detail:
        'cosmian: Cosmian KMS 5.12.0 is older than 5.15.0, the oldest version this driver supports (kms/README.md lists why)',
    });
    await expect(
      store.sign({ privateKeyRef: 'any', scheme: 'rsa-pkcs1-v1_5', hash: 'sha-256', data: DATA }),
    ).rejects.toBeInstanceOf(CosmianServerTooOld);
  });
});

describe('cosmian driver: what goes on the wire', () => {
  it('creates with ActivationDate, Name, namespace tag and Sensitive, then needs no Activate', async () => {
    const { standIn: server, opened } = await open();
    store = await opened;
    const before = Date.now();
    const key = await store.generateKeyPair({
      algorithm: 'rsa-2048',
      label: 'root-2026',
      isExportable: false,
    });

    const [create] = sent(server, 'CreateKeyPair');
    const common = field(create, 'CommonAttributes');
    const activation = Date.parse(String(field(common, 'ActivationDate')?.value));
    expect(activation).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(activation).toBeLessThanOrEqual(Date.now());
    const tag = field(common, 'Attribute');
    // The namespace, and the listing bucket of the key's Name (cosmian-key-listing.ts).
    const bucket = createHash('sha256').update('pki-test/root-2026').digest().toString('hex').slice(0, 2);
    expect(field(tag, 'AttributeValue')?.value).toBe(`["pki-test","pki-test/bucket-${bucket}"]`);
    const privateSide = field(create, 'PrivateKeyAttributes');
    expect(field(field(privateSide, 'Name'), 'NameValue')?.value).toBe('pki-test/root-2026');
    expect(field(privateSide, 'Sensitive')?.value).toBe(true);
    expect(server.inspect(key.privateKeyRef)?.state).toBe('Active');
    expect(sent(server, 'Activate')).toHaveLength(0);
  });

  it('sends Cascade=true on Revoke and Destroy, so the KMS retires the public key too', async () => {
    const { standIn: server, opened } = await open();
    store = await opened;
    const key = await store.generateKeyPair({
      algorithm: 'ec-p256',
      label: 'issuing',
      isExportable: false,
    });
    await store.revoke({
      privateKeyRef: key.privateKeyRef,
      reason: 'superseded',
      message: 'rotated',
    });
    await store.destroy(key.privateKeyRef);

    const [revoke] = sent(server, 'Revoke');
    expect(field(revoke, 'Cascade')).toEqual({
      tag: 'Cascade',
      type: 'Boolean',
      value: true,
    });
    expect(field(field(revoke, 'RevocationReason'), 'RevocationReasonCode')?.value).toBe('Superseded');
    const [destroy] = sent(server, 'Destroy');
    expect(field(destroy, 'Cascade')).toEqual({
      tag: 'Cascade',
      type: 'Boolean',
      value: true,
    });
    expect(server.inspect(key.publicKeyRef)?.state).toBe('Destroyed');
  });

  it('revokes an Active key before destroying it (Cosmian refuses otherwise)', async () => {
    const { standIn: server, opened } = await open();
    store = await opened;
    const key = await store.generateKeyPair({
      algorithm: 'rsa-2048',
      label: 'short-lived',
      isExportable: false,
    });
    await store.destroy(key.privateKeyRef);
    const order = server
      .receivedOperations()
      .map((entry) => entry.operation)
      .filter((name) => name === 'Revoke' || name === 'Destroy');
    expect(order).toEqual(['Revoke', 'Destroy']);
    expect(server.inspect(key.privateKeyRef)?.state).toBe('Destroyed');
    await expect(store.destroy(key.privateKeyRef)).rejects.toBeInstanceOf(KmsNotFound);
  });

  it('signs ECDSA on 5.26 by sending our digest as DigestedData with the matching DSA', async () => {
    const { standIn: server, opened } = await open();
    store = await opened;
    const key = await store.generateKeyPair({
      algorithm: 'ec-p256',
      label: 'ocsp',
      isExportable: false,
    });
    await store.sign({
      privateKeyRef: key.privateKeyRef,
      scheme: 'ecdsa',
      hash: 'sha-384',
      data: DATA,
    });
    const [sign] = sent(server, 'Sign');
    expect(field(sign, 'Data')).toBeUndefined();
    expect(String(field(sign, 'DigestedData')?.value)).toHaveLength(96);
    expect(field(field(sign, 'CryptographicParameters'), 'DigitalSignatureAlgorithm')?.value).toBe('ECDSAWithSHA384');
  });
});

describe('cosmian driver: error shapes', () => {
  it('maps 401 "No authentication provided." to KmsPermissionDenied at first contact', async () => {
    const { opened } = await open({ token: 'd3JvbmctdG9rZW4=' });
    store = await opened;
    const error = await store.list().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(KmsPermissionDenied);
    expect((error as KmsError).serverMessage).toBe('No authentication provided.');
    expect((await store.health()).isHealthy).toBe(false);
  });

  it('maps failed BatchItems: Object_Not_Found → KmsNotFound, Permission_Denied on a revoked key → KmsPermissionDenied', async () => {
    const { opened } = await open();
    store = await opened;
    const ghost = await store.describe('00000000-0000-4000-8000-000000000000').catch((error: unknown) => error);
    expect(ghost).toBeInstanceOf(KmsNotFound);
    expect((ghost as KmsError).serverReason).toBe('Object_Not_Found');

    const key = await store.generateKeyPair({
      algorithm: 'rsa-2048',
      label: 'revoked',
      isExportable: false,
    });
    await store.revoke({
      privateKeyRef: key.privateKeyRef,
      reason: 'keyCompromise',
    });
    const refused = await store
      .sign({
        privateKeyRef: key.privateKeyRef,
        scheme: 'rsa-pkcs1-v1_5',
        hash: 'sha-256',
        data: DATA,
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(KmsPermissionDenied);
    expect((refused as KmsError).serverReason).toBe('Permission_Denied');
  });

  it('maps 422 plain-text answers of bare operations through the same transport', async () => {
    const { standIn: server } = await open();
    const transport = new HttpsTransport({
      url: server.url,
      bearerToken: TOKEN,
    });
    const bare = (operation: unknown) =>
      transport
        .roundTrip(new TextEncoder().encode(JSON.stringify(operation)), {
          signal: AbortSignal.timeout(5_000),
        })
        .catch((error: unknown) => error);
    try {
      const unknownKey = await bare({
        tag: 'Sign',
        value: [
          { tag: 'UniqueIdentifier', type: 'TextString', value: 'nope' },
          { tag: 'Data', type: 'ByteString', value: '00' },
        ],
      });
      expect(unknownKey).toBeInstanceOf(KmsNotFound);
      expect((unknownKey as KmsError).serverMessage).toBe('Item_Not_Found: Sign: no valid key for id: nope');

      const created = JSON.parse(
        Buffer.from(
          await transport.roundTrip(
            new TextEncoder().encode(
              JSON.stringify({
                tag: 'CreateKeyPair',
                value: [
                  {
                    tag: 'CommonAttributes',
                    value: [
                      {
                        tag: 'CryptographicAlgorithm',
                        type: 'Enumeration',
                        value: 'RSA',
                      },
                      {
                        tag: 'CryptographicLength',
                        type: 'Integer',
                        value: 2048,
                      },
                      {
                        tag: 'ActivationDate',
                        type: 'DateTime',
                        value: new Date(Date.now() - 60_000).toISOString(),
                      },
                    ],
                  },
                ],
              }),
            ),
            { signal: AbortSignal.timeout(10_000) },
          ),
        ).toString('utf8'),
      ) as { value: { tag: string; value: string }[] };
      const uid = created.value.find((entry) => entry.tag === 'PrivateKeyUniqueIdentifier')?.value;
      const activeDestroy = await bare({
        tag: 'Destroy',
        value: [{ tag: 'UniqueIdentifier', type: 'TextString', value: uid }],
      });
      expect(activeDestroy).toBeInstanceOf(KmsPermissionDenied);
      expect((activeDestroy as KmsError).serverMessage).toBe('Wrong_Key_Lifecycle_State: DENIED');
    } finally {
      await transport.close();
    }
  });
});

describe('cosmian driver: retries', () => {
  it('retries a 503 and then succeeds', async () => {
    const { standIn: server, opened } = await open();
    store = await opened;
    const key = await store.generateKeyPair({
      algorithm: 'rsa-2048',
      label: 'retry',
      isExportable: false,
    });
    server.injectFaults('unavailable', 1, 'Sign');
    const { signature } = await store.sign({
      privateKeyRef: key.privateKeyRef,
      scheme: 'rsa-pkcs1-v1_5',
      hash: 'sha-256',
      data: DATA,
    });
    expect(signature.length).toBe(256);
    const signRequests = server.received.filter((request) => JSON.stringify(request.body).includes('"Sign"'));
    expect(signRequests.map((request) => request.status)).toEqual([503, 200]);
  });

  it('times out a hung request and retries it', async () => {
    const { standIn: server, opened } = await open({ timeoutMs: 500 });
    store = await opened;
    server.injectFaults('hang', 1, 'Locate');
    expect(await store.list()).toEqual([]);
    expect(
      server.received
        .filter((request) => JSON.stringify(request.body).includes('"Locate"'))
        .map((request) => request.status),
    ).toEqual([0, 200]);
  });

  it('does not create a second key when a create succeeded but its answer was lost', async () => {
    const { standIn: server, opened } = await open({ timeoutMs: 2_000 });
    store = await opened;
    server.injectFaults('lose-answer', 1, 'CreateKeyPair');
    const key = await store.generateKeyPair({
      algorithm: 'rsa-2048',
      label: 'once',
      isExportable: false,
    });
    expect(sent(server, 'CreateKeyPair')).toHaveLength(1);
    expect((await store.list()).map((entry) => entry.privateKeyRef)).toEqual([key.privateKeyRef]);
  });
});
