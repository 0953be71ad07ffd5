import { KmsProtocolError } from '../errors.js';
import { KMIP_1_2 } from '../messages.js';
import type { KmipOperation } from './operation.js';
import type { CryptographicParameters } from './attributes.js';
import { keyAndParameters, messageOrDigest } from './crypto-payload.js';
import { byteString, readEnum, requireText } from './tree.js';

export interface SignatureVerifyRequest {
  /** The public key (Cosmian 5.24+ also takes the private key). */
  uniqueIdentifier: string;
  cryptographicParameters?: CryptographicParameters;
  data?: Uint8Array;
  digestedData?: Uint8Array;
  signatureData: Uint8Array;
}
export type ValidityIndicator = 'Valid' | 'Invalid' | 'Unknown';
export interface SignatureVerifyResponse {
  uniqueIdentifier: string;
  validityIndicator: ValidityIndicator;
  /** A bad signature is an answer, not an error. */
  isValid: boolean;
}

/** KMIP 2.1 §6.1.51. */
export const signatureVerify: KmipOperation<SignatureVerifyRequest, SignatureVerifyResponse> = {
  name: 'SignatureVerify',
  minimumVersion: KMIP_1_2,
  isIdempotent: true,
  buildPayload: (request) => [
    ...keyAndParameters(request),
    ...messageOrDigest(request),
    byteString('SignatureData', request.signatureData),
  ],
  parsePayload: (payload) => {
    const indicator = readEnum(payload, 'ValidityIndicator');
    if (indicator !== 'Valid' && indicator !== 'Invalid' && indicator !== 'Unknown') {
      throw new KmsProtocolError(`SignatureVerifyResponse: ValidityIndicator is ${indicator ?? 'missing'}`);
    }
    return {
      uniqueIdentifier: requireText(payload, 'UniqueIdentifier'),
      validityIndicator: indicator,
      isValid: indicator === 'Valid',
    };
  },
};
