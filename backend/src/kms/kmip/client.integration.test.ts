/**
 * The client against a REAL PyKMIP server (Debian python3-pykmip 0.10) over mutual TLS,
 * binary TTLV, with the version negotiated by DiscoverVersions (PyKMIP offers up to 2.0).
 */
import { createPublicKey, randomBytes, randomUUID, verify } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startPyKmip, type PyKmipServer } from '../../../test/harness/pykmip.js';
import { KmipClient } from './client.js';
import { KmsNotFound, KmsPermissionDenied } from './errors.js';
import { KMIP_1_2, KMIP_2_0, type ProtocolVersion } from './messages.js';
import { TlsTransport } from './transport/tls.js';

let server: PyKmipServer;

function clientFor(kmip: PyKmipServer, protocolVersion?: ProtocolVersion): KmipClient {
  const transport = new TlsTransport({
    host: kmip.host,
    port: kmip.port,
    ca: kmip.caPem,
    cert: kmip.clientCertPem,
    key: kmip.clientKeyPem,
    poolSize: 2,
  });
  return new KmipClient(transport, {
    retry: { backoffMs: [100, 200], timeoutMs: 20_000 },
    ...(protocolVersion ? { protocolVersion } : {}),
  });
}

/** Runs `use` with a fresh client and closes it whatever the outcome. */
async function withClient(use: (client: KmipClient) => Promise<void>, protocolVersion?: ProtocolVersion) {
  const client = clientFor(server, protocolVersion);
  try {
    await use(client);
  } finally {
    await client.close();
  }
}

const RSA_PKCS1_SHA256 = { paddingMethod: 'PKCS1v15', hashingAlgorithm: 'SHA256', cryptographicAlgorithm: 'RSA' };
const AES_256_ATTRIBUTES = { cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: 12 };

/** An RSA-2048 pair whose private half may sign (mask 1) and public half verify (mask 2). */
function createRsaPair(client: KmipClient, name?: string) {
  return client.createKeyPair({
    commonAttributes: { cryptographicAlgorithm: 'RSA', cryptographicLength: 2048 },
    privateKeyAttributes: { ...(name === undefined ? {} : { names: [{ value: name }] }), cryptographicUsageMask: 1 },
    publicKeyAttributes: { cryptographicUsageMask: 2 },
  });
}

beforeAll(async () => {
  server = await startPyKmip();
});

afterAll(async () => {
  await server?.stop();
});

describe('KMIP client against PyKMIP', () => {
  it('negotiates KMIP 2.0 with DiscoverVersions', async () => {
    await withClient(async (client) => {
      expect(await client.protocolVersion()).toEqual(KMIP_2_0);
    });
  });

  for (const version of [KMIP_2_0, KMIP_1_2]) {
    const label = `${version.major}.${version.minor}`;
    it(`KMIP ${label}: CreateKeyPair RSA-2048 → Get public key → Sign SHA-256 → verify with node:crypto → Revoke → Destroy → Get is KmsNotFound`, async () => {
      await withClient(async (client) => {
        const name = `it-rsa-${label}-${randomUUID()}`;
        const pair = await createRsaPair(client, name);
        const publicKey = await client.getPublicKey(pair.publicKeyUniqueIdentifier);
        expect(publicKey.keyFormatType).toBe('PKCS1');
        const keyObject = createPublicKey({ key: Buffer.from(publicKey.spki), format: 'der', type: 'spki' });
        expect(keyObject.asymmetricKeyDetails?.modulusLength).toBe(2048);

        const message = new TextEncoder().encode('to be signed by PyKMIP');
        await expect(
          client.sign({
            uniqueIdentifier: pair.privateKeyUniqueIdentifier,
            cryptographicParameters: RSA_PKCS1_SHA256,
            data: message,
          }),
        ).rejects.toBeInstanceOf(KmsPermissionDenied); // created PRE_ACTIVE
        await client.activate(pair.privateKeyUniqueIdentifier);

        const pkcs1 = await client.sign({
          uniqueIdentifier: pair.privateKeyUniqueIdentifier,
          cryptographicParameters: RSA_PKCS1_SHA256,
          data: message,
        });
        expect(verify('sha256', message, keyObject, pkcs1.signatureData)).toBe(true);

        const pss = await client.sign({
          uniqueIdentifier: pair.privateKeyUniqueIdentifier,
          cryptographicParameters: { paddingMethod: 'PSS', hashingAlgorithm: 'SHA256', cryptographicAlgorithm: 'RSA' },
          data: message,
        });
        // PyKMIP signs PSS with the maximum salt length; verify with "auto" salt (-2).
        expect(verify('sha256', message, { key: keyObject, padding: 6, saltLength: -2 }, pss.signatureData)).toBe(true);

        const located = await client.locate({ attributes: { names: [{ value: name }] } });
        expect(located.uniqueIdentifiers).toEqual([pair.privateKeyUniqueIdentifier]);

        await expect(client.destroy({ uniqueIdentifier: pair.privateKeyUniqueIdentifier })).rejects.toBeInstanceOf(
          KmsPermissionDenied,
        ); // active objects cannot be destroyed
        await client.revoke({
          uniqueIdentifier: pair.privateKeyUniqueIdentifier,
          reason: 'CessationOfOperation',
          message: 'integration test',
        });
        await client.destroy({ uniqueIdentifier: pair.privateKeyUniqueIdentifier });
        const error = await client
          .get({ uniqueIdentifier: pair.privateKeyUniqueIdentifier })
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(KmsNotFound);
        expect(error).toMatchObject({ serverReason: 'Item_Not_Found', operation: 'Get' });
      }, version);
    });
  }

  it('GetAttributes reads state and algorithm', async () => {
    await withClient(async (client) => {
      const pair = await createRsaPair(client);
      const attributes = await client.getAttributes({
        uniqueIdentifier: pair.privateKeyUniqueIdentifier,
        attributeReferences: ['State', 'CryptographicAlgorithm', 'CryptographicLength'],
      });
      expect(attributes.attributes).toMatchObject({
        state: 'PreActive',
        cryptographicAlgorithm: 'RSA',
        cryptographicLength: 2048,
      });
    });
  });

  it('Create AES-256 → Encrypt/Decrypt AES-GCM round trip with IV, tag and AAD', async () => {
    await withClient(async (client) => {
      const key = await client.create({
        objectType: 'SymmetricKey',
        attributes: AES_256_ATTRIBUTES,
      });
      await client.activate(key.uniqueIdentifier);
      const parameters = { cryptographicAlgorithm: 'AES', blockCipherMode: 'GCM', tagLength: 16 };
      const plaintext = randomBytes(100);
      const iv = randomBytes(12);
      const aad = new TextEncoder().encode('header');
      const encrypted = await client.encrypt({
        uniqueIdentifier: key.uniqueIdentifier,
        cryptographicParameters: parameters,
        data: plaintext,
        ivCounterNonce: iv,
        authenticatedEncryptionAdditionalData: aad,
      });
      expect(encrypted.authenticatedEncryptionTag?.length).toBe(16);
      expect(Buffer.from(encrypted.data).equals(plaintext)).toBe(false);
      const decrypted = await client.decrypt({
        uniqueIdentifier: key.uniqueIdentifier,
        cryptographicParameters: parameters,
        data: encrypted.data,
        ivCounterNonce: iv,
        authenticatedEncryptionAdditionalData: aad,
        ...(encrypted.authenticatedEncryptionTag
          ? { authenticatedEncryptionTag: encrypted.authenticatedEncryptionTag }
          : {}),
      });
      expect(Buffer.from(decrypted.data).equals(plaintext)).toBe(true);
    });
  });

  it('Locate by name finds the created object, and nothing for an unknown name', async () => {
    await withClient(async (client) => {
      const name = `it-aes-${randomUUID()}`;
      const key = await client.create({
        objectType: 'SymmetricKey',
        attributes: { ...AES_256_ATTRIBUTES, names: [{ value: name }] },
      });
      expect((await client.locate({ attributes: { names: [{ value: name }] } })).uniqueIdentifiers).toEqual([
        key.uniqueIdentifier,
      ]);
      expect((await client.locate({ attributes: { names: [{ value: `${name}-absent` }] } })).uniqueIdentifiers).toEqual(
        [],
      );
    });
  });

  it('keys survive a restart of the PyKMIP server (the pool reconnects)', async () => {
    await withClient(async (client) => {
      const pair = await createRsaPair(client);
      await client.activate(pair.privateKeyUniqueIdentifier);
      const before = await client.getPublicKey(pair.publicKeyUniqueIdentifier);
      await server.restart();
      const after = await client.getPublicKey(pair.publicKeyUniqueIdentifier);
      expect(Buffer.from(after.spki).equals(Buffer.from(before.spki))).toBe(true);
      const message = new TextEncoder().encode('after restart');
      const signed = await client.sign({
        uniqueIdentifier: pair.privateKeyUniqueIdentifier,
        cryptographicParameters: RSA_PKCS1_SHA256,
        data: message,
      });
      expect(
        verify(
          'sha256',
          message,
          createPublicKey({ key: Buffer.from(after.spki), format: 'der', type: 'spki' }),
          signed.signatureData,
        ),
      ).toBe(true);
    });
  });
});
