/**
 * KMSService: the only way the app performs key operations. A decorator over the KeyStore
 * (smallstep's instrumented key manager): every call gets an operation id, calls the
 * driver, then writes its `kms_keys` change and exactly one `audit_log` row in the same
 * SQLite transaction, on success and on failure alike. Driver errors come back as the
 * normalized KMS errors; our own database errors are rethrown as they are.
 *
 * If the key store created a key but our database refused it, the key is revoked and
 * destroyed again (compensation) and two rows are written: the failed generation and the
 * compensation. `health()` is the one call without an audit row: /readyz polls it.
 *
 * Signing is the hot path (every certificate, CRL and OCSP response): the key id's
 * reference and algorithm are cached, statements are prepared once, and the audit append
 * is one SELECT, one INSERT and one SHA-256. A signature's row has no domain row to commit
 * with, so it goes through the connection's GroupCommit (db/group-commit.ts): concurrent
 * signatures share one transaction (with the certificate rows of concurrent issuances), and
 * each caller gets its signature only once its own row is committed.
 * A signature with no other in progress commits its row at once: nobody would share it.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Logger } from 'pino';

import type {
  HashAlgorithm,
  KeyAlgorithm,
  KeyPurpose,
  KeyState,
  KmsBackend,
  RevocationReason,
  SignatureScheme,
} from '@pki/shared';

import type { DatabaseHandle } from '../db/client.js';
import { GroupCommit } from '../db/group-commit.js';
import { AUDIT_SIGN_OPERATION, kmsKeys } from '../db/schema.js';
import { ConflictError } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import { AuditChain } from './audit/chain.js';
import type { AuditRecord } from './audit/chain.js';
import { KmsError, KmsInvalidRequest, KmsNotFound, KmsPermissionDenied, KmsProtocolError } from './kmip/errors.js';
import { stateAfterRevocation } from './key-store.js';
import type { KeyDescription, KeyStore, KeyStoreCapabilities, KeyStoreHealth } from './key-store.js';

export type KmsKeyRecord = typeof kmsKeys.$inferSelect;

export const KMS_AUDIT_OPERATIONS = {
  generateKeyPair: 'kms.generateKeyPair',
  sign: AUDIT_SIGN_OPERATION,
  getPublicKey: 'kms.getPublicKey',
  revokeKey: 'kms.revokeKey',
  destroyKey: 'kms.destroyKey',
  describeKey: 'kms.describeKey',
  listKeys: 'kms.listKeys',
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
  database: DatabaseHandle;
  log: Logger;
  /** The connection's group commit, shared with pki/ (app.ts); its own one otherwise. */
  groupCommit?: GroupCommit;
}

interface SigningKey {
  privateKeyRef: string;
  algorithm: KeyAlgorithm;
}

interface Operation {
  name: string;
  /** The kms_operation_id of the audit row(s). */
  id: string;
  startedAt: number;
}

interface OperationOutcome {
  entityId: string | null;
  details: Record<string, unknown>;
}

/** Bounded so server-side generated end-entity keys cannot grow it without limit. */
const SIGNING_KEY_CACHE_LIMIT = 10_000;
const AUDITED_MESSAGE_LIMIT = 300;
const RECONCILE_AUDIT_LIMIT = 50;

export class KMSService {
  readonly #keyStore: KeyStore;
  readonly #database: DatabaseHandle;
  readonly #log: Logger;
  readonly #chain: AuditChain;
  readonly #groupCommit: GroupCommit;
  readonly #signingKeys = new Map<string, SigningKey>();
  readonly #selectSigningKey;
  /** Signatures the key store is computing: their audit rows are on their way. */
  #signsInProgress = 0;

  constructor(dependencies: KMSServiceDependencies) {
    this.#keyStore = dependencies.keyStore;
    this.#database = dependencies.database;
    this.#log = dependencies.log;
    this.#chain = new AuditChain(dependencies.database.sqlite);
    this.#groupCommit = dependencies.groupCommit ?? new GroupCommit(dependencies.database.sqlite);
    this.#selectSigningKey = dependencies.database.sqlite.prepare<
      [string],
      { private_key_ref: string; algorithm: KeyAlgorithm; state: KeyState }
    >('SELECT private_key_ref, algorithm, state FROM kms_keys WHERE id = ?');
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

  async generateKeyPair(ctx: RequestContext, input: GenerateKeyInput): Promise<KmsKeyRecord> {
    const operation = this.#begin(KMS_AUDIT_OPERATIONS.generateKeyPair);
    const details = {
      algorithm: input.algorithm,
      label: input.label,
      purpose: input.purpose,
      isExportable: input.isExportable,
    };
    if (this.#findByLabel(input.label) !== undefined) {
      const conflict = new ConflictError(`a key labelled "${input.label}" already exists`, {
        code: 'KMS_KEY_LABEL_TAKEN',
      });
      throw this.#auditFailure(ctx, operation, { entityId: null, details }, conflict);
    }

    let generated;
    try {
      generated = await this.#keyStore.generateKeyPair({
        algorithm: input.algorithm,
        label: input.label,
        isExportable: input.isExportable,
      });
    } catch (error) {
      throw this.#auditFailure(
        ctx,
        operation,
        { entityId: null, details },
        normalizeKmsError(error, 'generateKeyPair'),
      );
    }

    const keyId = randomUUID();
    const keyDetails = {
      ...details,
      keyId,
      privateKeyRef: generated.privateKeyRef,
      publicKeyRef: generated.publicKeyRef,
    };
    try {
      return this.#chain.transaction(() => {
        const now = new Date();
        const record = this.#database.db
          .insert(kmsKeys)
          .values({
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
            createdAt: now,
            updatedAt: now,
          })
          .returning()
          .get();
        this.#appendSuccess(ctx, operation, { entityId: keyId, details: keyDetails });
        return record;
      });
    } catch (databaseError) {
      await this.#compensate(
        ctx,
        operation,
        { entityId: keyId, details: keyDetails },
        generated.privateKeyRef,
        databaseError,
      );
      throw databaseError;
    }
  }

  async sign(ctx: RequestContext, input: SignInput): Promise<Uint8Array> {
    const operation = this.#begin(KMS_AUDIT_OPERATIONS.sign);
    const key = this.#signingKeys.get(input.keyId) ?? this.#loadSigningKey(input.keyId);
    if (key instanceof KmsError) {
      const details = { keyId: input.keyId, scheme: input.scheme, hash: input.hash, dataLength: input.data.byteLength };
      throw await this.#queueFailure(ctx, operation, { entityId: input.keyId, details }, key);
    }
    // Every field the row will carry, in canonical (sorted) order: the audit encoder then
    // neither sorts the keys nor reshapes the object. backend and durationMs are set by #auditEntry.
    const details: Record<string, unknown> = {
      algorithm: key.algorithm,
      backend: this.backend,
      dataLength: input.data.byteLength,
      durationMs: 0,
      hash: input.hash,
      keyId: input.keyId,
      privateKeyRef: key.privateKeyRef,
      scheme: input.scheme,
    };

    this.#signsInProgress += 1;
    let signature: Uint8Array;
    try {
      ({ signature } = await this.#keyStore.sign({
        privateKeyRef: key.privateKeyRef,
        scheme: input.scheme,
        hash: input.hash,
        data: input.data,
      }));
    } catch (error) {
      this.#signsInProgress -= 1;
      const normalized = normalizeKmsError(error, 'sign');
      // The store knows better than our cache: a key revoked behind our back stops here.
      if (normalized instanceof KmsNotFound || normalized instanceof KmsInvalidRequest)
        this.#signingKeys.delete(input.keyId);
      throw await this.#queueFailure(ctx, operation, { entityId: input.keyId, details }, normalized);
    }
    // Counted until the row is queued: a signature still computing will have a row to share the commit.
    const isAlone = this.#signsInProgress === 1;
    this.#signsInProgress -= 1;
    const entry = this.#auditEntry(ctx, operation, 'success', { entityId: input.keyId, details });
    await this.#groupCommit.run(() => this.#chain.append(entry), { isAlone });
    return signature;
  }

  async getPublicKey(ctx: RequestContext, input: { keyId: string }): Promise<Uint8Array> {
    return this.#run(ctx, KMS_AUDIT_OPERATIONS.getPublicKey, input.keyId, async (details) => {
      const record = this.#requireKey(input.keyId, 'getPublicKey');
      details.privateKeyRef = record.privateKeyRef;
      details.algorithm = record.algorithm;
      if (record.state === 'destroyed')
        throw new KmsNotFound(`key ${input.keyId} was destroyed`, { operation: 'getPublicKey' });
      const spki = await this.#callKeyStore('getPublicKey', () => this.#keyStore.getPublicKey(record.privateKeyRef));
      if (!Buffer.from(spki).equals(record.publicKeySpki)) {
        throw new KmsProtocolError(
          `the key store returned a different public key for ${input.keyId} than it did at generation`,
          {
            operation: 'getPublicKey',
          },
        );
      }
      return spki;
    });
  }

  async revokeKey(ctx: RequestContext, input: RevokeKeyInput): Promise<KmsKeyRecord> {
    const operation = this.#begin(KMS_AUDIT_OPERATIONS.revokeKey);
    const details: Record<string, unknown> = { keyId: input.keyId, reason: input.reason };
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
      throw this.#auditFailure(ctx, operation, { entityId: input.keyId, details }, error);
    }
    this.#signingKeys.delete(input.keyId);
    const state = stateAfterRevocation(input.reason, record.state);
    details.state = state;
    return this.#commitKeyChange(ctx, operation, { entityId: input.keyId, details }, (now) =>
      this.#database.db
        .update(kmsKeys)
        .set({ state, revocationReason: input.reason, revokedAt: record.revokedAt ?? now, updatedAt: now })
        .where(eq(kmsKeys.id, input.keyId))
        .returning()
        .get(),
    );
  }

  async destroyKey(ctx: RequestContext, input: { keyId: string }): Promise<KmsKeyRecord> {
    const operation = this.#begin(KMS_AUDIT_OPERATIONS.destroyKey);
    const details: Record<string, unknown> = { keyId: input.keyId };
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
        throw this.#auditFailure(ctx, operation, { entityId: input.keyId, details }, error);
      }
    }
    this.#signingKeys.delete(input.keyId);
    return this.#commitKeyChange(ctx, operation, { entityId: input.keyId, details }, (now) =>
      this.#database.db
        .update(kmsKeys)
        .set({ state: 'destroyed', destroyedAt: now, updatedAt: now })
        .where(eq(kmsKeys.id, input.keyId))
        .returning()
        .get(),
    );
  }

  async describeKey(ctx: RequestContext, input: { keyId: string }): Promise<KeyDetails> {
    return this.#run(ctx, KMS_AUDIT_OPERATIONS.describeKey, input.keyId, async (details) => {
      const key = this.#requireKey(input.keyId, 'describe');
      details.privateKeyRef = key.privateKeyRef;
      details.algorithm = key.algorithm;
      if (key.state === 'destroyed') return { key, kms: null };
      const kms = await this.#callKeyStore('describe', () => this.#keyStore.describe(key.privateKeyRef));
      details.kmsState = kms.state;
      return { key, kms };
    });
  }

  async listKeys(
    ctx: RequestContext,
    filter: { state?: KeyState; purpose?: KeyPurpose } = {},
  ): Promise<KmsKeyRecord[]> {
    return this.#run(ctx, KMS_AUDIT_OPERATIONS.listKeys, null, async (details) => {
      details.filter = { ...filter };
      const conditions = [eq(kmsKeys.backend, this.backend)];
      if (filter.state !== undefined) conditions.push(eq(kmsKeys.state, filter.state));
      if (filter.purpose !== undefined) conditions.push(eq(kmsKeys.purpose, filter.purpose));
      const keys = this.#database.db
        .select()
        .from(kmsKeys)
        .where(and(...conditions))
        .orderBy(asc(kmsKeys.createdAt), asc(kmsKeys.id))
        .all();
      details.count = keys.length;
      return keys;
    });
  }

  /**
   * PKCS#8 DER, once per key: only for keys generated exportable, on a backend that can
   * export. The claim (exported_at) and the audit row commit together after the key store
   * answered; a second caller racing the first finds exported_at set and gets nothing.
   */
  async exportPrivateKey(ctx: RequestContext, input: { keyId: string }): Promise<Uint8Array> {
    const operation = this.#begin(KMS_AUDIT_OPERATIONS.exportPrivateKey);
    const details: Record<string, unknown> = { keyId: input.keyId };
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
          {
            operation: 'exportPrivateKey',
          },
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
      throw this.#auditFailure(ctx, operation, { entityId: input.keyId, details }, error);
    }
    try {
      this.#commitKeyChange(ctx, operation, { entityId: input.keyId, details }, (now) => {
        const claimed = this.#database.db
          .update(kmsKeys)
          .set({ exportedAt: now, updatedAt: now })
          .where(and(eq(kmsKeys.id, input.keyId), isNull(kmsKeys.exportedAt)))
          .returning()
          .get();
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
    return pkcs8;
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
      const known = this.#database.db
        .select({ id: kmsKeys.id, privateKeyRef: kmsKeys.privateKeyRef, state: kmsKeys.state })
        .from(kmsKeys)
        .where(eq(kmsKeys.backend, this.backend))
        .all();
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
    this.#groupCommit.flush();
    this.#signingKeys.clear();
    await this.#keyStore.close();
  }

  #begin(name: string): Operation {
    return { name, id: randomUUID(), startedAt: performance.now() };
  }

  /** The common shape of calls that change no row: run, then one audit row either way. */
  async #run<T>(
    ctx: RequestContext,
    name: string,
    entityId: string | null,
    work: (details: Record<string, unknown>) => Promise<T>,
  ): Promise<T> {
    const operation = this.#begin(name);
    const details: Record<string, unknown> = entityId === null ? {} : { keyId: entityId };
    let result: T;
    try {
      result = await work(details);
    } catch (error) {
      throw this.#auditFailure(ctx, operation, { entityId, details }, error);
    }
    this.#auditAlone(ctx, operation, 'success', { entityId, details });
    return result;
  }

  /**
   * Writes the kms_keys change and the success row in one transaction. Should that fail,
   * the failure row is written alone and the error rethrown.
   */
  #commitKeyChange(
    ctx: RequestContext,
    operation: Operation,
    outcome: OperationOutcome,
    change: (now: Date) => KmsKeyRecord | undefined,
  ): KmsKeyRecord {
    try {
      return this.#chain.transaction(() => {
        const record = change(new Date());
        if (record === undefined)
          throw new KmsNotFound(`no key ${String(outcome.entityId)}`, { operation: operation.name });
        this.#appendSuccess(ctx, operation, outcome);
        return record;
      });
    } catch (error) {
      throw this.#auditFailure(ctx, operation, outcome, error);
    }
  }

  #appendSuccess(ctx: RequestContext, operation: Operation, outcome: OperationOutcome): AuditRecord {
    return this.#chain.append(this.#auditEntry(ctx, operation, 'success', outcome));
  }

  #auditAlone(
    ctx: RequestContext,
    operation: Operation,
    status: 'success' | 'failure',
    outcome: OperationOutcome,
  ): void {
    this.#chain.transaction(() => this.#chain.append(this.#auditEntry(ctx, operation, status, outcome)));
  }

  /** Records the failure and returns the error to throw; an unwritable audit row is logged, never masks the cause. */
  #auditFailure(ctx: RequestContext, operation: Operation, outcome: OperationOutcome, error: unknown): unknown {
    recordError(outcome, error);
    try {
      this.#auditAlone(ctx, operation, 'failure', outcome);
    } catch (auditError) {
      this.#logUnwrittenFailure(operation, auditError);
    }
    return error;
  }

  /** `#auditFailure` through the group commit, so a failed signature's row keeps its place among the others. */
  async #queueFailure(
    ctx: RequestContext,
    operation: Operation,
    outcome: OperationOutcome,
    error: unknown,
  ): Promise<unknown> {
    recordError(outcome, error);
    try {
      const entry = this.#auditEntry(ctx, operation, 'failure', outcome);
      await this.#groupCommit.run(() => this.#chain.append(entry), { isAlone: this.#signsInProgress === 0 });
    } catch (auditError) {
      this.#logUnwrittenFailure(operation, auditError);
    }
    return error;
  }

  #logUnwrittenFailure(operation: Operation, auditError: unknown): void {
    this.#log.error(
      { operation: operation.name, kmsOperationId: operation.id, err: auditError },
      'could not write the audit row of a failed key operation',
    );
  }

  #auditEntry(ctx: RequestContext, operation: Operation, status: 'success' | 'failure', outcome: OperationOutcome) {
    outcome.details.backend = this.backend;
    outcome.details.durationMs = Math.round((performance.now() - operation.startedAt) * 1000) / 1000;
    return {
      actor: ctx.actor,
      requestId: ctx.requestId,
      operation: operation.name,
      entityType: KMS_KEY_ENTITY,
      entityId: outcome.entityId,
      status,
      details: outcome.details,
      kmsOperationId: operation.id,
    };
  }

  /**
   * Undoes a key the store created but our database refused: revoke then destroy, so no
   * live, unrecorded key stays in the KMS. Writes the failed generation and the
   * compensation as two rows of one transaction.
   */
  async #compensate(
    ctx: RequestContext,
    operation: Operation,
    outcome: OperationOutcome,
    privateKeyRef: string,
    databaseError: unknown,
  ): Promise<void> {
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
      compensation.errorCode = errorCodeOf(compensationError);
      compensation.errorMessage = messageOf(compensationError).slice(0, AUDITED_MESSAGE_LIMIT);
      this.#log.error(
        { privateKeyRef, kmsOperationId: operation.id, err: compensationError },
        'a key created in the key store could not be removed after the database refused it; remove it by hand',
      );
    }
    outcome.details.errorCode = errorCodeOf(databaseError);
    outcome.details.errorMessage = messageOf(databaseError).slice(0, AUDITED_MESSAGE_LIMIT);
    outcome.details.isCompensated = compensationError === undefined;
    try {
      this.#chain.transaction(() => {
        this.#chain.append(this.#auditEntry(ctx, operation, 'failure', outcome));
        this.#chain.append(
          this.#auditEntry(
            ctx,
            { ...operation, name: KMS_AUDIT_OPERATIONS.compensate },
            compensationError === undefined ? 'success' : 'failure',
            { entityId: outcome.entityId, details: compensation },
          ),
        );
      });
    } catch (auditError) {
      this.#log.error(
        { kmsOperationId: operation.id, err: auditError },
        'could not write the audit rows of a compensated key generation',
      );
    }
  }

  async #callKeyStore<T>(operationName: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw normalizeKmsError(error, operationName);
    }
  }

  #loadSigningKey(keyId: string): SigningKey | KmsError {
    const row = this.#selectSigningKey.get(keyId);
    if (row === undefined || row.state === 'destroyed')
      return new KmsNotFound(`no key ${keyId}`, { operation: 'sign' });
    if (row.state !== 'active') {
      return new KmsInvalidRequest(`key is revoked (state ${row.state}); it can no longer sign`, { operation: 'sign' });
    }
    const key = { privateKeyRef: row.private_key_ref, algorithm: row.algorithm };
    if (this.#signingKeys.size >= SIGNING_KEY_CACHE_LIMIT) {
      const oldest = this.#signingKeys.keys().next().value;
      if (oldest !== undefined) this.#signingKeys.delete(oldest);
    }
    this.#signingKeys.set(keyId, key);
    return key;
  }

  #findByLabel(label: string): KmsKeyRecord | undefined {
    return this.#database.db.select().from(kmsKeys).where(eq(kmsKeys.label, label)).get();
  }

  #requireKey(keyId: string, operationName: string): KmsKeyRecord {
    const record = this.#database.db.select().from(kmsKeys).where(eq(kmsKeys.id, keyId)).get();
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

function recordError(outcome: OperationOutcome, error: unknown): void {
  outcome.details.errorCode = errorCodeOf(error);
  outcome.details.errorMessage = messageOf(error).slice(0, AUDITED_MESSAGE_LIMIT);
}

function errorCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'INTERNAL_ERROR';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
