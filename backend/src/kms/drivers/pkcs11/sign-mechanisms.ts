/**
 * The PKCS#11 mechanism for a signature scheme and hash. RSA hashes in the token
 * (CKM_SHA256_RSA_PKCS…, CKM_SHA256_RSA_PKCS_PSS); ECDSA is hashed by the driver and signed
 * with CKM_ECDSA, because SoftHSM 2.6 has no CKM_ECDSA_SHA256.
 */
import type { HashAlgorithm, SignatureScheme } from '@pki/shared';

import type { Graphene } from './pkcs11-module.js';

export interface SignHash {
  /** node:crypto's name, for hashing ECDSA input here. */
  node: string;
  token: 'SHA256' | 'SHA384' | 'SHA512';
  bytes: number;
}

export const SIGN_HASHES: Record<HashAlgorithm, SignHash> = {
  'sha-256': { node: 'sha256', token: 'SHA256', bytes: 32 },
  'sha-384': { node: 'sha384', token: 'SHA384', bytes: 48 },
  'sha-512': { node: 'sha512', token: 'SHA512', bytes: 64 },
};

export function signingMechanism(
  graphene: Graphene,
  scheme: SignatureScheme,
  hash: SignHash,
): string | { name: string; params: InstanceType<Graphene['RsaPssParams']> } {
  switch (scheme) {
    case 'rsa-pkcs1-v1_5':
      return `${hash.token}_RSA_PKCS`;
    case 'rsa-pss':
      return {
        name: `${hash.token}_RSA_PKCS_PSS`,
        // RFC 8017 §9.1 / RFC 4055: MGF1 with the same hash and a salt as long as the hash.
        params: new graphene.RsaPssParams(
          graphene.MechanismEnum[hash.token],
          graphene.RsaMgf[`MGF1_${hash.token}`],
          hash.bytes,
        ),
      };
    case 'ecdsa':
      return 'ECDSA';
  }
}
