/**
 * The request fields Encrypt, Decrypt, Sign and SignatureVerify share, built once so that
 * their order (which PyKMIP checks field by field) is written in one place: KMIP 2.1
 * §6.1.14, §6.1.20, §6.1.50 and §6.1.51 all open with the key and its parameters, then the
 * data, then the IV and the additional authenticated data.
 */
import type { TtlvNode } from '../ttlv/types.js';
import { cryptographicParametersNode, type CryptographicParameters } from './attributes.js';
import { byteString, optional, textString } from './tree.js';

/** UniqueIdentifier, [CryptographicParameters]: the key an operation uses and how. */
export function keyAndParameters(request: {
  uniqueIdentifier: string;
  cryptographicParameters?: CryptographicParameters;
}): TtlvNode[] {
  return [
    textString('UniqueIdentifier', request.uniqueIdentifier),
    ...optional(request.cryptographicParameters, cryptographicParametersNode),
  ];
}

/** [Data], [DigestedData]: the message, or its digest, that Sign and SignatureVerify take. */
export function messageOrDigest(request: { data?: Uint8Array; digestedData?: Uint8Array }): TtlvNode[] {
  return [
    ...optional(request.data, (value) => byteString('Data', value)),
    ...optional(request.digestedData, (value) => byteString('DigestedData', value)),
  ];
}

/** [IVCounterNonce], [AuthenticatedEncryptionAdditionalData]: what Encrypt and Decrypt add after the data. */
export function ivAndAdditionalData(request: {
  ivCounterNonce?: Uint8Array;
  authenticatedEncryptionAdditionalData?: Uint8Array;
}): TtlvNode[] {
  return [
    ...optional(request.ivCounterNonce, (value) => byteString('IVCounterNonce', value)),
    ...optional(request.authenticatedEncryptionAdditionalData, (value) =>
      byteString('AuthenticatedEncryptionAdditionalData', value),
    ),
  ];
}
