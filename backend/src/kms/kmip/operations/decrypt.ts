import { KMIP_1_2 } from '../messages.js';
import type { KmipOperation } from './operation.js';
import { cryptographicParametersNode, type CryptographicParameters } from './attributes.js';
import { byteString, optional, requireBytes, requireText, textString } from './tree.js';

export interface DecryptRequest {
  uniqueIdentifier: string;
  cryptographicParameters?: CryptographicParameters;
  /** Ciphertext, without the tag. */
  data: Uint8Array;
  ivCounterNonce?: Uint8Array;
  authenticatedEncryptionAdditionalData?: Uint8Array;
  authenticatedEncryptionTag?: Uint8Array;
}
export interface DecryptResponse {
  uniqueIdentifier: string;
  data: Uint8Array;
}

/** KMIP 2.1 §6.1.14. A bad tag is Cryptographic_Failure → KmsInvalidRequest. */
export const decrypt: KmipOperation<DecryptRequest, DecryptResponse> = {
  name: 'Decrypt',
  minimumVersion: KMIP_1_2,
  isIdempotent: true,
  buildPayload: (request) => [
    textString('UniqueIdentifier', request.uniqueIdentifier),
    ...optional(request.cryptographicParameters, cryptographicParametersNode),
    byteString('Data', request.data),
    ...optional(request.ivCounterNonce, (value) => byteString('IVCounterNonce', value)),
    ...optional(request.authenticatedEncryptionAdditionalData, (value) =>
      byteString('AuthenticatedEncryptionAdditionalData', value),
    ),
    ...optional(request.authenticatedEncryptionTag, (value) => byteString('AuthenticatedEncryptionTag', value)),
  ],
  parsePayload: (payload) => ({
    uniqueIdentifier: requireText(payload, 'UniqueIdentifier'),
    data: requireBytes(payload, 'Data'),
  }),
};
