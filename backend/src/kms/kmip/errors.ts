/**
 * The normalized KMS error family. Every driver and the KMIP client throw only these
 * (plus KmipDecodeError for bytes that are not a valid message), so no upper layer ever
 * parses a vendor string. Match by class or by `code`, never by message.
 *
 * This file belongs to the standalone KMIP library: it imports nothing from the backend.
 */

export type KmsErrorCode =
  | 'KMS_NOT_FOUND'
  | 'KMS_PERMISSION_DENIED'
  | 'KMS_INVALID_REQUEST'
  | 'KMS_RATE_LIMITED'
  | 'KMS_UNAVAILABLE'
  | 'KMS_TIMEOUT'
  | 'KMS_PROTOCOL_ERROR'
  | 'KMIP_DECODE_ERROR';

export interface KmsErrorDetails {
  /** The server's own reason, e.g. KMIP `Item_Not_Found` or an HTTP status. */
  serverReason?: string | undefined;
  /** The server's message, already stripped of key material. */
  serverMessage?: string | undefined;
  /** The KMIP operation or driver call that failed. */
  operation?: string | undefined;
}

export abstract class KmsError extends Error {
  abstract readonly code: KmsErrorCode;
  /** Whether sending the same request again may succeed (drives the retry policy). */
  abstract readonly isRetryable: boolean;
  readonly serverReason: string | undefined;
  readonly serverMessage: string | undefined;
  readonly operation: string | undefined;

  constructor(message: string, details: KmsErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.serverReason = details.serverReason;
    this.serverMessage = details.serverMessage;
    this.operation = details.operation;
  }
}

export class KmsNotFound extends KmsError {
  readonly code = 'KMS_NOT_FOUND';
  readonly isRetryable = false;
}
export class KmsPermissionDenied extends KmsError {
  readonly code = 'KMS_PERMISSION_DENIED';
  readonly isRetryable = false;
}
export class KmsInvalidRequest extends KmsError {
  readonly code = 'KMS_INVALID_REQUEST';
  readonly isRetryable = false;
}
export class KmsRateLimited extends KmsError {
  readonly code = 'KMS_RATE_LIMITED';
  readonly isRetryable = true;
}
export class KmsUnavailable extends KmsError {
  readonly code = 'KMS_UNAVAILABLE';
  readonly isRetryable = true;
}
export class KmsTimeout extends KmsError {
  readonly code = 'KMS_TIMEOUT';
  readonly isRetryable = true;
}
export class KmsProtocolError extends KmsError {
  readonly code = 'KMS_PROTOCOL_ERROR';
  readonly isRetryable = false;
}
/** Bytes or JSON that are not a well-formed TTLV message (truncated, mis-padded, too deep, too large). */
export class KmipDecodeError extends KmsError {
  readonly code = 'KMIP_DECODE_ERROR';
  readonly isRetryable = false;
  /** Byte offset (binary) or JSON path where decoding stopped. */
  readonly position: string | undefined;
  constructor(message: string, position?: string | number, options?: { cause?: unknown }) {
    super(message, { operation: 'decode' }, options);
    this.position = position === undefined ? undefined : String(position);
  }
}

export function isKmsError(error: unknown): error is KmsError {
  return error instanceof KmsError;
}
