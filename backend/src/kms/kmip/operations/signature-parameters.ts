import type { CryptographicParameters } from './attributes.js';

export type SignatureScheme = 'rsa-pkcs1v15' | 'rsa-pss' | 'ecdsa';
export type SignatureHash = 'SHA256' | 'SHA384' | 'SHA512';

/**
 * CryptographicParameters for Sign/SignatureVerify, as each server family wants them:
 * - `kmip` (PyKMIP and KMIP 1.x servers): PaddingMethod + HashingAlgorithm +
 *   CryptographicAlgorithm; PyKMIP refuses a Sign without them and hashes Data itself.
 * - `cosmian`: the scheme comes from DigitalSignatureAlgorithm (PaddingMethod is ignored
 *   and a missing DSA means RSASSA-PSS), so PKCS#1 v1.5 must be `SHA256WithRSAEncryption`.
 */
export function signatureParameters(
  scheme: SignatureScheme,
  hash: SignatureHash,
  dialect: 'kmip' | 'cosmian',
): CryptographicParameters {
  if (dialect === 'kmip') {
    if (scheme === 'ecdsa') return { hashingAlgorithm: hash, cryptographicAlgorithm: 'ECDSA' };
    return {
      paddingMethod: scheme === 'rsa-pss' ? 'PSS' : 'PKCS1v15',
      hashingAlgorithm: hash,
      cryptographicAlgorithm: 'RSA',
    };
  }
  switch (scheme) {
    case 'rsa-pkcs1v15':
      return { digitalSignatureAlgorithm: `${hash}WithRSAEncryption` };
    case 'rsa-pss':
      return { hashingAlgorithm: hash, digitalSignatureAlgorithm: 'RSASSAPSS' };
    case 'ecdsa':
      return { hashingAlgorithm: hash, cryptographicAlgorithm: 'ECDSA' };
  }
}
