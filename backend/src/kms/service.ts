/**
 * KMSService: the only way the app performs key operations. A decorator over the KeyStore
 * (smallstep's instrumented key manager): every call gets an operation id, calls the
 * driver, then records its `kms_keys` change and exactly one audit row together
 * (audit/audit-log.ts), on success and on failure alike. Driver errors come back as the
 * normalized KMS errors; our own database errors are rethrown as they are.
 *
 * Every signature a key store returns is checked against the key's public key before it is
 * handed out: a key store that signs wrongly (a server bug, the wrong key behind a
 * reference) fails the call with KmsProtocolError instead of putting a broken signature
 * into a certificate, a CRL or an OCSP response.
 *
 * If the key store created a key but our database refused it, the key is revoked and
 * destroyed again (compensation) and two rows are written: the failed generation and the
 * compensation. `health()`, `listKeys()` and `describeKey()` write no audit row: they use no
 * key (/readyz polls the first; the others read our own records), and a query must not
 * grow the log.
 *
 * Longer than our ~400-line guide on purpose: it is one decorator, and each method is the same
 * begin → call → record → compensate shape over one KeyStore operation; the repository, the
 * signing-key cache and the compensation's audit rows already live in their own files.
 */
import { randomUUID } from 'node:crypto';

import type { Logger } from 'pino';

import type {
  HashAlgorithm,
  KeyAlgorithm,
  KeyPurpose,
  KmsBackend,
  RevocationReason,
  SignatureScheme,
} from '@pki/shared';

import { auditedError } from '../audit/audit-log.js';
import type { AuditedOperation, AuditLog } from '../audit/audit-log.js';
import { AUDIT_SIGN_OPERATION } from '../db/schema.js';
import type { KmsKeyFilter, KmsKeyRecord, KmsKeyRepository } from '../db/kms-key-repository.js';
import { ConflictError } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import { KmsError, KmsInvalidRequest, KmsNotFound, KmsPermissionDenied, KmsProtocolError } from './kmip/errors.js';
import { stateAfterRevocation } from './key-store.js';
import type { KeyDescription, KeyStore, KeyStoreCapabilities, KeyStoreHealth } from './key-store.js';
import { SigningKeyCache, isValidSignature } from './signing-key-cache.js';
import type { SigningKey } from './signing-key-cache.js';

export type { KmsKeyRecord } from '../db/kms-key-repository.js';

export const KMS_AUDIT_OPERATIONS = {
  generateKeyPair: 'kms.generateKeyPair',
  sign: AUDIT_SIGN_OPERATION,
  getPublicKey: 'kms.getPublicKey',
  revokeKey: 'kms.revokeKey',
  destroyKey: 'kms.destroyKey',
  exportPrivateKey: 'kms.exportPrivateKey',
  reconcile: 'kms.reconcile',
  compensate: 'kms.compensate',
} as const;
export const KMS_KEY_ENTITY = 'kms_key';

export interface GenerateKeyInput {
  algorithm: KeyAlgorithm;
  /** Unique across our keys; the key store stores it under the namespace prefix. */
  label: string;
  purpose: KeyPurpose;
  isExportable: boolean;
}

export interface SignInput {
  keyId: string;
  scheme: SignatureScheme;
  hash: HashAlgorithm;
  data: Uint8Array;
}

export interface RevokeKeyInput {
  keyId: string;
  reason: RevocationReason;
  message?: string;
}

export interface KeyDetails {
  key: KmsKeyRecord;
  /** What the key store says now; null once destroyed. */
  kms: KeyDescription | null;
}

export interface ReconcileReport {
  /** Keys under our namespace in the key store that no kms_keys row knows. */
  unknownKeys: KeyDescription[];
  /** Live kms_keys rows whose key the key store no longer lists. */
  missingKeyIds: string[];
}

export interface KMSServiceDependencies {
  keyStore: KeyStore;
  keys: KmsKeyRepository;
  audit: AuditLog;
  log: Logger;
}

const RECONCILE_AUDIT_LIMIT = 50;

export class KMSService {
  readonly #keyStore: KeyStore;
  readonly #keys: KmsKeyRepository;
  readonly #audit: AuditLog;
  readonly #log: Logger;
  readonly #signingKeys = new SigningKeyCache();

  constructor(dependencies: KMSServiceDependencies) {
    this.#keyStore = dependencies.keyStore;
    this.#keys = dependencies.keys;
    this.#audit = dependencies.audit;
    this.#log = dependencies.log;
  }

  get backend(): KmsBackend {
    return this.#keyStore.backend;
  }

  get namespace(): string {
    return this.#keyStore.namespace;
  }

  capabilities(): KeyStoreCapabilities {
    return this.#keyStore.capabilities();
  }

  /** Our record of a key (no key-store call, so no audit row); undefined when unknown. */
  findKey(keyId: string): KmsKeyRecord | undefined {
    return this.#keys.findById(keyId);
  }

  async generateKeyPair(ctx: RequestContext, input: GenerateKeyInput): Promise<KmsKeyRecord> {
    const operation = this.#begin(ctx, KMS_AUDIT_OPERATIONS.generateKeyPair, null, {
      algorithm: input.algorithm,
      label: input.label,
      purpose: input.purpose,
      isExportable: input.isExportable,
    });
    if (this.#keys.findByLabel(input.label) !== undefined) {
      const conflict = new ConflictError(`a key labelled "${input.label}" already exists`, {
        code: 'KMS_KEY_LABEL_TAKEN',
      });
      throw await this.#fail(operation, conflict);
    }

    let generated;
    try {
      generated = await this.#keyStore.generateKeyPair({
        algorithm: input.algorithm,
        label: input.label,
        isExportable: input.isExportable,
      });
    } catch (error) {
      throw await this.#fail(operation, normalizeKmsError(error, 'generateKeyPair'));
    }

    const keyId = randomUUID();
    Object.assign(operation.details, {
      keyId,
      privateKeyRef: generated.privateKeyRef,
      publicKeyRef: generated.publicKeyRef,
    });
    try {
      return await this.#commit(operation, keyId, () =>
        this.#keys.insert(
          {
            id: keyId,
            backend: this.backend,
            privateKeyRef: generated.privateKeyRef,
            publicKeyRef: generated.publicKeyRef,
            algorithm: input.algorithm,
            purpose: input.purpose,
            label: input.label,
            publicKeySpki: Buffer.from(generated.publicKeySpki),
            isExportable: input.isExportable,
            state: 'active',
          },
          new Date(),
        ),
      );
    } catch (databaseError) {
      operation.entityId = keyId;
      await this.#compensate(operation, generated.privateKeyRef, databaseError);
      throw databaseError;
    }
  }

  async sign(ctx: RequestContext, input: SignInput): Promise<Uint8Array> {
    const key = this.#signingKeys.get(input.keyId) ?? this.#loadSigningKey(input.keyId);
    // Every field the row will carry, in canonical (sorted) order: the audit encoder then
    // neither sorts the keys nor reshapes the object. backend and durationMs are set when the row is written.
    const details: Record<string, unknown> =
      key instanceof KmsError
        ? { keyId: input.keyId, scheme: input.scheme, hash: input.hash, dataLength: input.data.byteLength }
        : {
            algorithm: key.algorithm,
            backend: this.backend,
            dataLength: input.data.byteLength,
            durationMs: 0,
            hash: input.hash,
            keyId: input.keyId,
            privateKeyRef: key.privateKeyRef,
            scheme: input.scheme,
          };
    const operation = this.#begin(ctx, KMS_AUDIT_OPERATIONS.sign, input.keyId, details);
    if (key instanceof KmsError) throw await this.#fail(operation, key);

    let signature: Uint8Array;
    try {
      ({ signature } = await this.#keyStore.sign({
        privateKeyRef: key.privateKeyRef,
        scheme: input.scheme,
        hash: input.hash,
        data: input.data,
      }));
    } catch (error) {
      const normalized = normalizeKmsError(error, 'sign');
      // The store knows better than our cache: a key revoked behind our back stops here.
      if (normalized instanceof KmsNotFound || normalized instanceof KmsInvalidRequest)
        this.#signingKeys.delete(input.keyId);
      throw await this.#fail(operation, normalized);
    }
    if (!isValidSignature(key, input, signature)) {
      throw await this.#fail(
        operation,
        new KmsProtocolError(
          `the ${this.backend} key store returned a signature that does not verify with key ${input.keyId}'s public key; it was not used`,
          { operation: 'sign' },
        ),
      );
    }
    await this.#commit(operation, input.keyId);
    return signature;
  }

  async getPublicKey(ctx: RequestContext, input: { keyId: string }): Promise<Uint8Array> {
    return this.#run(ctx, KMS_AUDIT_OPERATIONS.getPublicKey, input.keyId, async (details) => {
      const record = this.#requireKey(input.keyId, 'getPublicKey');
      details.privateKeyRef = record.privateKeyRef;
      details.algorithm = record.algorithm;
      if (record.state === 'destroyed')
        throw new KmsNotFound(`key ${input.keyId} was destroyed`, { operation: 'getPublicKey' });
      // Key stores disagree on whether a revoked key's public half may still be read (Cosmian
      // 5.8–5.12 answer Object_Not_Found, later versions refuse only Deactivated keys): what we
      // show of a key no longer in use comes from the record made at its generation.
      if (record.state !== 'active' && record.state !== 'pre-active') {
        details.source = 'database';
        return new Uint8Array(record.publicKeySpki);
      }
      const spki = await this.#callKeyStore('getPublicKey', () => this.#keyStore.getPublicKey(record.privateKeyRef));
      if (!Buffer.from(spki).equals(record.publicKeySpki)) {
        throw new KmsProtocolError(
          `the key store returned a different public key for ${input.keyId} than it did at generation`,
          { operation: 'getPublicKey' },
        );
      }
      return spki;
    });
  }

  async revokeKey(ctx: RequestContext, input: RevokeKeyInput): Promise<KmsKeyRecord> {
    const operation = this.#begin(ctx, KMS_AUDIT_OPERATIONS.revokeKey, input.keyId, {
      keyId: input.keyId,
      reason: input.reason,
    });
    const { details } = operation;
    let record: KmsKeyRecord;
    try {
      record = this.#requireLiveKey(input.keyId, 'revoke');
      details.privateKeyRef = record.privateKeyRef;
      details.algorithm = record.algorithm;
      details.previousState = record.state;
      const revokeRequest = {
        privateKeyRef: record.privateKeyRef,
        reason: input.reason,
        ...(input.message === undefined ? {} : { message: input.message }),
      };
      await this.#callKeyStore('revoke', () => this.#keyStore.revoke(revokeRequest));
    } catch (error) {
      throw await this.#fail(operation, error);
    }
    this.#signingKeys.delete(input.keyId);
    const state = stateAfterRevocation(input.reason, record.state);
    details.state = state;
    return this.#commitKeyChange(operation, (now) =>
      this.#keys.markRevoked(input.keyId, { state, reason: input.reason, revokedAt: record.revokedAt ?? now }, now),
    );
  }

  async destroyKey(ctx: RequestContext, input: { keyId: string }): Promise<KmsKeyRecord> {
    const operation = this.#begin(ctx, KMS_AUDIT_OPERATIONS.destroyKey, input.keyId, { keyId: input.keyId });
    const { details } = operation;
    try {
      const record = this.#requireLiveKey(input.keyId, 'destroy');
      details.privateKeyRef = record.privateKeyRef;
      details.algorithm = record.algorithm;
      if (record.state === 'active' || record.state === 'pre-active') {
        throw new KmsInvalidRequest(`key ${input.keyId} is ${record.state}: revoke it before destroying it`, {
          operation: 'destroy',
        });
      }
      await this.#callKeyStore('destroy', () => this.#keyStore.destroy(record.privateKeyRef));
    } catch (error) {
      // Gone from the key store already (e.g. a crash after the KMS call, before our commit): record it.
      if (error instanceof KmsNotFound && details.privateKeyRef !== undefined) {
        details.wasAlreadyGoneFromKms = true;
      } else {
        throw await this.#fail(operation, error);
      }
    }
    this.#signingKeys.delete(input.keyId);
    return this.#commitKeyChange(operation, (now) => this.#keys.markDestroyed(input.keyId, now));
  }

  /**
   * Our record of a key and what the key store says of it now. A query, not a key
   * operation: it uses no key, so it writes no audit row, and an unknown id writes none
   * either (issue 11: queries do not write). `_ctx` keeps the call shape of the other methods.
   */
  async describeKey(_ctx: RequestContext, input: { keyId: string }): Promise<KeyDetails> {
    const key = this.#requireKey(input.keyId, 'describe');
    if (key.state === 'destroyed') return { key, kms: null };
    const kms = await this.#callKeyStore('describe', () => this.#keyStore.describe(key.privateKeyRef));
    return { key, kms };
  }

  /** Our records of the keys of this backend; a read of our own table, so no audit row. */
  listKeys(_ctx: RequestContext, filter: KmsKeyFilter = {}): Promise<KmsKeyRecord[]> {
    // The executor turns a database error into a rejection, as for every other method.
    return new Promise((resolve) => resolve(this.#keys.list(this.backend, filter)));
  }

  /**
   * PKCS#8 DER, once per key: only for keys generated exportable, on a backend that can
   * export. The claim (exported_at) and the audit row commit together after the key store
   * answered; a second caller racing the first finds exported_at set and gets nothing.
   *
   * With `build` (what turns the key into the file handed out, e.g. a PKCS#12), the claim
   * waits for it: a build that fails leaves the key unclaimed (a failure row, no burnt
   * export), and the key bytes are zeroed once the claim is settled either way.
   */
  async exportPrivateKey(ctx: RequestContext, input: { keyId: string }): Promise<Uint8Array>;
  async exportPrivateKey<T>(
    ctx: RequestContext,
    input: { keyId: string },
    build: (pkcs8: Uint8Array) => Promise<T>,
  ): Promise<T>;
  async exportPrivateKey<T>(
    ctx: RequestContext,
    input: { keyId: string },
    build?: (pkcs8: Uint8Array) => Promise<T>,
  ): Promise<T | Uint8Array> {
    const operation = this.#begin(ctx, KMS_AUDIT_OPERATIONS.exportPrivateKey, input.keyId, { keyId: input.keyId });
    const { details } = operation;
    let pkcs8: Uint8Array;
    try {
      const record = this.#requireLiveKey(input.keyId, 'exportPrivateKey');
      details.privateKeyRef = record.privateKeyRef;
      details.algorithm = record.algorithm;
      if (!record.isExportable) {
        throw new KmsPermissionDenied(`key ${input.keyId} was generated non-exportable`, {
          operation: 'exportPrivateKey',
        });
      }
      if (record.exportedAt !== null) {
        throw new KmsPermissionDenied(
          `key ${input.keyId} was already exported once, at ${record.exportedAt.toISOString()}`,
          { operation: 'exportPrivateKey' },
        );
      }
      const exportFromStore = this.#keyStore.exportPrivateKey?.bind(this.#keyStore);
      if (!this.capabilities().canExportPrivateKey || exportFromStore === undefined) {
        throw new KmsPermissionDenied(`the ${this.backend} key store cannot export private keys`, {
          operation: 'exportPrivateKey',
        });
      }
      pkcs8 = await this.#callKeyStore('exportPrivateKey', () => exportFromStore(record.privateKeyRef));
    } catch (error) {
      throw await this.#fail(operation, error);
    }
    let delivered: T | Uint8Array = pkcs8;
    if (build !== undefined) {
      try {
        delivered = await build(pkcs8);
      } catch (error) {
        pkcs8.fill(0);
        throw await this.#fail(operation, error);
      }
    }
    try {
      await this.#commitKeyChange(operation, (now) => {
        const claimed = this.#keys.claimExport(input.keyId, now);
        if (claimed === undefined) {
          throw new KmsPermissionDenied(`key ${input.keyId} was already exported once`, {
            operation: 'exportPrivateKey',
          });
        }
        return claimed;
      });
    } catch (error) {
      pkcs8.fill(0);
      throw error;
    }
    if (build !== undefined) pkcs8.fill(0);
    return delivered;
  }

  /** Not audited: /readyz and system.status poll it. */
  async health(): Promise<KeyStoreHealth> {
    try {
      return await this.#keyStore.health();
    } catch (error) {
      return { isHealthy: false, detail: `the ${this.backend} key store health check failed: ${messageOf(error)}` };
    }
  }

  /** Compares the key store's keys under our namespace with kms_keys; run at start. */
  async reconcile(ctx: RequestContext): Promise<ReconcileReport> {
    return this.#run(ctx, KMS_AUDIT_OPERATIONS.reconcile, null, async (details) => {
      const listed = await this.#callKeyStore('list', () => this.#keyStore.list());
      const known = this.#keys.listReferences(this.backend);
      const knownRefs = new Set(known.map((key) => key.privateKeyRef));
      const listedRefs = new Set(listed.map((key) => key.privateKeyRef));
      const unknownKeys = listed.filter((key) => !knownRefs.has(key.privateKeyRef));
      const missingKeyIds = known
        .filter((key) => key.state !== 'destroyed' && !listedRefs.has(key.privateKeyRef))
        .map((key) => key.id);
      for (const key of unknownKeys) {
        this.#log.warn(
          { privateKeyRef: key.privateKeyRef, label: key.label, state: key.state },
          'the key store holds a key under our namespace that the database does not know',
        );
      }
      for (const keyId of missingKeyIds) {
        this.#log.warn({ keyId }, 'a live key in the database is missing from the key store');
      }
      Object.assign(details, {
        kmsKeyCount: listed.length,
        unknownCount: unknownKeys.length,
        unknownKeyRefs: unknownKeys.slice(0, RECONCILE_AUDIT_LIMIT).map((key) => key.privateKeyRef),
        missingKeyIds: missingKeyIds.slice(0, RECONCILE_AUDIT_LIMIT),
      });
      return { unknownKeys, missingKeyIds };
    });
  }

  async close(): Promise<void> {
    this.#audit.flush();
    this.#signingKeys.clear();
    await this.#keyStore.close();
  }

  #begin(
    ctx: RequestContext,
    operation: string,
    entityId: string | null,
    details: Record<string, unknown>,
  ): AuditedOperation {
    return this.#audit.begin(
      ctx,
      { operation, entityType: KMS_KEY_ENTITY, entityId, details },
      { isKeyOperation: true },
    );
  }

  /** The common shape of calls that change no row: run, then one audit row either way. */
  async #run<T>(
    ctx: RequestContext,
    name: string,
    entityId: string | null,
    work: (details: Record<string, unknown>) => Promise<T>,
  ): Promise<T> {
    const operation = this.#begin(ctx, name, entityId, entityId === null ? {} : { keyId: entityId });
    let result: T;
    try {
      result = await work(operation.details);
    } catch (error) {
      throw await this.#fail(operation, error);
    }
    await this.#commit(operation, entityId);
    return result;
  }

  /**
   * Writes the kms_keys change and the success row together. Should that fail, the failure
   * row is written alone and the error rethrown.
   */
  async #commitKeyChange(
    operation: AuditedOperation,
    change: (now: Date) => KmsKeyRecord | undefined,
  ): Promise<KmsKeyRecord> {
    try {
      return await this.#commit(operation, operation.entityId, () => {
        const record = change(new Date());
        if (record === undefined)
          throw new KmsNotFound(`no key ${String(operation.entityId)}`, { operation: operation.operation });
        return record;
      });
    } catch (error) {
      throw await this.#fail(operation, error);
    }
  }

  #commit<T>(operation: AuditedOperation, entityId: string | null, write?: () => T): Promise<T> {
    this.#stamp(operation);
    return operation.commit(entityId, write);
  }

  #fail(operation: AuditedOperation, error: unknown): Promise<unknown> {
    this.#stamp(operation);
    return operation.fail(error);
  }

  #stamp(operation: AuditedOperation): void {
    operation.details.backend = this.backend;
    operation.details.durationMs = operation.elapsedMs();
  }

  /**
   * Undoes a key the store created but our database refused: revoke then destroy, so no
   * live, unrecorded key stays in the KMS. Writes the failed generation and the
   * compensation as two rows of one transaction.
   */
  async #compensate(operation: AuditedOperation, privateKeyRef: string, databaseError: unknown): Promise<void> {
    const compensation: Record<string, unknown> = { privateKeyRef, compensatesOperationId: operation.id };
    let compensationError: unknown;
    try {
      await this.#keyStore.revoke({
        privateKeyRef,
        reason: 'cessationOfOperation',
        message: 'database write failed after key creation',
      });
      compensation.isRevoked = true;
      await this.#keyStore.destroy(privateKeyRef);
      compensation.isDestroyed = true;
    } catch (error) {
      compensationError = normalizeKmsError(error, 'compensate');
      Object.assign(compensation, auditedError(compensationError));
      this.#log.error(
        { privateKeyRef, kmsOperationId: operation.id, err: compensationError },
        'a key created in the key store could not be removed after the database refused it; remove it by hand',
      );
    }
    operation.details.isCompensated = compensationError === undefined;
    this.#stamp(operation);
    compensation.backend = this.backend;
    compensation.durationMs = operation.elapsedMs();
    await operation.fail(databaseError, [
      {
        operation: KMS_AUDIT_OPERATIONS.compensate,
        entityType: KMS_KEY_ENTITY,
        entityId: operation.entityId,
        status: compensationError === undefined ? 'success' : 'failure',
        details: compensation,
      },
    ]);
  }

  async #callKeyStore<T>(operationName: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw normalizeKmsError(error, operationName);
    }
  }

  #loadSigningKey(keyId: string): SigningKey | KmsError {
    const row = this.#keys.findSigningKey(keyId);
    if (row === undefined || row.state === 'destroyed')
      return new KmsNotFound(`no key ${keyId}`, { operation: 'sign' });
    if (row.state !== 'active') {
      return new KmsInvalidRequest(`key is revoked (state ${row.state}); it can no longer sign`, { operation: 'sign' });
    }
    return this.#signingKeys.add(keyId, row);
  }

  #requireKey(keyId: string, operationName: string): KmsKeyRecord {
    const record = this.#keys.findById(keyId);
    if (record === undefined) throw new KmsNotFound(`no key ${keyId}`, { operation: operationName });
    return record;
  }

  #requireLiveKey(keyId: string, operationName: string): KmsKeyRecord {
    const record = this.#requireKey(keyId, operationName);
    if (record.state === 'destroyed') throw new KmsNotFound(`key ${keyId} was destroyed`, { operation: operationName });
    return record;
  }
}

/** Driver errors reach callers as the KMS family; anything else from a driver is a bug in it. */
export function normalizeKmsError(error: unknown, operation: string): KmsError {
  if (error instanceof KmsError) return error;
  return new KmsProtocolError(
    `the key store failed during ${operation}: ${messageOf(error)}`,
    { operation },
    { cause: error },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
