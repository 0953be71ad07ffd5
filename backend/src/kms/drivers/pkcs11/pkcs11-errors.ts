/**
 * PKCS#11 return values (CKR_*) → the normalized KMS errors. pkcs11js raises `Pkcs11Error`
 * whose message is the CKR_ name (e.g. "CKR_PIN_INCORRECT") and whose `code` is its number;
 * the name is a stable identifier from the PKCS#11 spec, never vendor prose, so matching on it
 * is matching by code.
 */
import {
  KmsError,
  KmsInvalidRequest,
  KmsNotFound,
  KmsPermissionDenied,
  KmsProtocolError,
  KmsUnavailable,
} from '../../kmip/errors.js';

type KmsErrorClass = new (
  message: string,
  details?: ConstructorParameters<typeof KmsNotFound>[1],
  options?: { cause?: unknown },
) => KmsError;

const RETURN_VALUE_CLASSES: Readonly<Record<string, KmsErrorClass>> = {
  CKR_OBJECT_HANDLE_INVALID: KmsNotFound,
  CKR_KEY_HANDLE_INVALID: KmsNotFound,

  CKR_PIN_INCORRECT: KmsPermissionDenied,
  CKR_PIN_INVALID: KmsPermissionDenied,
  CKR_PIN_LEN_RANGE: KmsPermissionDenied,
  CKR_PIN_EXPIRED: KmsPermissionDenied,
  CKR_PIN_LOCKED: KmsPermissionDenied,
  CKR_USER_NOT_LOGGED_IN: KmsPermissionDenied,
  CKR_USER_PIN_NOT_INITIALIZED: KmsPermissionDenied,
  CKR_USER_TYPE_INVALID: KmsPermissionDenied,
  CKR_TOKEN_WRITE_PROTECTED: KmsPermissionDenied,
  CKR_ATTRIBUTE_SENSITIVE: KmsPermissionDenied,
  CKR_KEY_UNEXTRACTABLE: KmsPermissionDenied,

  CKR_ARGUMENTS_BAD: KmsInvalidRequest,
  CKR_ATTRIBUTE_READ_ONLY: KmsInvalidRequest,
  CKR_ATTRIBUTE_TYPE_INVALID: KmsInvalidRequest,
  CKR_ATTRIBUTE_VALUE_INVALID: KmsInvalidRequest,
  CKR_CURVE_NOT_SUPPORTED: KmsInvalidRequest,
  CKR_DATA_INVALID: KmsInvalidRequest,
  CKR_DATA_LEN_RANGE: KmsInvalidRequest,
  CKR_DOMAIN_PARAMS_INVALID: KmsInvalidRequest,
  CKR_KEY_FUNCTION_NOT_PERMITTED: KmsInvalidRequest,
  CKR_KEY_SIZE_RANGE: KmsInvalidRequest,
  CKR_KEY_TYPE_INCONSISTENT: KmsInvalidRequest,
  CKR_MECHANISM_INVALID: KmsInvalidRequest,
  CKR_MECHANISM_PARAM_INVALID: KmsInvalidRequest,
  CKR_TEMPLATE_INCOMPLETE: KmsInvalidRequest,
  CKR_TEMPLATE_INCONSISTENT: KmsInvalidRequest,

  CKR_CRYPTOKI_NOT_INITIALIZED: KmsUnavailable,
  CKR_DEVICE_ERROR: KmsUnavailable,
  CKR_DEVICE_MEMORY: KmsUnavailable,
  CKR_DEVICE_REMOVED: KmsUnavailable,
  CKR_FUNCTION_FAILED: KmsUnavailable,
  CKR_GENERAL_ERROR: KmsUnavailable,
  CKR_HOST_MEMORY: KmsUnavailable,
  CKR_SESSION_CLOSED: KmsUnavailable,
  CKR_SESSION_COUNT: KmsUnavailable,
  CKR_SESSION_HANDLE_INVALID: KmsUnavailable,
  CKR_SLOT_ID_INVALID: KmsUnavailable,
  CKR_TOKEN_NOT_PRESENT: KmsUnavailable,
  CKR_TOKEN_NOT_RECOGNIZED: KmsUnavailable,
};

/** Return values after which the session is unusable: drop it and retry once on a fresh one. */
const SESSION_LOST = new Set(['CKR_SESSION_HANDLE_INVALID', 'CKR_SESSION_CLOSED', 'CKR_DEVICE_REMOVED']);

/** The CKR_ name carried by a pkcs11js error, if it is one. */
export function returnValueName(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'Pkcs11Error') return undefined;
  const match = /^CKR_[A-Z0-9_]+/.exec(error.message);
  return match?.[0];
}

export function isSessionLost(error: unknown): boolean {
  const name = returnValueName(error);
  return name !== undefined && SESSION_LOST.has(name);
}

export function hasReturnValue(error: unknown, name: string): boolean {
  return returnValueName(error) === name;
}

/**
 * Wraps anything thrown by graphene/pkcs11js into the KMS family. `context` says what was being
 * done ("sign with key 0a1b…"); it never contains key material or the PIN.
 */
export function toKmsError(error: unknown, operation: string, context: string): KmsError {
  if (error instanceof KmsError) return error;
  const name = returnValueName(error);
  if (name !== undefined) {
    const ErrorClass = RETURN_VALUE_CLASSES[name] ?? KmsProtocolError;
    return new ErrorClass(`pkcs11: ${context} failed: ${name}`, { serverReason: name, operation }, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new KmsProtocolError(
    `pkcs11: ${context} failed: ${message}`,
    { serverMessage: message, operation },
    { cause: error },
  );
}
