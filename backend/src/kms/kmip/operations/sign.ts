import { KMIP_1_2 } from '../messages.js';
import type { KmipOperation } from './operation.js';
import type { CryptographicParameters } from './attributes.js';
import { keyAndParameters, messageOrDigest } from './crypto-payload.js';
import { readBytes, requireBytes, requireText } from './tree.js';

export interface SignRequest {
  /** The private key. */
  uniqueIdentifier: string;
  cryptographicParameters?: CryptographicParameters;
  /** The message; the server hashes it. Give this or `digestedData`, not both. */
  data?: Uint8Array;
  /** A precomputed digest (Cosmian derives the hash from its length). */
  digestedData?: Uint8Array;
}
export interface SignResponse {
  uniqueIdentifier: string;
  signatureData: Uint8Array;
  correlationValue: Uint8Array | undefined;
}

/**
 * KMIP 2.1 §6.1.50, one-shot (no Init/Final indicators: Cosmian refuses both together).
 * PyKMIP needs CryptographicParameters {PaddingMethod, HashingAlgorithm, CryptographicAlgorithm};
 * Cosmian picks the scheme from DigitalSignatureAlgorithm — see `signatureParameters`.
 */
export const sign: KmipOperation<SignRequest, SignResponse> = {
  name: 'Sign',
  minimumVersion: KMIP_1_2,
  isIdempotent: true,
  buildPayload: (request) => [...keyAndParameters(request), ...messageOrDigest(request)],
  parsePayload: (payload) => ({
    uniqueIdentifier: requireText(payload, 'UniqueIdentifier'),
    signatureData: requireBytes(payload, 'SignatureData'),
    correlationValue: readBytes(payload, 'CorrelationValue'),
  }),
};
