/**
 * Stable codes of the certificate authority's refusals. Each is thrown as one of the
 * application error classes (errors.ts), so the edge maps them by class; clients and
 * tests match on `code`.
 */
import { ConflictError, NotFoundError, PolicyError, ValidationError } from '../errors.js';
import type { AppErrorOptions } from '../errors.js';

export const PKI_ERROR_CODES = {
  csrMalformed: 'CSR_MALFORMED',
  csrTooLarge: 'CSR_TOO_LARGE',
  csrBadSignature: 'CSR_BAD_SIGNATURE',
  csrUnsupportedAlgorithm: 'CSR_UNSUPPORTED_ALGORITHM',
  keyTooWeak: 'KEY_TOO_WEAK',
  keyAlgorithmNotAllowed: 'KEY_ALGORITHM_NOT_ALLOWED',
  nameInvalid: 'NAME_INVALID',
  sanInvalid: 'SAN_INVALID',
  sanNotAllowed: 'SAN_NOT_ALLOWED',
  sanRequired: 'SAN_REQUIRED',
  sanLimitExceeded: 'SAN_LIMIT_EXCEEDED',
  commonNameNotInSans: 'COMMON_NAME_NOT_IN_SANS',
  validityExceedsProfile: 'VALIDITY_EXCEEDS_PROFILE',
  validityExceedsIssuer: 'VALIDITY_EXCEEDS_ISSUER',
  pathLengthExceeded: 'PATH_LENGTH_EXCEEDED',
  profileNotFound: 'PROFILE_NOT_FOUND',
  caNotFound: 'CA_NOT_FOUND',
  caNotActive: 'CA_NOT_ACTIVE',
  caNameTaken: 'CA_NAME_TAKEN',
  certificateNotFound: 'CERTIFICATE_NOT_FOUND',
  alreadyRevoked: 'ALREADY_REVOKED',
  reasonInvalid: 'REVOCATION_REASON_INVALID',
  keyHasLiveCertificates: 'KEY_HAS_LIVE_CERTIFICATES',
  auditSignerKey: 'AUDIT_SIGNER_KEY',
  exportNotAllowed: 'EXPORT_NOT_ALLOWED',
  exportAlreadyDone: 'EXPORT_ALREADY_DONE',
  passwordRequired: 'PASSWORD_REQUIRED',
  importedCertificateMismatch: 'IMPORTED_CERTIFICATE_MISMATCH',
  certificateMalformed: 'CERTIFICATE_MALFORMED',
} as const;

export type PkiErrorCode = (typeof PKI_ERROR_CODES)[keyof typeof PKI_ERROR_CODES];

type Options = AppErrorOptions;

export const pkiErrors = {
  csrMalformed: (why: string, options?: Options) =>
    new ValidationError(`CSR is not a valid PKCS#10 request: ${why}`, {
      ...options,
      code: PKI_ERROR_CODES.csrMalformed,
    }),
  csrTooLarge: (size: number, limit: number) =>
    new ValidationError(`CSR is ${size} bytes; the limit is ${limit}`, {
      code: PKI_ERROR_CODES.csrTooLarge,
      details: { size, limit },
    }),
  csrBadSignature: () =>
    new ValidationError('CSR signature does not verify with its own public key', {
      code: PKI_ERROR_CODES.csrBadSignature,
    }),
  csrUnsupportedAlgorithm: (what: string) =>
    new PolicyError(`CSR uses an unsupported algorithm: ${what}`, { code: PKI_ERROR_CODES.csrUnsupportedAlgorithm }),
  keyTooWeak: (what: string) =>
    new PolicyError(`public key is too weak: ${what}`, { code: PKI_ERROR_CODES.keyTooWeak }),
  keyAlgorithmNotAllowed: (algorithm: string, profile: string) =>
    new PolicyError(`key algorithm ${algorithm} is not allowed by profile ${profile}`, {
      code: PKI_ERROR_CODES.keyAlgorithmNotAllowed,
      details: { algorithm, profile },
    }),
  nameInvalid: (field: string, why: string) =>
    new ValidationError(`${field}: ${why}`, { code: PKI_ERROR_CODES.nameInvalid, details: { field } }),
  sanInvalid: (value: string, why: string) =>
    new ValidationError(`subject alternative name ${JSON.stringify(value)}: ${why}`, {
      code: PKI_ERROR_CODES.sanInvalid,
    }),
  sanNotAllowed: (type: string, profile: string) =>
    new PolicyError(`profile ${profile} does not allow ${type} subject alternative names`, {
      code: PKI_ERROR_CODES.sanNotAllowed,
      details: { type, profile },
    }),
  sanRequired: (types: readonly string[], profile: string) =>
    new PolicyError(`profile ${profile} requires at least one subject alternative name of type ${types.join(' or ')}`, {
      code: PKI_ERROR_CODES.sanRequired,
      details: { types, profile },
    }),
  sanLimitExceeded: (count: number, max: number, profile: string) =>
    new PolicyError(`${count} subject alternative names exceed the ${max} allowed by profile ${profile}`, {
      code: PKI_ERROR_CODES.sanLimitExceeded,
      details: { count, max, profile },
    }),
  commonNameNotInSans: (profile: string) =>
    new PolicyError(
      `profile ${profile} keeps a common name only when it is one of the subject alternative names (CA/Browser Forum BR §7.1.4.3); add it as a SAN or leave it out`,
      { code: PKI_ERROR_CODES.commonNameNotInSans, details: { profile } },
    ),
  validityExceedsProfile: (days: number, max: number, profile: string) =>
    new PolicyError(`validityDays ${days} exceeds the ${max} days allowed by profile ${profile}`, {
      code: PKI_ERROR_CODES.validityExceedsProfile,
      details: { days, max, profile },
    }),
  validityExceedsIssuer: (notAfter: Date, issuerNotAfter: Date) =>
    new PolicyError(
      `validity would end ${notAfter.toISOString()}, after the issuing CA's ${issuerNotAfter.toISOString()}`,
      { code: PKI_ERROR_CODES.validityExceedsIssuer },
    ),
  pathLengthExceeded: (why: string) => new PolicyError(why, { code: PKI_ERROR_CODES.pathLengthExceeded }),
  profileNotFound: (profile: string) =>
    new NotFoundError(`no certificate profile named ${JSON.stringify(profile)}`, {
      code: PKI_ERROR_CODES.profileNotFound,
    }),
  caNotFound: (ref: string) => new NotFoundError(`no CA ${JSON.stringify(ref)}`, { code: PKI_ERROR_CODES.caNotFound }),
  caNotActive: (name: string, status: string) =>
    new ConflictError(`CA ${name} is ${status} and cannot sign`, { code: PKI_ERROR_CODES.caNotActive }),
  caNameTaken: (name: string) =>
    new ConflictError(`a CA named ${JSON.stringify(name)} already exists`, { code: PKI_ERROR_CODES.caNameTaken }),
  certificateNotFound: (ref: string) =>
    new NotFoundError(`no certificate ${ref}`, { code: PKI_ERROR_CODES.certificateNotFound }),
  alreadyRevoked: (what: string) =>
    new ConflictError(`${what} is already revoked`, { code: PKI_ERROR_CODES.alreadyRevoked }),
  reasonInvalid: (reason: string) =>
    new ValidationError(`reason: ${reason} only appears in delta CRLs and cannot revoke a certificate`, {
      code: PKI_ERROR_CODES.reasonInvalid,
    }),
  keyHasLiveCertificates: (keyId: string, count: number) =>
    new ConflictError(
      `key ${keyId} signs a CA with ${count} unexpired, unrevoked certificate(s); force it with a reason to proceed`,
      { code: PKI_ERROR_CODES.keyHasLiveCertificates, details: { keyId, count } },
    ),
  auditSignerKey: (keyId: string) =>
    new ConflictError(
      `key ${keyId} signs the audit log's checkpoints; it cannot be revoked or destroyed while the server relies on it`,
      { code: PKI_ERROR_CODES.auditSignerKey, details: { keyId } },
    ),
  exportNotAllowed: (why: string) =>
    new PolicyError(`private key export refused: ${why}`, { code: PKI_ERROR_CODES.exportNotAllowed }),
  exportAlreadyDone: () =>
    new ConflictError('the private key was already downloaded once and cannot be exported again', {
      code: PKI_ERROR_CODES.exportAlreadyDone,
    }),
  passwordRequired: () =>
    new ValidationError('password: required (8 characters or more) to protect a PKCS#12 file', {
      code: PKI_ERROR_CODES.passwordRequired,
    }),
  importedCertificateMismatch: (why: string) =>
    new PolicyError(`imported certificate refused: ${why}`, { code: PKI_ERROR_CODES.importedCertificateMismatch }),
  certificateMalformed: (why: string, options?: Options) =>
    new ValidationError(`not a valid X.509 certificate: ${why}`, {
      ...options,
      code: PKI_ERROR_CODES.certificateMalformed,
    }),
};
