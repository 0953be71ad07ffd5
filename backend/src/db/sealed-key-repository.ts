/**
 * The `local` key store's sealed keys in the app's SQLite file (table `local_kms_keys`,
 * migration 0002): the SealedKeyStorage the composition root hands to that driver.
 *
 * SQLite-specific: `secure_delete` is switched on for the connection, so a destroyed key's
 * sealed bytes are overwritten in the freed pages rather than left in the file.
 */
import type { Database } from 'better-sqlite3';

import type { KeyAlgorithm, KeyState } from '@pki/shared';

import type { SealedKey, SealedKeyRevocation, SealedKeyStorage } from '../kms/drivers/local/sealed-key-storage.js';
import type { DatabaseHandle } from './client.js';

interface SealedKeyRow {
  private_key_ref: string;
  label: string;
  algorithm: KeyAlgorithm;
  sealed_private_key: Buffer | null;
  public_key_spki: Buffer | null;
  is_exportable: number;
  state: KeyState;
  created_at: number;
}

const COLUMNS =
  'private_key_ref, label, algorithm, sealed_private_key, public_key_spki, is_exportable, state, created_at';

export class SqliteSealedKeyRepository implements SealedKeyStorage {
  readonly #statements: ReturnType<typeof prepareStatements>;

  /** Throws when the table is missing: the database has not been migrated. */
  constructor(database: DatabaseHandle) {
    const table = database.sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'local_kms_keys'")
      .get();
    if (table === undefined) {
      throw new Error('the local_kms_keys table is missing: the database has not been migrated');
    }
    database.sqlite.pragma('secure_delete = ON');
    this.#statements = prepareStatements(database.sqlite);
  }

  async find(privateKeyRef: string): Promise<SealedKey | undefined> {
    const row = this.#statements.selectByRef.get(privateKeyRef) as SealedKeyRow | undefined;
    return row === undefined ? undefined : toSealedKey(row);
  }

  async isLabelTaken(label: string): Promise<boolean> {
    return this.#statements.selectByLabel.get(label) !== undefined;
  }

  async listLive(labelPrefix: string): Promise<SealedKey[]> {
    const rows = this.#statements.selectLiveByPrefix.all({
      prefix: labelPrefix,
      prefixLength: labelPrefix.length,
    }) as SealedKeyRow[];
    return rows.map(toSealedKey);
  }

  async insert(key: SealedKey): Promise<'inserted' | 'label-taken'> {
    try {
      this.#statements.insert.run({
        privateKeyRef: key.privateKeyRef,
        label: key.label,
        algorithm: key.algorithm,
        sealedPrivateKey: toBuffer(key.sealedPrivateKey),
        publicKeySpki: toBuffer(key.publicKeySpki),
        isExportable: key.isExportable ? 1 : 0,
        state: key.state,
        now: key.createdAt.getTime(),
      });
      return 'inserted';
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return 'label-taken';
      throw error;
    }
  }

  async revoke(revocation: SealedKeyRevocation): Promise<void> {
    this.#statements.revoke.run({
      privateKeyRef: revocation.privateKeyRef,
      state: revocation.state,
      reason: revocation.reason,
      message: revocation.message,
      now: revocation.revokedAt.getTime(),
    });
  }

  async destroy(privateKeyRef: string, destroyedAt: Date): Promise<void> {
    this.#statements.destroy.run({ privateKeyRef, now: destroyedAt.getTime() });
  }

  async probe(): Promise<void> {
    this.#statements.probe.get();
  }
}

function prepareStatements(sqlite: Database) {
  return {
    selectByRef: sqlite.prepare(`SELECT ${COLUMNS} FROM local_kms_keys WHERE private_key_ref = ?`),
    selectByLabel: sqlite.prepare('SELECT private_key_ref FROM local_kms_keys WHERE label = ?'),
    selectLiveByPrefix: sqlite.prepare(
      `SELECT ${COLUMNS} FROM local_kms_keys
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
    probe: sqlite.prepare('SELECT count(*) FROM local_kms_keys WHERE private_key_ref = NULL'),
  };
}

function toSealedKey(row: SealedKeyRow): SealedKey {
  return {
    privateKeyRef: row.private_key_ref,
    label: row.label,
    algorithm: row.algorithm,
    sealedPrivateKey: row.sealed_private_key,
    publicKeySpki: row.public_key_spki,
    isExportable: row.is_exportable === 1,
    state: row.state,
    createdAt: new Date(row.created_at),
  };
}

/** better-sqlite3 binds Buffers as blobs; a plain Uint8Array is viewed as one without a copy. */
function toBuffer(bytes: Uint8Array | null): Buffer | null {
  if (bytes === null || Buffer.isBuffer(bytes)) return bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
