/**
 * A standalone KMIP client: typed operations over binary TTLV/TLS (KMIP 1.x–2.x servers such
 * as PyKMIP) or JSON TTLV/HTTPS (Cosmian KMS), with retries and normalized errors.
 * Imports only `node:*`. See README.md.
 */
export {
  KmipClient,
  type CallOptions,
  type KmipClientOptions,
  type KmipLogger,
  type PublicKeyResult,
} from './client.js';
export { HttpsTransport, type HttpsTransportOptions } from './transport/https.js';
export { TlsTransport, type TlsTransportOptions } from './transport/tls.js';
export type { KmipTransport } from './transport/transport.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
export {
  KMIP_1_2,
  KMIP_1_4,
  KMIP_2_0,
  KMIP_2_1,
  type ProtocolVersion,
  type UsernamePasswordCredential,
} from './messages.js';
export * from './operations/index.js';
export {
  isKmsError,
  KmipDecodeError,
  KmsError,
  KmsInvalidRequest,
  KmsNotFound,
  KmsPermissionDenied,
  KmsProtocolError,
  KmsRateLimited,
  KmsTimeout,
  KmsUnavailable,
  type KmsErrorCode,
  type KmsErrorDetails,
} from './errors.js';
export { KmipEncodeError } from './ttlv/encode-error.js';
