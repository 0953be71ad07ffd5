/**
 * The fields Encrypt, Decrypt, Sign and SignatureVerify share, built and read once so that
 * their order (which PyKMIP checks field by field) is written in one place: KMIP 2.1
 * §6.1.14, §6.1.20, §6.1.50 and §6.1.51 all open with the key and its parameters, then the
 * data, then the IV and the additional authenticated data.
 */
import type { TtlvNode, TtlvStructure } from '../ttlv/types.js';
import { cryptographicParametersNode, type CryptographicParameters } from './attributes.js';
import { byteString, optional, requireBytes, requireText, textString } from './tree.js';

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

/**
 * UniqueIdentifier, [CryptographicParameters], Data, [IVCounterNonce],
 * [AuthenticatedEncryptionAdditionalData]: the request Encrypt and Decrypt share (Decrypt
 * then appends the tag).
 */
export function cipherRequestFields(request: {
  uniqueIdentifier: string;
  cryptographicParameters?: CryptographicParameters;
  data: Uint8Array;
  ivCounterNonce?: Uint8Array;
  authenticatedEncryptionAdditionalData?: Uint8Array;
}): TtlvNode[] {
  return [
    ...keyAndParameters(request),
    byteString('Data', request.data),
    ...optional(request.ivCounterNonce, (value) => byteString('IVCounterNonce', value)),
    ...optional(request.authenticatedEncryptionAdditionalData, (value) =>
      byteString('AuthenticatedEncryptionAdditionalData', value),
    ),
  ];
}

/** UniqueIdentifier, Data: what every Encrypt and Decrypt response carries. */
export function cipherResponseFields(payload: TtlvStructure): { uniqueIdentifier: string; data: Uint8Array } {
  return {
    uniqueIdentifier: requireText(payload, 'UniqueIdentifier'),
    data: requireBytes(payload, 'Data'),
  };
}
