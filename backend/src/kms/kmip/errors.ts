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

/**
 * A kind of KMS error is its stable code and whether a retry may help; this builds the class
 * that carries both, so each kind below is declared in one line and the pair cannot drift.
 */
function kmsErrorKind<const Code extends KmsErrorCode>(code: Code, isRetryable: boolean) {
  return class extends KmsError {
    readonly code: Code = code;
    readonly isRetryable: boolean = isRetryable;
  };
}

export class KmsNotFound extends kmsErrorKind('KMS_NOT_FOUND', false) {}
export class KmsPermissionDenied extends kmsErrorKind('KMS_PERMISSION_DENIED', false) {}
export class KmsInvalidRequest extends kmsErrorKind('KMS_INVALID_REQUEST', false) {}
export class KmsRateLimited extends kmsErrorKind('KMS_RATE_LIMITED', true) {}
export class KmsUnavailable extends kmsErrorKind('KMS_UNAVAILABLE', true) {}
export class KmsTimeout extends kmsErrorKind('KMS_TIMEOUT', true) {}
export class KmsProtocolError extends kmsErrorKind('KMS_PROTOCOL_ERROR', false) {}
/** Bytes or JSON that are not a well-formed TTLV message (truncated, mis-padded, too deep, too large). */
export class KmipDecodeError extends kmsErrorKind('KMIP_DECODE_ERROR', false) {
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
