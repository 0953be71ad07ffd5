/**
 * `local`: the embedded key store, zero setup, for development and demos.
 *
 * Config: `PKI_KMS_BACKEND=local` (the default), `PKI_DATA_DIR` (the identity goes in
 * `${PKI_DATA_DIR}/kms/identity.age`), `PKI_KMS_NAMESPACE` (label prefix, default
 * `pki-manager`). Example:
 *
 *     PKI_KMS_BACKEND=local PKI_DATA_DIR=./data pnpm start
 *
 * Keys are made with node:crypto. Private keys are stored as PKCS#8 DER sealed with age to
 * an X25519 identity, in the `local_kms_keys` table of the app's SQLite file; a sealed key
 * opens with `age -d -i identity.age`. The identity sits on the same disk as the database,
 * so this protects a copied database, not a copied data directory: production deployments
 * use cosmian, kmip or pkcs11.
 *
 * Layering exception: drivers never import `db/`, except this one, which owns a table in
 * the app's database instead of talking to a remote KMS. It uses that table only.
 */
import { createPrivateKey, constants as cryptoConstants, generateKeyPair, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { Decrypter, Encrypter } from 'age-encryption';
import type { Logger } from 'pino';

import { KEY_ALGORITHMS, SIGNATURE_SCHEMES } from '@pki/shared';
import type { HashAlgorithm, KeyAlgorithm, KeyState, SignatureScheme } from '@pki/shared';

import type { DatabaseHandle } from '../../../db/client.js';
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
import { SigningQueue } from './signing-queue.js';
import type { SigningKeyInput } from './signing-queue.js';

export interface LocalKeyStoreOptions {
  /** `PKI_DATA_DIR`; the identity is kept in `${dataDir}/kms/identity.age`. */
  dataDir: string;
  /** `PKI_KMS_NAMESPACE`; labels are stored as `<namespace>/<label>` (a "/" is appended when missing). */
  namespace: string;
  isProduction: boolean;
  /** The app's database, migrated (the driver's table comes from migration 0002). */
  database: DatabaseHandle;
  /**
   * The cores this process may use; default `os.availableParallelism()`. With one, every
   * signature is computed inline: there is no other core for libuv's thread pool to use
   * (see SigningQueue).
   */
  availableCores?: number;
}

const generateKeyPairAsync = promisify(generateKeyPair);

const NODE_HASH_NAMES: Record<HashAlgorithm, string> = {
  'sha-256': 'sha256',
  'sha-384': 'sha384',
  'sha-512': 'sha512',
};

const CAPABILITIES: KeyStoreCapabilities = Object.freeze({
  algorithms: KEY_ALGORITHMS,
  signatureSchemes: SIGNATURE_SCHEMES,
  canExportPrivateKey: true,
  doesCascadeToPublicKey: true,
});

interface LocalKeyRow {
  private_key_ref: string;
  label: string;
  algorithm: KeyAlgorithm;
  sealed_private_key: Buffer | null;
  public_key_spki: Buffer | null;
  is_exportable: number;
  state: KeyState;
  created_at: number;
}

/** What a signature needs, kept in memory so signing pays neither SQLite nor age. */
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
  readonly #statements: ReturnType<typeof prepareStatements>;
  /**
   * node:crypto KeyObjects cannot be marked non-extractable, so the unsealed keys live in
   * this private field and nothing but `sign` ever reaches them.
   */
  readonly #unsealedKeys = new Map<KeyReference, UnsealedKey>();
  readonly #pendingUnseals = new Map<KeyReference, Promise<UnsealedKey>>();
  readonly #signingQueue: SigningQueue;

  private constructor(options: LocalKeyStoreOptions, identity: AgeIdentity) {
    this.#labelPrefix = options.namespace.endsWith('/') ? options.namespace : `${options.namespace}/`;
    this.namespace = this.#labelPrefix;
    this.#identity = identity;
    this.#statements = prepareStatements(options.database);
    this.#signingQueue = new SigningQueue(options.availableCores ?? availableParallelism());
  }

  static async open(options: LocalKeyStoreOptions, log: Logger): Promise<LocalKeyStore> {
    if (options.isProduction) {
      log.warn(
        { backend: 'local' },
        'the local key store is for development: its private keys and the identity that seals them share this disk; use cosmian, kmip or pkcs11 in production',
      );
    }
    assertTableExists(options.database);
    // Destroy must not leave the sealed key readable in freed pages of the database file.
    options.database.sqlite.pragma('secure_delete = ON');
    const identity = await loadOrCreateAgeIdentity(join(options.dataDir, 'kms'), log);
    return new LocalKeyStore(options, identity);
  }

  capabilities(): KeyStoreCapabilities {
    return CAPABILITIES;
  }

  async generateKeyPair(request: GenerateKeyPairRequest): Promise<GenerateKeyPairResult> {
    const storedLabel = this.#labelPrefix + request.label;
    if (readTable('generateKeyPair', () => this.#statements.selectByLabel.get(storedLabel)) !== undefined) {
      throw new KmsInvalidRequest(`a key labelled "${request.label}" already exists`, { operation: 'generateKeyPair' });
    }
    const { privateKey, publicKey } = await generateNodeKeyPair(request.algorithm);
    const publicKeySpki = publicKey.export({ type: 'spki', format: 'der' });
    const sealedPrivateKey = await this.#seal(privateKey.export({ type: 'pkcs8', format: 'der' }));
    const privateKeyRef = randomUUID();
    const now = Date.now();
    try {
      this.#statements.insert.run({
        privateKeyRef,
        label: storedLabel,
        algorithm: request.algorithm,
        sealedPrivateKey,
        publicKeySpki,
        isExportable: request.isExportable ? 1 : 0,
        state: 'active',
        now,
      });
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new KmsInvalidRequest(`a key labelled "${request.label}" already exists`, {
          operation: 'generateKeyPair',
        });
      }
      throw new KmsUnavailable(
        'the local key store could not save the new key',
        { operation: 'generateKeyPair' },
        { cause: error },
      );
    }
    this.#unsealedKeys.set(privateKeyRef, { algorithm: request.algorithm, state: 'active', privateKey });
    return { privateKeyRef, publicKeyRef: privateKeyRef, publicKeySpki: new Uint8Array(publicKeySpki) };
  }

  async getPublicKey(privateKeyRef: KeyReference): Promise<Uint8Array> {
    const row = this.#liveRow(privateKeyRef, 'getPublicKey');
    if (row.public_key_spki === null) throw notFound(privateKeyRef, 'getPublicKey');
    return new Uint8Array(row.public_key_spki);
  }

  async sign(request: SignRequest): Promise<SignResult> {
    const key = this.#unsealedKeys.get(request.privateKeyRef) ?? (await this.#unseal(request.privateKeyRef));
    if (key.state !== 'active') {
      throw new KmsInvalidRequest(`key is revoked (state ${key.state}); it can no longer sign`, { operation: 'sign' });
    }
    const signature = await this.#signingQueue.sign(
      NODE_HASH_NAMES[request.hash],
      request.data,
      signingKey(key, request.scheme),
    );
    return { signature: new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength) };
  }

  async revoke(request: RevokeKeyRequest): Promise<void> {
    const row = this.#liveRow(request.privateKeyRef, 'revoke');
    const state = stateAfterRevocation(request.reason, row.state);
    const now = Date.now();
    readTable('revoke', () =>
      this.#statements.revoke.run({
        privateKeyRef: request.privateKeyRef,
        state,
        reason: request.reason,
        message: request.message ?? null,
        now,
      }),
    );
    const cached = this.#unsealedKeys.get(request.privateKeyRef);
    if (cached !== undefined) cached.state = state;
  }

  async destroy(privateKeyRef: KeyReference): Promise<void> {
    const row = this.#liveRow(privateKeyRef, 'destroy');
    if (row.state === 'active' || row.state === 'pre-active') {
      // KMIP's rule, which every remote backend enforces: revoke first.
      throw new KmsInvalidRequest('an active key cannot be destroyed; revoke it first', { operation: 'destroy' });
    }
    readTable('destroy', () => this.#statements.destroy.run({ privateKeyRef, now: Date.now() }));
    this.#unsealedKeys.delete(privateKeyRef);
  }

  async describe(privateKeyRef: KeyReference): Promise<KeyDescription> {
    return this.#describeRow(this.#liveRow(privateKeyRef, 'describe'));
  }

  async list(): Promise<KeyDescription[]> {
    const rows = readTable('list', () =>
      this.#statements.selectLiveInNamespace.all({ prefix: this.#labelPrefix, prefixLength: this.#labelPrefix.length }),
    ) as LocalKeyRow[];
    return rows.map((row) => this.#describeRow(row));
  }

  async health(): Promise<KeyStoreHealth> {
    try {
      this.#statements.healthProbe.get();
      return { isHealthy: true };
    } catch (error) {
      return { isHealthy: false, detail: `the local key store table cannot be read: ${(error as Error).message}` };
    }
  }

  async exportPrivateKey(privateKeyRef: KeyReference): Promise<Uint8Array> {
    const row = this.#liveRow(privateKeyRef, 'exportPrivateKey');
    if (row.is_exportable !== 1) {
      throw new KmsPermissionDenied('this key was generated non-exportable', { operation: 'exportPrivateKey' });
    }
    if (row.sealed_private_key === null) throw notFound(privateKeyRef, 'exportPrivateKey');
    return this.#open(row.sealed_private_key);
  }

  async close(): Promise<void> {
    this.#unsealedKeys.clear();
    this.#pendingUnseals.clear();
  }

  #liveRow(privateKeyRef: KeyReference, operation: string): LocalKeyRow {
    const row = readTable(operation, () => this.#statements.selectByRef.get(privateKeyRef)) as LocalKeyRow | undefined;
    if (row === undefined || row.state === 'destroyed' || !row.label.startsWith(this.#labelPrefix)) {
      throw notFound(privateKeyRef, operation);
    }
    return row;
  }

  #describeRow(row: LocalKeyRow): KeyDescription {
    return {
      privateKeyRef: row.private_key_ref,
      publicKeyRef: row.private_key_ref,
      label: row.label.slice(this.#labelPrefix.length),
      algorithm: row.algorithm,
      state: row.state,
      isExportable: row.is_exportable === 1,
      createdAt: new Date(row.created_at),
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
    const row = this.#liveRow(privateKeyRef, 'sign');
    if (row.sealed_private_key === null) throw notFound(privateKeyRef, 'sign');
    const pkcs8 = await this.#open(row.sealed_private_key);
    const key: UnsealedKey = {
      algorithm: row.algorithm,
      state: row.state,
      privateKey: createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }),
    };
    pkcs8.fill(0);
    // A revoke or destroy may have landed while age was decrypting.
    const current = readTable('sign', () => this.#statements.selectByRef.get(privateKeyRef)) as LocalKeyRow | undefined;
    if (current === undefined || current.state === 'destroyed') throw notFound(privateKeyRef, 'sign');
    key.state = current.state;
    this.#unsealedKeys.set(privateKeyRef, key);
    return key;
  }

  async #seal(pkcs8: Buffer): Promise<Buffer> {
    const encrypter = new Encrypter();
    encrypter.addRecipient(this.#identity.recipient);
    const sealed = await encrypter.encrypt(pkcs8);
    pkcs8.fill(0);
    return Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  }

  async #open(sealed: Buffer): Promise<Uint8Array> {
    const decrypter = new Decrypter();
    decrypter.addIdentity(this.#identity.secretKey);
    try {
      return await decrypter.decrypt(new Uint8Array(sealed.buffer, sealed.byteOffset, sealed.byteLength));
    } catch (error) {
      throw new KmsUnavailable(
        `a sealed key does not open with ${this.#identity.path}; was the identity replaced?`,
        { operation: 'unseal' },
        { cause: error },
      );
    }
  }
}

function prepareStatements(database: DatabaseHandle) {
  const sqlite = database.sqlite;
  const columns =
    'private_key_ref, label, algorithm, sealed_private_key, public_key_spki, is_exportable, state, created_at';
  return {
    selectByRef: sqlite.prepare(`SELECT ${columns} FROM local_kms_keys WHERE private_key_ref = ?`),
    selectByLabel: sqlite.prepare('SELECT private_key_ref FROM local_kms_keys WHERE label = ?'),
    selectLiveInNamespace: sqlite.prepare(
      `SELECT ${columns} FROM local_kms_keys
       WHERE substr(label, 1, @prefixLength) = @prefix AND state <> 'destroyed'
       ORDER BY created_at, private_key_ref`,
    ),
    insert: sqlite.prepare(
      `INSERT INTO local_kms_keys
         (private_key_ref, label, algorithm, sealed_private_key, public_key_spki, is_exportable, state, created_at, updated_at)
       VALUES (@privateKeyRef, @label, @algorithm, @sealedPrivateKey, @publicKeySpki, @isExportable, @state, @now, @now)`,
    ),
    revoke: sqlite.prepare(
      `UPDATE local_kms_keys
       SET state = @state, revocation_reason = @reason, revocation_message = @message,
           revoked_at = coalesce(revoked_at, @now), updated_at = @now
       WHERE private_key_ref = @privateKeyRef`,
    ),
    destroy: sqlite.prepare(
      `UPDATE local_kms_keys
       SET state = 'destroyed', sealed_private_key = NULL, public_key_spki = NULL, destroyed_at = @now, updated_at = @now
       WHERE private_key_ref = @privateKeyRef`,
    ),
    healthProbe: sqlite.prepare('SELECT count(*) FROM local_kms_keys WHERE private_key_ref = NULL'),
  };
}

/** SQLite failures inside the driver are the key store being unavailable, as a remote KMS's would be. */
function readTable<T>(operation: string, query: () => T): T {
  try {
    return query();
  } catch (error) {
    throw new KmsUnavailable(
      `the local key store table cannot be used: ${(error as Error).message}`,
      { operation },
      { cause: error },
    );
  }
}

function assertTableExists(database: DatabaseHandle): void {
  const table = database.sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'local_kms_keys'")
    .get();
  if (table === undefined) {
    throw new KmsUnavailable('the local key store table is missing: the database has not been migrated', {
      operation: 'open',
    });
  }
}

async function generateNodeKeyPair(algorithm: KeyAlgorithm): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  switch (algorithm) {
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-4096':
      return generateKeyPairAsync('rsa', { modulusLength: RSA_BITS[algorithm], publicExponent: 0x10001 });
    case 'ec-p256':
      return generateKeyPairAsync('ec', { namedCurve: 'P-256' });
    case 'ec-p384':
      return generateKeyPairAsync('ec', { namedCurve: 'P-384' });
  }
}

const RSA_BITS = { 'rsa-2048': 2048, 'rsa-3072': 3072, 'rsa-4096': 4096 } as const;

function isRsa(algorithm: KeyAlgorithm): boolean {
  return algorithm.startsWith('rsa-');
}

/** The node:crypto key input for a scheme, after checking the scheme fits the key. */
function signingKey(key: UnsealedKey, scheme: SignatureScheme): SigningKeyInput {
  switch (scheme) {
    case 'rsa-pkcs1-v1_5':
      if (!isRsa(key.algorithm)) break;
      return { key: key.privateKey, padding: cryptoConstants.RSA_PKCS1_PADDING };
    case 'rsa-pss':
      if (!isRsa(key.algorithm)) break;
      // Salt as long as the hash: what RFC 4055 and CA/B Forum profiles expect.
      return {
        key: key.privateKey,
        padding: cryptoConstants.RSA_PKCS1_PSS_PADDING,
        saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST,
      };
    case 'ecdsa':
      if (isRsa(key.algorithm)) break;
      return { key: key.privateKey, dsaEncoding: 'der' as const };
  }
  throw new KmsInvalidRequest(`a ${key.algorithm} key cannot sign with ${scheme}`, { operation: 'sign' });
}

function notFound(privateKeyRef: KeyReference, operation: string): KmsNotFound {
  return new KmsNotFound(`no key ${privateKeyRef} in the local key store`, { operation });
}
