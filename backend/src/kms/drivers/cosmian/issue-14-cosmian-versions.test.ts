/**
 * Issue 14: the cosmian driver against what real Cosmian KMS 5.x servers do, version by
 * version. Each test plays the server at the version where the fact bites (the stand-in
 * follows Cosmian's code there, test/harness/cosmian-standin/server-versions.ts) and checks
 * what the driver produces, signatures with node:crypto rather than the driver.
 */
import { createPublicKey, verify } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import type { KeyAlgorithm } from '@pki/shared';

import { startCosmianStandIn } from '../../../../test/harness/cosmian-standin.js';
import type { CosmianStandIn, CosmianStandInOptions } from '../../../../test/harness/cosmian-standin.js';
import {
  closedAfterEach,
  cosmianConfigFor,
  startTokenProtectedStandIn,
} from '../../../../test/harness/cosmian-standin-driver.js';
import type { CosmianKmsConfig } from '../../../../test/harness/cosmian-standin-driver.js';
import { KmsPermissionDenied } from '../../kmip/index.js';
import { openCosmianKeyStore } from './cosmian-key-store.js';
import type { CosmianKeyStore } from './cosmian-key-store.js';
import { CosmianVendorMismatch } from './cosmian-server-check.js';
import { CosmianCannotSignCorrectly, ecdsaInput } from './cosmian-signing.js';
import { CosmianServerTooOld, parseCosmianVersion } from './cosmian-versions.js';

const DATA = new TextEncoder().encode('tbs bytes of a certificate');
const POLICY = { attempts: 1, timeoutMs: 5_000 };

const opened = closedAfterEach();

async function openAt(
  options: Omit<CosmianStandInOptions, 'apiToken'>,
  config: Partial<CosmianKmsConfig> = {},
): Promise<{ server: CosmianStandIn; kms: CosmianKeyStore }> {
  const server = await startTokenProtectedStandIn(options);
  opened.standIn = server;
  const kms = await openCosmianKeyStore(cosmianConfigFor(server.url, config), POLICY);
  opened.store = kms;
  return { server, kms };
}

function verifies(spki: Uint8Array, hash: string, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  return verify(hash, DATA, { key, dsaEncoding: 'der' }, signature);
}

describe('issue 14: ECDSA signatures verify on every supported version and build', () => {
  const cases: { version: string; build: 'FIPS' | 'non-FIPS'; algorithm: KeyAlgorithm; hash: 'sha-256' | 'sha-384' }[] =
    [
      // The OpenSSL path hashes DigestedData again before 5.26: P-384 on every build…
      { version: '5.25.0', build: 'non-FIPS', algorithm: 'ec-p384', hash: 'sha-384' },
      { version: '5.15.0', build: 'non-FIPS', algorithm: 'ec-p384', hash: 'sha-256' },
      // …and P-256 on FIPS builds.
      { version: '5.25.0', build: 'FIPS', algorithm: 'ec-p256', hash: 'sha-256' },
      { version: '5.20.0', build: 'FIPS', algorithm: 'ec-p256', hash: 'sha-384' },
      // The non-FIPS P-256 path hashes Data with SHA-256 whatever the DSA says.
      { version: '5.25.0', build: 'non-FIPS', algorithm: 'ec-p256', hash: 'sha-384' },
      { version: '5.26.0', build: 'FIPS', algorithm: 'ec-p384', hash: 'sha-384' },
    ];
  it.each(cases)('$algorithm with $hash on $version $build', async ({ version, build, algorithm, hash }) => {
    const { kms } = await openAt({ version, build });
    const key = await kms.generateKeyPair({ algorithm, label: 'ecdsa', isExportable: false });
    const { signature } = await kms.sign({ privateKeyRef: key.privateKeyRef, scheme: 'ecdsa', hash, data: DATA });
    expect(verifies(key.publicKeySpki, hash.replace('-', ''), signature)).toBe(true);
  });

  it('refuses, with a typed error, the one combination no request gets right: P-256 + SHA-384 on a build that does not say', () => {
    const unstated = parseCosmianVersion('5.20.0 (OpenSSL 3.2.0)');
    expect(unstated.build).toBeUndefined();
    expect(ecdsaInput(unstated, 'ec-p256', 'sha-256')).toBe('data');
    expect(ecdsaInput(unstated, 'ec-p256', 'sha-384')).toBeUndefined();
    expect(ecdsaInput(unstated, 'ec-p384', 'sha-384')).toBe('data');
    expect(ecdsaInput(parseCosmianVersion('5.26.0 (OpenSSL 3.2.0)'), 'ec-p256', 'sha-384')).toBe('digested-data');
    const error = new CosmianCannotSignCorrectly(unstated, 'ec-p256', 'sha-384');
    expect(error.code).toBe('KMS_INVALID_REQUEST');
    expect(error.message).toMatch(/cannot sign ec-p256 with sha-384 correctly/);
  });
});

describe('issue 14: the version floor (5.15) and the versions below it', () => {
  it('refuses 5.12, whose RSA-PSS ignores HashingAlgorithm, before any key operation', async () => {
    const { server, kms } = await openAt({ version: '5.12.1' });
    await expect(
      kms.generateKeyPair({ algorithm: 'rsa-2048', label: 'pss', isExportable: false }),
    ).rejects.toBeInstanceOf(CosmianServerTooOld);
    expect(server.receivedOperations().map((entry) => entry.operation)).not.toContain('CreateKeyPair');
  });

  it('reads /version of a token-protected 5.14 with its credentials, so the answer is "too old", not a 401', async () => {
    const { kms } = await openAt({ version: '5.14.0' });
    const health = await kms.health();
    expect(health.isHealthy).toBe(false);
    expect(health.detail).toMatch(/Cosmian KMS 5\.14\.0 is older than 5\.15\.0/);
  });

  it('accepts 5.15.0, which has no /version auth and has /health, with credentials sent anyway', async () => {
    const { kms } = await openAt({ version: '5.15.0' });
    expect(await kms.health()).toMatchObject({ isHealthy: true, serverVersion: expect.stringMatching(/^5\.15\.0 /) });
  });
});

describe('issue 14: readiness proves the credentials', () => {
  it('a revoked token shows as not ready, naming the refusal', async () => {
    const { server, kms } = await openAt({ version: '5.26.0' });
    expect((await kms.health()).isHealthy).toBe(true);
    server.revokeToken();
    const health = await kms.health();
    expect(health.isHealthy).toBe(false);
    expect(health.detail).toMatch(/refused the credentials \(HTTP 401\)/);
  });

  it('starts with the server down and becomes ready by itself once it answers', async () => {
    const placeholder = await startCosmianStandIn();
    const port = Number(new URL(placeholder.url).port);
    await placeholder.stop();
    const kms = await openCosmianKeyStore(cosmianConfigFor(`http://127.0.0.1:${port}`), POLICY);
    opened.store = kms;
    const down = await kms.health();
    expect(down.isHealthy).toBe(false);
    expect(down.detail).toMatch(/^cosmian: Cosmian GET \/version failed/);
    opened.standIn = await startTokenProtectedStandIn({ port });
    expect((await kms.health()).isHealthy).toBe(true);
    expect(await kms.list()).toEqual([]);
  });
});

describe('issue 14: the vendor identification of the tag attribute', () => {
  it('detects a server started with another KMS_VENDOR_IDENTIFICATION instead of listing nothing', async () => {
    const { kms } = await openAt({ version: '5.26.0', vendorId: 'acme' });
    const error = await kms.list().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(CosmianVendorMismatch);
    expect((error as Error).message).toBe(
      'PKI_COSMIAN_VENDOR_ID is "cosmian" but the server tags objects as "acme" (its KMS_VENDOR_IDENTIFICATION): ' +
        'set PKI_COSMIAN_VENDOR_ID to match',
    );
    expect((await kms.health()).isHealthy).toBe(false);
  });

  it('tags and lists under PKI_COSMIAN_VENDOR_ID when it matches', async () => {
    const { kms } = await openAt({ version: '5.26.0', vendorId: 'acme' }, { vendorId: 'acme' });
    const key = await kms.generateKeyPair({ algorithm: 'ec-p256', label: 'acme-key', isExportable: false });
    expect((await kms.list()).map((entry) => entry.privateKeyRef)).toEqual([key.privateKeyRef]);
  });

  it('refuses another vendor id on a server too old to have the setting (before 5.17)', async () => {
    const { kms } = await openAt({ version: '5.16.0' }, { vendorId: 'acme' });
    await expect(kms.list()).rejects.toBeInstanceOf(CosmianVendorMismatch);
  });
});

describe('issue 14: Sign and Get of revoked keys', () => {
  it.each(['5.24.0', '5.25.0'])('reports Sign with a revoked key as KmsPermissionDenied on %s', async (version) => {
    const { kms } = await openAt({ version });
    const key = await kms.generateKeyPair({ algorithm: 'ec-p256', label: 'retired', isExportable: false });
    await kms.revoke({ privateKeyRef: key.privateKeyRef, reason: 'superseded' });
    await expect(
      kms.sign({ privateKeyRef: key.privateKeyRef, scheme: 'ecdsa', hash: 'sha-256', data: DATA }),
    ).rejects.toBeInstanceOf(KmsPermissionDenied);
  });

  it('on 5.13+ a Compromised key still gives its public key and a Deactivated one does not', async () => {
    const { kms } = await openAt({ version: '5.15.0' });
    const compromised = await kms.generateKeyPair({ algorithm: 'ec-p256', label: 'leaked', isExportable: false });
    const retired = await kms.generateKeyPair({ algorithm: 'ec-p256', label: 'retired', isExportable: false });
    await kms.revoke({ privateKeyRef: compromised.privateKeyRef, reason: 'keyCompromise' });
    await kms.revoke({ privateKeyRef: retired.privateKeyRef, reason: 'superseded' });
    expect(Buffer.from(await kms.getPublicKey(compromised.privateKeyRef))).toEqual(
      Buffer.from(compromised.publicKeySpki),
    );
    await expect(kms.getPublicKey(retired.privateKeyRef)).rejects.toBeInstanceOf(KmsPermissionDenied);
  });
});
