import { describe, expect, it } from 'vitest';

import {
  KmsInvalidRequest,
  KmsNotFound,
  KmsPermissionDenied,
  KmsProtocolError,
  KmsUnavailable,
} from '../../kmip/errors.js';
import { isSessionLost, returnValueName, toKmsError } from './pkcs11-errors.js';

/** The shape pkcs11js gives its errors: name "Pkcs11Error", message the CKR_ name. */
function pkcs11Error(returnValue: string): Error {
  const error = new Error(returnValue);
  error.name = 'Pkcs11Error';
  return error;
}

describe('toKmsError', () => {
  it.each([
    ['CKR_OBJECT_HANDLE_INVALID', KmsNotFound],
    ['CKR_PIN_INCORRECT', KmsPermissionDenied],
    ['CKR_USER_NOT_LOGGED_IN', KmsPermissionDenied],
    ['CKR_KEY_TYPE_INCONSISTENT', KmsInvalidRequest],
    ['CKR_ARGUMENTS_BAD', KmsInvalidRequest],
    ['CKR_MECHANISM_INVALID', KmsInvalidRequest],
    ['CKR_KEY_FUNCTION_NOT_PERMITTED', KmsInvalidRequest],
    ['CKR_DEVICE_ERROR', KmsUnavailable],
    ['CKR_TOKEN_NOT_PRESENT', KmsUnavailable],
    ['CKR_SESSION_HANDLE_INVALID', KmsUnavailable],
    ['CKR_VENDOR_DEFINED', KmsProtocolError],
  ] as const)('%s → %o', (returnValue, expected) => {
    const mapped = toKmsError(pkcs11Error(returnValue), 'sign', 'sign with key 00');
    expect(mapped).toBeInstanceOf(expected);
    expect(mapped.serverReason).toBe(returnValue);
    expect(mapped.operation).toBe('sign');
    expect(mapped.message).toBe(`pkcs11: sign with key 00 failed: ${returnValue}`);
  });

  it('passes KMS errors through and wraps anything else as a protocol error with its cause', () => {
    const notFound = new KmsNotFound('gone');
    expect(toKmsError(notFound, 'describe', 'x')).toBe(notFound);
    const typeError = new TypeError('Attribute 0x00000111 has wrong length');
    const wrapped = toKmsError(typeError, 'describe', 'describe key 00');
    expect(wrapped).toBeInstanceOf(KmsProtocolError);
    expect(wrapped.cause).toBe(typeError);
  });

  it('reads the return value only from pkcs11js errors', () => {
    expect(returnValueName(pkcs11Error('CKR_SESSION_CLOSED'))).toBe('CKR_SESSION_CLOSED');
    expect(returnValueName(new Error('CKR_SESSION_CLOSED'))).toBeUndefined();
    expect(isSessionLost(pkcs11Error('CKR_SESSION_HANDLE_INVALID'))).toBe(true);
    expect(isSessionLost(pkcs11Error('CKR_PIN_INCORRECT'))).toBe(false);
  });
});
