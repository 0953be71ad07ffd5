/**
 * `local`: the embedded key store, zero setup, for development and demos.
 *
 * Config: `PKI_KMS_BACKEND=local` (the default), `PKI_DATA_DIR` (the identity goes in
 * `${PKI_DATA_DIR}/kms/identity.age`), `PKI_KMS_NAMESPACE` (label prefix, default
 * `pki-manager`). Example:
 *
 *     PKI_KMS_BACKEND=local PKI_DATA_DIR=./data pnpm start
 *
 * Keys are made with node:crypto. Private keys are kept as PKCS#8 DER sealed with age to an
 * X25519 identity, in a SealedKeyStorage the composition root provides (the app's SQLite
 * file, table `local_kms_keys`); a sealed key opens with `age -d -i identity.age`. The
 * identity sits on the same disk as the database, so this protects a copied database, not a
 * copied data directory: production deployments use cosmian, kmip or pkcs11.
 */
import { createPrivateKey, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import type { Logger } from 'pino';

import { KEY_ALGORITHMS, SIGNATURE_SCHEMES } from '@pki/shared';
import type { KeyAlgorithm, KeyState } from '@pki/shared';

import { KmsInvalidRequest, KmsNotFound, KmsPermissionDenied, KmsUnavailable } from '../../kmip/errors.js';
import { stateAfterRevocation } from '../../key-store.js';
import type {
  GenerateKeyPairRequest,
  GenerateKeyPairResult,
  KeyDescription,
  KeyReference,
  KeyStore,
  KeyStoreCapabilities,
  KeyStoreHealth,
  RevokeKeyRequest,
  SignRequest,
  SignResult,
} from '../../key-store.js';
import { loadOrCreateAgeIdentity } from './age-identity.js';
import type { AgeIdentity } from './age-identity.js';
import { openWithIdentity, sealToIdentity } from './age-sealing.js';
import { generateNodeKeyPair, NODE_HASH_NAMES, signingKeyInput } from './node-crypto-keys.js';
import type { SealedKey, SealedKeyStorage } from './sealed-key-storage.js';
import { SigningQueue } from './signing-queue.js';

export interface LocalKeyStoreOptions {
  /** `PKI_DATA_DIR`; the identity is kept in `${dataDir}/kms/identity.age`. */
  dataDir: string;
  /** `PKI_KMS_NAMESPACE`; labels are stored as `<namespace>/<label>` (a "/" is appended when missing). */
  namespace: string;
  isProduction: boolean;
  /** Where the sealed keys are kept (the app's database, in the app). */
  storage: SealedKeyStorage;
  /**
   * The cores this process may use; default `os.availableParallelism()`. With one, every
   * signature is computed inline: there is no other core for libuv's thread pool to use
   * (see SigningQueue).
   */
  availableCores?: number;
}

const CAPABILITIES: KeyStoreCapabilities = Object.freeze({
  algorithms: KEY_ALGORITHMS,
  signatureSchemes: SIGNATURE_SCHEMES,
  canExportPrivateKey: true,
  doesCascadeToPublicKey: true,
});

/** What a signature needs, kept in memory so signing pays neither the storage nor age. */
interface UnsealedKey {
  readonly algorithm: KeyAlgorithm;
  state: KeyState;
  readonly privateKey: KeyObject;
}

export class LocalKeyStore implements KeyStore {
  readonly backend = 'local' as const;
  readonly namespace: string;
  readonly #labelPrefix: string;
  readonly #identity: AgeIdentity;
  readonly #storage: SealedKeyStorage;
  readonly #signingQueue: SigningQueue;
  /**
   * node:crypto KeyObjects cannot be marked non-extractable, so the unsealed keys live in
   * this private field and nothing but `sign` ever reaches them.
   */
  readonly #unsealedKeys = new Map<KeyReference, UnsealedKey>();
  readonly #pendingUnseals = new Map<KeyReference, Promise<UnsealedKey>>();

  private constructor(options: LocalKeyStoreOptions, identity: AgeIdentity) {
    this.#labelPrefix = options.namespace.endsWith('/') ? options.namespace : `${options.namespace}/`;
    this.namespace = this.#labelPrefix;
    this.#identity = identity;
    this.#storage = options.storage;
    this.#signingQueue = new SigningQueue(options.availableCores ?? availableParallelism());
  }

  static async open(options: LocalKeyStoreOptions, log: Logger): Promise<LocalKeyStore> {
    if (options.isProduction) {
      log.warn(
        { backend: 'local' },
        'the local key store is for development: its private keys and the identity that seals them share this disk; use cosmian, kmip or pkcs11 in production',
      );
    }
    await useStorage('open', () => options.storage.probe());
    const identity = await loadOrCreateAgeIdentity(join(options.dataDir, 'kms'), log);
    return new LocalKeyStore(options, identity);
  }

  capabilities(): KeyStoreCapabilities {
    return CAPABILITIES;
  }

  async generateKeyPair(request: GenerateKeyPairRequest): Promise<GenerateKeyPairResult> {
    const operation = 'generateKeyPair';
    const storedLabel = this.#labelPrefix + request.label;
    if (await useStorage(operation, () => this.#storage.isLabelTaken(storedLabel))) {
      throw labelTaken(request.label);
    }
    const { privateKey, publicKey } = await generateNodeKeyPair(request.algorithm);
    const publicKeySpki = publicKey.export({ type: 'spki', format: 'der' });
    const sealedPrivateKey = await sealToIdentity(this.#identity, privateKey.export({ type: 'pkcs8', format: 'der' }));
    const privateKeyRef = randomUUID();
    const outcome = await useStorage(
      operation,
      () =>
        this.#storage.insert({
          privateKeyRef,
          label: storedLabel,
          algorithm: request.algorithm,
          sealedPrivateKey,
          publicKeySpki,
          isExportable: request.isExportable,
          state: 'active',
          createdAt: new Date(),
        }),
      'the local key store could not save the new key',
    );
    if (outcome === 'label-taken') throw labelTaken(request.label);
    this.#unsealedKeys.set(privateKeyRef, { algorithm: request.algorithm, state: 'active', privateKey });
    return { privateKeyRef, publicKeyRef: privateKeyRef, publicKeySpki: new Uint8Array(publicKeySpki) };
  }

  async getPublicKey(privateKeyRef: KeyReference): Promise<Uint8Array> {
    const key = await this.#liveKey(privateKeyRef, 'getPublicKey');
    if (key.publicKeySpki === null) throw notFound(privateKeyRef, 'getPublicKey');
    return new Uint8Array(key.publicKeySpki);
  }

  async sign(request: SignRequest): Promise<SignResult> {
    const key = this.#unsealedKeys.get(request.privateKeyRef) ?? (await this.#unseal(request.privateKeyRef));
    if (key.state !== 'active') {
      throw new KmsInvalidRequest(`key is revoked (state ${key.state}); it can no longer sign`, { operation: 'sign' });
    }
    const signature = await this.#signingQueue.sign(
      NODE_HASH_NAMES[request.hash],
      request.data,
      signingKeyInput(key.algorithm, key.privateKey, request.scheme),
    );
    return { signature: new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength) };
  }

  async revoke(request: RevokeKeyRequest): Promise<void> {
    const key = await this.#liveKey(request.privateKeyRef, 'revoke');
    const state = stateAfterRevocation(request.reason, key.state);
    await useStorage('revoke', () =>
      this.#storage.revoke({
        privateKeyRef: request.privateKeyRef,
        state,
        reason: request.reason,
        message: request.message ?? null,
        revokedAt: new Date(),
      }),
    );
    const cached = this.#unsealedKeys.get(request.privateKeyRef);
    if (cached !== undefined) cached.state = state;
  }

  async destroy(privateKeyRef: KeyReference): Promise<void> {
    const key = await this.#liveKey(privateKeyRef, 'destroy');
    if (key.state === 'active' || key.state === 'pre-active') {
      // KMIP's rule, which every remote backend enforces: revoke first.
      throw new KmsInvalidRequest('an active key cannot be destroyed; revoke it first', { operation: 'destroy' });
    }
    await useStorage('destroy', () => this.#storage.destroy(privateKeyRef, new Date()));
    this.#unsealedKeys.delete(privateKeyRef);
  }

  async describe(privateKeyRef: KeyReference): Promise<KeyDescription> {
    return this.#describe(await this.#liveKey(privateKeyRef, 'describe'));
  }

  async list(): Promise<KeyDescription[]> {
    const keys = await useStorage('list', () => this.#storage.listLive(this.#labelPrefix));
    return keys.map((key) => this.#describe(key));
  }

  async health(): Promise<KeyStoreHealth> {
    try {
      await this.#storage.probe();
      return { isHealthy: true };
    } catch (error) {
      return { isHealthy: false, detail: `the local key store table cannot be read: ${(error as Error).message}` };
    }
  }

  async exportPrivateKey(privateKeyRef: KeyReference): Promise<Uint8Array> {
    const key = await this.#liveKey(privateKeyRef, 'exportPrivateKey');
    if (!key.isExportable) {
      throw new KmsPermissionDenied('this key was generated non-exportable', { operation: 'exportPrivateKey' });
    }
    if (key.sealedPrivateKey === null) throw notFound(privateKeyRef, 'exportPrivateKey');
    return openWithIdentity(this.#identity, key.sealedPrivateKey);
  }

  async close(): Promise<void> {
    this.#unsealedKeys.clear();
    this.#pendingUnseals.clear();
  }

  async #liveKey(privateKeyRef: KeyReference, operation: string): Promise<SealedKey> {
    const key = await useStorage(operation, () => this.#storage.find(privateKeyRef));
    if (key === undefined || key.state === 'destroyed' || !key.label.startsWith(this.#labelPrefix)) {
      throw notFound(privateKeyRef, operation);
    }
    return key;
  }

  #describe(key: SealedKey): KeyDescription {
    return {
      privateKeyRef: key.privateKeyRef,
      publicKeyRef: key.privateKeyRef,
      label: key.label.slice(this.#labelPrefix.length),
      algorithm: key.algorithm,
      state: key.state,
      isExportable: key.isExportable,
      createdAt: key.createdAt,
      // By design: a key is sealed at rest and unsealed only in this process to sign; only a
      // key generated exportable is ever handed out (once, as PKCS#8).
      protection: {
        isSensitive: !key.isExportable,
        isNeverExtractable: !key.isExportable,
        isExtractable: key.isExportable,
      },
    };
  }

  /** One unseal per key even when many signatures ask for it at once. */
  #unseal(privateKeyRef: KeyReference): Promise<UnsealedKey> {
    let pending = this.#pendingUnseals.get(privateKeyRef);
    if (pending === undefined) {
      pending = this.#loadUnsealedKey(privateKeyRef).finally(() => this.#pendingUnseals.delete(privateKeyRef));
      this.#pendingUnseals.set(privateKeyRef, pending);
    }
    return pending;
  }

  async #loadUnsealedKey(privateKeyRef: KeyReference): Promise<UnsealedKey> {
    const sealed = await this.#liveKey(privateKeyRef, 'sign');
    if (sealed.sealedPrivateKey === null) throw notFound(privateKeyRef, 'sign');
    const pkcs8 = await openWithIdentity(this.#identity, sealed.sealedPrivateKey);
    const key: UnsealedKey = {
      algorithm: sealed.algorithm,
      state: sealed.state,
      privateKey: createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }),
    };
    pkcs8.fill(0);
    // A revoke or destroy may have landed while age was decrypting.
    const current = await useStorage('sign', () => this.#storage.find(privateKeyRef));
    if (current === undefined || current.state === 'destroyed') throw notFound(privateKeyRef, 'sign');
    key.state = current.state;
    this.#unsealedKeys.set(privateKeyRef, key);
    return key;
  }
}

/** Storage failures are the key store being unavailable, as a remote KMS's outage would be. */
async function useStorage<T>(operation: string, call: () => Promise<T>, message?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new KmsUnavailable(
      message ?? `the local key store table cannot be used: ${(error as Error).message}`,
      { operation },
      { cause: error },
    );
  }
}

function labelTaken(label: string): KmsInvalidRequest {
  return new KmsInvalidRequest(`a key labelled "${label}" already exists`, { operation: 'generateKeyPair' });
}

function notFound(privateKeyRef: KeyReference, operation: string): KmsNotFound {
  return new KmsNotFound(`no key ${privateKeyRef} in the local key store`, { operation });
}
