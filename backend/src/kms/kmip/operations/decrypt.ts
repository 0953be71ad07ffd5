import { KMIP_1_2 } from '../messages.js';
import type { KmipOperation } from './operation.js';
import type { CryptographicParameters } from './attributes.js';
import { cipherRequestFields, cipherResponseFields } from './crypto-payload.js';
import { byteString, optional } from './tree.js';

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
    ...cipherRequestFields(request),
    ...optional(request.authenticatedEncryptionTag, (value) => byteString('AuthenticatedEncryptionTag', value)),
  ],
  parsePayload: cipherResponseFields,
};
