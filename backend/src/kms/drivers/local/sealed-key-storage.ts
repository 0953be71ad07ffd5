/**
 * Where the `local` driver keeps its sealed keys: the part a remote KMS plays for the other
 * drivers. The driver declares what it needs here and never sees the database behind it; the
 * composition root passes an implementation (SQLite: `db/sealed-key-repository.ts`).
 *
 * Implementations may throw any error: the driver reports every storage failure as the key
 * store being unavailable, as a remote KMS's outage would be.
 */
import type { KeyAlgorithm, KeyState, RevocationReason } from '@pki/shared';

import type { KeyReference } from '../../key-store.js';

/** One key as stored. After destroy it stays as a tombstone without key material. */
export interface SealedKey {
  privateKeyRef: KeyReference;
  /** `<namespace>/<label>`; unique across the storage, whatever the namespace. */
  label: string;
  algorithm: KeyAlgorithm;
  /** PKCS#8 DER sealed with age (binary age format); null once destroyed. */
  sealedPrivateKey: Uint8Array | null;
  /** SubjectPublicKeyInfo DER; null once destroyed. */
  publicKeySpki: Uint8Array | null;
  isExportable: boolean;
  state: KeyState;
  createdAt: Date;
}

export interface SealedKeyRevocation {
  privateKeyRef: KeyReference;
  state: KeyState;
  reason: RevocationReason;
  message: string | null;
  /** Kept only on the first revocation: a later, stronger reason does not move it. */
  revokedAt: Date;
}

export interface SealedKeyStorage {
  /** The key with that reference, tombstones included. */
  find(privateKeyRef: KeyReference): Promise<SealedKey | undefined>;
  isLabelTaken(label: string): Promise<boolean>;
  /** Keys not destroyed whose label starts with `labelPrefix`, oldest first. */
  listLive(labelPrefix: string): Promise<SealedKey[]>;
  /** `label-taken` when another key already holds the label (two generations raced). */
  insert(key: SealedKey): Promise<'inserted' | 'label-taken'>;
  revoke(revocation: SealedKeyRevocation): Promise<void>;
  /**
   * Removes the key material and keeps the row as a tombstone. The sealed key must not stay
   * readable in the storage's free space.
   */
  destroy(privateKeyRef: KeyReference, destroyedAt: Date): Promise<void>;
  /** Resolves when the storage answers; rejects with the reason otherwise. */
  probe(): Promise<void>;
}
