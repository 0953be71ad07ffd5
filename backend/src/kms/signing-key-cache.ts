/**
 * What signing needs of a key, kept in memory: its key-store reference, its algorithm and
 * its public key (to check every signature a key store returns before anyone uses it).
 * Filled from `kms_keys` on a miss; entries leave when the key is revoked or destroyed, or
 * when the key store says the key is gone. Bounded, so server-side generated end-entity
 * keys cannot grow it without limit.
 */
import { constants as cryptoConstants, createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

import type { HashAlgorithm, KeyAlgorithm, SignatureScheme } from '@pki/shared';

export interface SigningKey {
  privateKeyRef: string;
  algorithm: KeyAlgorithm;
  publicKey: KeyObject;
}

const NODE_HASH: Record<HashAlgorithm, string> = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' };

export class SigningKeyCache {
  readonly #limit: number;
  readonly #keys = new Map<string, SigningKey>();

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  get(keyId: string): SigningKey | undefined {
    return this.#keys.get(keyId);
  }

  add(keyId: string, key: { privateKeyRef: string; algorithm: KeyAlgorithm; publicKeySpki: Uint8Array }): SigningKey {
    if (this.#keys.size >= this.#limit) {
      const oldest = this.#keys.keys().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
    const entry: SigningKey = {
      privateKeyRef: key.privateKeyRef,
      algorithm: key.algorithm,
      publicKey: createPublicKey({ key: Buffer.from(key.publicKeySpki), format: 'der', type: 'spki' }),
    };
    this.#keys.set(keyId, entry);
    return entry;
  }

  delete(keyId: string): void {
    this.#keys.delete(keyId);
  }

  clear(): void {
    this.#keys.clear();
  }
}

/**
 * Whether `signature` is a valid signature of `data` under the key's public key, with the
 * parameters the drivers sign with: PKCS#1 v1.5, PSS with a salt as long as the digest,
 * ECDSA as a DER Ecdsa-Sig-Value.
 */
export function isValidSignature(
  key: SigningKey,
  request: { scheme: SignatureScheme; hash: HashAlgorithm; data: Uint8Array },
  signature: Uint8Array,
): boolean {
  const hash = NODE_HASH[request.hash];
  try {
    switch (request.scheme) {
      case 'rsa-pkcs1-v1_5':
        return verify(
          hash,
          request.data,
          { key: key.publicKey, padding: cryptoConstants.RSA_PKCS1_PADDING },
          signature,
        );
      case 'rsa-pss':
        return verify(
          hash,
          request.data,
          {
            key: key.publicKey,
            padding: cryptoConstants.RSA_PKCS1_PSS_PADDING,
            saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST,
          },
          signature,
        );
      case 'ecdsa':
        return verify(hash, request.data, { key: key.publicKey, dsaEncoding: 'der' }, signature);
    }
  } catch {
    // A signature too malformed to parse is simply not valid.
    return false;
  }
}
