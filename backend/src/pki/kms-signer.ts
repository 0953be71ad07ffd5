/**
 * The seam between pki/ and the key store: the narrow slice of KMSService the CA uses,
 * and the mapping from a CA key's algorithm to its X.509 signature algorithm. pki/ never
 * holds a private key; it hands DER to `sign` and receives the signature.
 */
import type { HashAlgorithm, KeyAlgorithm, SignatureScheme } from '@pki/shared';

import * as der from './asn1/der-writer.js';
import { OID } from './asn1/oids.js';
import type { KMSService } from '../kms/service.js';
import type { RequestContext } from '../request-context.js';

/**
 * What pki needs of KMSService: signing, key generation, the guarded key lifecycle, and
 * our record of a key (`findKey`: its algorithm, public key, state; no key-store call).
 */
export type PkiKms = Pick<
  KMSService,
  | 'sign'
  | 'generateKeyPair'
  | 'exportPrivateKey'
  | 'capabilities'
  | 'revokeKey'
  | 'destroyKey'
  | 'backend'
  | 'findKey'
  | 'describeKey'
>;

export interface SignatureAlgorithm {
  scheme: SignatureScheme;
  hash: HashAlgorithm;
  /** AlgorithmIdentifier DER as it appears in TBSCertificate.signature and Certificate.signatureAlgorithm. */
  algorithmIdentifier: Buffer;
}

// RFC 4055 §5 / RFC 8017 App. C: RSA PKCS#1 v1.5 identifiers carry an explicit NULL;
// RFC 5758 §3.2: ECDSA identifiers carry no parameters.
const rsa = (hash: HashAlgorithm, oid: string): SignatureAlgorithm => ({
  scheme: 'rsa-pkcs1-v1_5',
  hash,
  algorithmIdentifier: der.sequence(der.oid(oid), der.NULL),
});
const ecdsa = (hash: HashAlgorithm, oid: string): SignatureAlgorithm => ({
  scheme: 'ecdsa',
  hash,
  algorithmIdentifier: der.sequence(der.oid(oid)),
});

/** Hash strength matched to the key (NIST SP 800-57 Part 1 Table 3). */
const SIGNATURE_ALGORITHMS: Record<KeyAlgorithm, SignatureAlgorithm> = {
  'rsa-2048': rsa('sha-256', OID.sha256WithRSAEncryption),
  'rsa-3072': rsa('sha-256', OID.sha256WithRSAEncryption),
  'rsa-4096': rsa('sha-384', OID.sha384WithRSAEncryption),
  'ec-p256': ecdsa('sha-256', OID.ecdsaWithSha256),
  'ec-p384': ecdsa('sha-384', OID.ecdsaWithSha384),
};

export function signatureAlgorithmFor(keyAlgorithm: KeyAlgorithm): SignatureAlgorithm {
  return SIGNATURE_ALGORITHMS[keyAlgorithm];
}

/** Signs `data` (a TBS structure's DER) with the CA key through the KMS. */
export async function signTbs(
  kms: Pick<PkiKms, 'sign'>,
  ctx: RequestContext,
  keyId: string,
  algorithm: SignatureAlgorithm,
  data: Uint8Array,
): Promise<Uint8Array> {
  return kms.sign(ctx, { keyId, scheme: algorithm.scheme, hash: algorithm.hash, data });
}
