/**
 * `kms_keys`: the app's record of every key it created in a key store (the key store keeps
 * the key; this row keeps its reference, algorithm, purpose, public key and state). Only
 * KMSService writes it. Each method is one synchronous statement, so it can run inside an
 * audited operation's transaction (audit/audit-log.ts `commit`).
 */
import { and, asc, eq, isNull } from 'drizzle-orm';

import type { KeyAlgorithm, KeyPurpose, KeyState, KmsBackend, RevocationReason } from '@pki/shared';

import type { DatabaseHandle } from './client.js';
import { kmsKeys } from './schema.js';

export type KmsKeyRecord = typeof kmsKeys.$inferSelect;
export type NewKmsKey = Omit<typeof kmsKeys.$inferInsert, 'createdAt' | 'updatedAt'>;

export interface KmsKeyFilter {
  state?: KeyState;
  purpose?: KeyPurpose;
}

/** What signing needs of a key, read on every cache miss. */
export interface SigningKeyRow {
  privateKeyRef: string;
  algorithm: KeyAlgorithm;
  state: KeyState;
  publicKeySpki: Buffer;
}

export class KmsKeyRepository {
  readonly #database: DatabaseHandle;
  readonly #selectSigningKey;

  constructor(database: DatabaseHandle) {
    this.#database = database;
    this.#selectSigningKey = database.sqlite.prepare<
      [string],
      { private_key_ref: string; algorithm: KeyAlgorithm; state: KeyState; public_key_spki: Buffer }
    >('SELECT private_key_ref, algorithm, state, public_key_spki FROM kms_keys WHERE id = ?');
  }

  insert(key: NewKmsKey, now: Date): KmsKeyRecord {
    return this.#database.db
      .insert(kmsKeys)
      .values({ ...key, createdAt: now, updatedAt: now })
      .returning()
      .get();
  }

  findById(keyId: string): KmsKeyRecord | undefined {
    return this.#database.db.select().from(kmsKeys).where(eq(kmsKeys.id, keyId)).get();
  }

  findByLabel(label: string): KmsKeyRecord | undefined {
    return this.#database.db.select().from(kmsKeys).where(eq(kmsKeys.label, label)).get();
  }

  findSigningKey(keyId: string): SigningKeyRow | undefined {
    const row = this.#selectSigningKey.get(keyId);
    return row === undefined
      ? undefined
      : {
          privateKeyRef: row.private_key_ref,
          algorithm: row.algorithm,
          state: row.state,
          publicKeySpki: row.public_key_spki,
        };
  }

  list(backend: KmsBackend, filter: KmsKeyFilter = {}): KmsKeyRecord[] {
    const conditions = [eq(kmsKeys.backend, backend)];
    if (filter.state !== undefined) conditions.push(eq(kmsKeys.state, filter.state));
    if (filter.purpose !== undefined) conditions.push(eq(kmsKeys.purpose, filter.purpose));
    return this.#database.db
      .select()
      .from(kmsKeys)
      .where(and(...conditions))
      .orderBy(asc(kmsKeys.createdAt), asc(kmsKeys.id))
      .all();
  }

  /** Reference and state of every key of a backend, for the boot reconciliation. */
  listReferences(backend: KmsBackend): { id: string; privateKeyRef: string; state: KeyState }[] {
    return this.#database.db
      .select({ id: kmsKeys.id, privateKeyRef: kmsKeys.privateKeyRef, state: kmsKeys.state })
      .from(kmsKeys)
      .where(eq(kmsKeys.backend, backend))
      .all();
  }

  markRevoked(
    keyId: string,
    change: { state: KeyState; reason: RevocationReason; revokedAt: Date },
    now: Date,
  ): KmsKeyRecord | undefined {
    return this.#database.db
      .update(kmsKeys)
      .set({ state: change.state, revocationReason: change.reason, revokedAt: change.revokedAt, updatedAt: now })
      .where(eq(kmsKeys.id, keyId))
      .returning()
      .get();
  }

  markDestroyed(keyId: string, now: Date): KmsKeyRecord | undefined {
    return this.#database.db
      .update(kmsKeys)
      .set({ state: 'destroyed', destroyedAt: now, updatedAt: now })
      .where(eq(kmsKeys.id, keyId))
      .returning()
      .get();
  }

  /** Sets exported_at if it is still unset; undefined when another export claimed it first. */
  claimExport(keyId: string, now: Date): KmsKeyRecord | undefined {
    return this.#database.db
      .update(kmsKeys)
      .set({ exportedAt: now, updatedAt: now })
      .where(and(eq(kmsKeys.id, keyId), isNull(kmsKeys.exportedAt)))
      .returning()
      .get();
  }
}
