/**
 * The one conformance suite every KeyStore driver passes, parameterized by driver (hono's
 * `router/common.case.test.ts` shape). A driver's `<name>.contract.test.ts` is two lines:
 *
 *     import { runKeyStoreContract } from '../../key-store.contract.js';
 *     runKeyStoreContract({ name: 'local', create: () => openTestStore(), teardown: (s) => s.close() });
 *
 * Signatures are checked with node:crypto, never with the driver. What a backend cannot do
 * is skipped visibly: either declared by the driver (`skip: [{ reason, tests }]`) or
 * because `capabilities()` does not list the algorithm or scheme; every skip prints why.
 * Labels carry a random run id, so the suite can run repeatedly against a persistent
 * server; keys it leaves live are revoked and destroyed in `afterAll`.
 */
import { constants as cryptoConstants, createPrivateKey, createPublicKey, randomUUID, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestContext } from 'vitest';

import type { HashAlgorithm, KeyAlgorithm, SignatureScheme } from '@pki/shared';

import { KmsError, KmsNotFound } from './kmip/errors.js';
import type { KmsErrorCode } from './kmip/errors.js';
import type { GenerateKeyPairResult, KeyStore, KeyStoreCapabilities } from './key-store.js';

/** Stable test names: drivers refer to them in `skip`, so renaming one is a breaking change. */
export const KEY_STORE_CONTRACT_TESTS = [
  'declares its capabilities',
  'reports healthy',
  'rsa-2048 lifecycle: generate, sign, verify, revoke, sign refused, destroy, not found',
  'getPublicKey returns the SPKI given at generation',
  'describe and list show the key under the namespace',
  'rsa-2048 signs PKCS#1 v1.5 and PSS with SHA-256, SHA-384 and SHA-512',
  'revocation reason sets the KMIP state',
  'unknown reference is KmsNotFound',
  'a scheme that does not fit the key is refused',
  'rsa-3072 generate and sign',
  'rsa-4096 generate and sign',
  'ec-p256 generate and sign ECDSA (DER)',
  'ec-p384 generate and sign ECDSA (DER)',
  'exports an exportable key and refuses a non-exportable one',
] as const;
export type KeyStoreContractTest = (typeof KEY_STORE_CONTRACT_TESTS)[number];

export interface KeyStoreContractSkip {
  /** Shown next to each skipped test; say what the backend lacks, e.g. "PyKMIP has no Revoke reason mapping". */
  reason: string;
  tests: readonly KeyStoreContractTest[];
}

export interface KeyStoreContractOptions {
  /** Shown in the suite title, e.g. "local" or "kmip (PyKMIP 0.10)". */
  name: string;
  /** Called once per file; start servers or tokens here or in the caller's beforeAll. */
  create: () => Promise<KeyStore>;
  /** Called after the suite's own cleanup; close the store and stop what `create` started. */
  teardown?: (store: KeyStore) => Promise<void>;
  skip?: readonly KeyStoreContractSkip[];
}

/** The KMS error codes a driver may answer when asked to sign with a revoked key. */
const REVOKED_SIGN_CODES: readonly KmsErrorCode[] = ['KMS_INVALID_REQUEST', 'KMS_PERMISSION_DENIED'];

const DATA = new TextEncoder().encode('PKI Manager key store contract: the quick brown fox');

export function runKeyStoreContract(options: KeyStoreContractOptions): void {
  const skipReasons = new Map<KeyStoreContractTest, string>();
  for (const entry of options.skip ?? []) {
    for (const test of entry.tests) skipReasons.set(test, entry.reason);
  }

  describe(`KeyStore contract: ${options.name}`, () => {
    let store: KeyStore;
    let capabilities: KeyStoreCapabilities;
    const runId = randomUUID().slice(0, 8);
    const createdRefs: string[] = [];
    let labelCounter = 0;

    beforeAll(async () => {
      store = await options.create();
      capabilities = store.capabilities();
    });

    afterAll(async () => {
      if (store === undefined) return;
      for (const ref of createdRefs) await retireQuietly(store, ref);
      if (options.teardown) await options.teardown(store);
    });

    const nextLabel = (what: string) => `contract-${runId}-${what}-${++labelCounter}`;

    async function generate(algorithm: KeyAlgorithm, isExportable = false, what: string = algorithm) {
      const result = await store.generateKeyPair({ algorithm, label: nextLabel(what), isExportable });
      createdRefs.push(result.privateKeyRef);
      return result;
    }

    /** Registers a contract test: declared skips become `it.skip` with the reason in the title. */
    function contractTest(
      name: KeyStoreContractTest,
      body: (context: TestContext) => Promise<void>,
      timeoutMs?: number,
    ) {
      const reason = skipReasons.get(name);
      if (reason !== undefined) {
        it.skip(`${name} [skipped for ${options.name}: ${reason}]`, () => undefined);
        return;
      }
      it(name, body, timeoutMs);
    }

    function requireCapability(context: TestContext, isDeclared: boolean, what: string): void {
      if (isDeclared) return;
      const reason = `${options.name} does not declare ${what} in capabilities()`;
      console.info(`[contract skip] ${context.task.name}: ${reason}`);
      context.skip(reason);
    }

    contractTest('declares its capabilities', async () => {
      expect(capabilities.algorithms).toContain('rsa-2048');
      expect(capabilities.signatureSchemes).toContain('rsa-pkcs1-v1_5');
      expect(typeof capabilities.canExportPrivateKey).toBe('boolean');
      expect(typeof capabilities.doesCascadeToPublicKey).toBe('boolean');
      expect(store.namespace.length).toBeGreaterThan(0);
      expect(store.exportPrivateKey !== undefined || !capabilities.canExportPrivateKey).toBe(true);
    });

    contractTest('reports healthy', async () => {
      const health = await store.health();
      expect(health.isHealthy, health.detail).toBe(true);
    });

    contractTest('rsa-2048 lifecycle: generate, sign, verify, revoke, sign refused, destroy, not found', async () => {
      const key = await generate('rsa-2048', false, 'lifecycle');
      expect(publicKeyDetails(key.publicKeySpki)).toEqual({ type: 'rsa', size: 2048 });

      const { signature } = await store.sign({
        privateKeyRef: key.privateKeyRef,
        scheme: 'rsa-pkcs1-v1_5',
        hash: 'sha-256',
        data: DATA,
      });
      expect(signature).toBeInstanceOf(Uint8Array);
      expect(verifySignature(key, 'rsa-pkcs1-v1_5', 'sha-256', signature)).toBe(true);

      await store.revoke({ privateKeyRef: key.privateKeyRef, reason: 'cessationOfOperation', message: 'contract' });
      const refused = await captureError(
        store.sign({ privateKeyRef: key.privateKeyRef, scheme: 'rsa-pkcs1-v1_5', hash: 'sha-256', data: DATA }),
      );
      expect(refused).toBeInstanceOf(KmsError);
      expect(REVOKED_SIGN_CODES).toContain((refused as KmsError).code);

      await store.destroy(key.privateKeyRef);
      await expect(store.describe(key.privateKeyRef)).rejects.toBeInstanceOf(KmsNotFound);
      await expect(store.getPublicKey(key.privateKeyRef)).rejects.toBeInstanceOf(KmsNotFound);
      await expect(
        store.sign({ privateKeyRef: key.privateKeyRef, scheme: 'rsa-pkcs1-v1_5', hash: 'sha-256', data: DATA }),
      ).rejects.toBeInstanceOf(KmsNotFound);
      const listed = await store.list();
      expect(listed.map((entry) => entry.privateKeyRef)).not.toContain(key.privateKeyRef);
    });

    contractTest('getPublicKey returns the SPKI given at generation', async () => {
      const key = await generate('rsa-2048');
      const spki = await store.getPublicKey(key.privateKeyRef);
      expect(Buffer.from(spki).equals(Buffer.from(key.publicKeySpki))).toBe(true);
    });

    contractTest('describe and list show the key under the namespace', async () => {
      const key = await generate('rsa-2048', false, 'described');
      const description = await store.describe(key.privateKeyRef);
      expect(description).toMatchObject({
        privateKeyRef: key.privateKeyRef,
        label: expect.stringMatching(/^contract-.+-described-\d+$/),
        state: 'active',
        isExportable: false,
      });
      if (description.algorithm !== undefined) expect(description.algorithm).toBe('rsa-2048');
      const listed = await store.list();
      expect(listed.find((entry) => entry.privateKeyRef === key.privateKeyRef)).toMatchObject({
        label: description.label,
        state: 'active',
      });
    });

    contractTest('rsa-2048 signs PKCS#1 v1.5 and PSS with SHA-256, SHA-384 and SHA-512', async (context) => {
      requireCapability(context, capabilities.signatureSchemes.includes('rsa-pss'), 'the rsa-pss scheme');
      const key = await generate('rsa-2048', false, 'matrix');
      for (const scheme of ['rsa-pkcs1-v1_5', 'rsa-pss'] as const) {
        for (const hash of ['sha-256', 'sha-384', 'sha-512'] as const) {
          const { signature } = await store.sign({ privateKeyRef: key.privateKeyRef, scheme, hash, data: DATA });
          expect(verifySignature(key, scheme, hash, signature), `${scheme} ${hash}`).toBe(true);
        }
      }
    });

    contractTest('revocation reason sets the KMIP state', async () => {
      const compromised = await generate('rsa-2048', false, 'compromised');
      await store.revoke({ privateKeyRef: compromised.privateKeyRef, reason: 'keyCompromise' });
      expect((await store.describe(compromised.privateKeyRef)).state).toBe('compromised');

      const retired = await generate('rsa-2048', false, 'retired');
      await store.revoke({ privateKeyRef: retired.privateKeyRef, reason: 'superseded' });
      expect((await store.describe(retired.privateKeyRef)).state).toBe('deactivated');
    });

    contractTest('unknown reference is KmsNotFound', async () => {
      const ghost = await unknownReference(store);
      await expect(store.describe(ghost)).rejects.toBeInstanceOf(KmsNotFound);
      await expect(store.getPublicKey(ghost)).rejects.toBeInstanceOf(KmsNotFound);
      await expect(
        store.sign({ privateKeyRef: ghost, scheme: 'rsa-pkcs1-v1_5', hash: 'sha-256', data: DATA }),
      ).rejects.toBeInstanceOf(KmsNotFound);
    });

    contractTest('a scheme that does not fit the key is refused', async () => {
      const key = await generate('rsa-2048', false, 'misfit');
      const error = await captureError(
        store.sign({ privateKeyRef: key.privateKeyRef, scheme: 'ecdsa', hash: 'sha-256', data: DATA }),
      );
      expect(error).toBeInstanceOf(KmsError);
      expect((error as KmsError).code).toBe('KMS_INVALID_REQUEST');
    });

    const algorithmCases: {
      test: KeyStoreContractTest;
      algorithm: KeyAlgorithm;
      scheme: SignatureScheme;
      hashes: HashAlgorithm[];
      expected: { type: string; size: number | string };
    }[] = [
      {
        test: 'rsa-3072 generate and sign',
        algorithm: 'rsa-3072',
        scheme: 'rsa-pkcs1-v1_5',
        hashes: ['sha-384'],
        expected: { type: 'rsa', size: 3072 },
      },
      {
        test: 'rsa-4096 generate and sign',
        algorithm: 'rsa-4096',
        scheme: 'rsa-pkcs1-v1_5',
        hashes: ['sha-256'],
        expected: { type: 'rsa', size: 4096 },
      },
      {
        test: 'ec-p256 generate and sign ECDSA (DER)',
        algorithm: 'ec-p256',
        scheme: 'ecdsa',
        hashes: ['sha-256', 'sha-384'],
        expected: { type: 'ec', size: 'prime256v1' },
      },
      {
        test: 'ec-p384 generate and sign ECDSA (DER)',
        algorithm: 'ec-p384',
        scheme: 'ecdsa',
        hashes: ['sha-384', 'sha-512'],
        expected: { type: 'ec', size: 'secp384r1' },
      },
    ];
    for (const testCase of algorithmCases) {
      contractTest(
        testCase.test,
        async (context) => {
          requireCapability(context, capabilities.algorithms.includes(testCase.algorithm), testCase.algorithm);
          requireCapability(context, capabilities.signatureSchemes.includes(testCase.scheme), testCase.scheme);
          const key = await generate(testCase.algorithm);
          expect(publicKeyDetails(key.publicKeySpki)).toEqual(testCase.expected);
          for (const hash of testCase.hashes) {
            const { signature } = await store.sign({
              privateKeyRef: key.privateKeyRef,
              scheme: testCase.scheme,
              hash,
              data: DATA,
            });
            expect(verifySignature(key, testCase.scheme, hash, signature), `${testCase.algorithm} ${hash}`).toBe(true);
          }
        },
        // RSA-4096 prime search is heavy-tailed: seconds on a loaded machine, more on an HSM.
        testCase.algorithm === 'rsa-4096' ? 120_000 : undefined,
      );
    }

    contractTest('exports an exportable key and refuses a non-exportable one', async (context) => {
      requireCapability(
        context,
        capabilities.canExportPrivateKey && store.exportPrivateKey !== undefined,
        'private key export',
      );
      const exportPrivateKey = store.exportPrivateKey?.bind(store);
      if (exportPrivateKey === undefined) return;
      const algorithm: KeyAlgorithm = capabilities.algorithms.includes('ec-p256') ? 'ec-p256' : 'rsa-2048';
      const exportable = await generate(algorithm, true, 'exportable');
      const pkcs8 = await exportPrivateKey(exportable.privateKeyRef);
      const derivedSpki = createPublicKey(
        createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }),
      ).export({
        type: 'spki',
        format: 'der',
      });
      expect(derivedSpki.equals(Buffer.from(exportable.publicKeySpki))).toBe(true);

      const sealed = await generate('rsa-2048', false, 'sealed');
      const refused = await captureError(exportPrivateKey(sealed.privateKeyRef));
      expect(refused).toBeInstanceOf(KmsError);
      expect((refused as KmsError).code).toBe('KMS_PERMISSION_DENIED');
    });
  });
}

function verifySignature(
  key: GenerateKeyPairResult,
  scheme: SignatureScheme,
  hash: HashAlgorithm,
  signature: Uint8Array,
): boolean {
  const publicKey = createPublicKey({ key: Buffer.from(key.publicKeySpki), format: 'der', type: 'spki' });
  const nodeHash = hash.replace('-', '');
  switch (scheme) {
    case 'rsa-pkcs1-v1_5':
      return verify(nodeHash, DATA, { key: publicKey, padding: cryptoConstants.RSA_PKCS1_PADDING }, signature);
    case 'rsa-pss':
      // Strict salt length (= hash length), not AUTO: a driver using another salt fails here.
      return verify(
        nodeHash,
        DATA,
        {
          key: publicKey,
          padding: cryptoConstants.RSA_PKCS1_PSS_PADDING,
          saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST,
        },
        signature,
      );
    case 'ecdsa':
      return verify(nodeHash, DATA, { key: publicKey, dsaEncoding: 'der' }, signature);
  }
}

function publicKeyDetails(spki: Uint8Array): { type: string; size: number | string } {
  const key: KeyObject = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  const details = key.asymmetricKeyDetails ?? {};
  return { type: key.asymmetricKeyType ?? 'unknown', size: details.modulusLength ?? details.namedCurve ?? 'unknown' };
}

async function captureError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the key store to refuse, but it succeeded');
}

/** A reference of the same shape as a real one that the store has never issued. */
async function unknownReference(store: KeyStore): Promise<string> {
  const listed = await store.list();
  const sample = listed[0]?.privateKeyRef;
  if (sample !== undefined && /^\d+$/.test(sample)) return String(Number.MAX_SAFE_INTEGER - 7);
  return randomUUID();
}

async function retireQuietly(store: KeyStore, privateKeyRef: string): Promise<void> {
  try {
    const { state } = await store.describe(privateKeyRef);
    if (state === 'destroyed') return;
    if (state === 'active' || state === 'pre-active') {
      await store.revoke({ privateKeyRef, reason: 'cessationOfOperation', message: 'contract suite cleanup' });
    }
    await store.destroy(privateKeyRef);
  } catch {
    // Cleanup of a test key that a test already destroyed, or a backend that refuses: not a contract failure.
  }
}
