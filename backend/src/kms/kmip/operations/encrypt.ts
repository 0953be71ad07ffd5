import { KMIP_1_2 } from '../messages.js';
import type { KmipOperation } from './operation.js';
import type { CryptographicParameters } from './attributes.js';
import { cipherRequestFields, cipherResponseFields } from './crypto-payload.js';
import { readBytes } from './tree.js';

export interface EncryptRequest {
  uniqueIdentifier: string;
  /** For AES-GCM: `{ cryptographicAlgorithm: 'AES', blockCipherMode: 'GCM' }` (+ tagLength). */
  cryptographicParameters?: CryptographicParameters;
  data: Uint8Array;
  /** IV or nonce (12 bytes for GCM); leave out to let the server pick one (or set randomIv). */
  ivCounterNonce?: Uint8Array;
  /** Additional authenticated data (AEAD modes). */
  authenticatedEncryptionAdditionalData?: Uint8Array;
}
export interface EncryptResponse {
  uniqueIdentifier: string;
  /** Ciphertext, without the authentication tag. */
  data: Uint8Array;
  ivCounterNonce: Uint8Array | undefined;
  authenticatedEncryptionTag: Uint8Array | undefined;
}

/** KMIP 2.1 §6.1.20. Idempotent: a repeat only yields another ciphertext. */
export const encrypt: KmipOperation<EncryptRequest, EncryptResponse> = {
  name: 'Encrypt',
  minimumVersion: KMIP_1_2,
  isIdempotent: true,
  buildPayload: cipherRequestFields,
  parsePayload: (payload) => ({
    ...cipherResponseFields(payload),
    ivCounterNonce: readBytes(payload, 'IVCounterNonce'),
    authenticatedEncryptionTag: readBytes(payload, 'AuthenticatedEncryptionTag'),
  }),
};
