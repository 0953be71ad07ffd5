/**
 * Enumerations shared by the backend, the frontend and the CLI. Each is a readonly
 * tuple (for zod) plus the union type derived from it, so a value is spelled once.
 */
import { z } from 'zod';

/** Key store drivers; each value is also the folder name of its driver and the `PKI_KMS_BACKEND` value. */
export const KMS_BACKENDS = ['local', 'cosmian', 'kmip', 'pkcs11'] as const;
export const KmsBackendSchema = z.enum(KMS_BACKENDS);
export type KmsBackend = z.infer<typeof KmsBackendSchema>;

/** Human names of the backends, as shown in the UI badge. */
export const KMS_BACKEND_LABELS: Record<KmsBackend, string> = {
  local: 'local (embedded)',
  cosmian: 'Cosmian KMS',
  kmip: 'KMIP server',
  pkcs11: 'PKCS#11 HSM',
};

/** Key lifecycle states, following KMIP's State enumeration (KMIP 2.1 §11.46). */
export const KEY_STATES = ['pre-active', 'active', 'deactivated', 'compromised', 'destroyed'] as const;
export const KeyStateSchema = z.enum(KEY_STATES);
export type KeyState = z.infer<typeof KeyStateSchema>;

/** Asymmetric key algorithms a key store may generate. */
export const KEY_ALGORITHMS = ['rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p256', 'ec-p384'] as const;
export const KeyAlgorithmSchema = z.enum(KEY_ALGORITHMS);
export type KeyAlgorithm = z.infer<typeof KeyAlgorithmSchema>;

/** `audit`: the audit-signing key (signed checkpoints, docs/AUDIT.md §5), used for nothing else. */
export const KEY_PURPOSES = ['ca', 'end-entity', 'ocsp-signing', 'audit'] as const;
export const KeyPurposeSchema = z.enum(KEY_PURPOSES);
export type KeyPurpose = z.infer<typeof KeyPurposeSchema>;

/** Signature schemes over data; the hash is applied by the driver as its backend requires. */
export const SIGNATURE_SCHEMES = ['rsa-pkcs1-v1_5', 'rsa-pss', 'ecdsa'] as const;
export const SignatureSchemeSchema = z.enum(SIGNATURE_SCHEMES);
export type SignatureScheme = z.infer<typeof SignatureSchemeSchema>;

export const HASH_ALGORITHMS = ['sha-256', 'sha-384', 'sha-512'] as const;
export const HashAlgorithmSchema = z.enum(HASH_ALGORITHMS);
export type HashAlgorithm = z.infer<typeof HashAlgorithmSchema>;

export const CERTIFICATE_STATUSES = ['active', 'revoked', 'expired'] as const;
export const CertificateStatusSchema = z.enum(CERTIFICATE_STATUSES);
export type CertificateStatus = z.infer<typeof CertificateStatusSchema>;

export const CA_STATUSES = ['active', 'pending', 'revoked'] as const;
export const CaStatusSchema = z.enum(CA_STATUSES);
export type CaStatus = z.infer<typeof CaStatusSchema>;

/**
 * RFC 5280 §5.3.1 CRLReason names with their codes (value 7 is unused by the RFC).
 */
export const REVOCATION_REASON_CODES = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASON_CODES;
export const REVOCATION_REASONS = Object.keys(REVOCATION_REASON_CODES) as [RevocationReason, ...RevocationReason[]];
export const RevocationReasonSchema = z.enum(REVOCATION_REASONS);

/** `denied`: a signed-in actor or token refused by the role table, or anonymous refusals aggregated. */
export const AUDIT_STATUSES = ['success', 'failure', 'denied'] as const;
export const AuditStatusSchema = z.enum(AUDIT_STATUSES);
export type AuditStatus = z.infer<typeof AuditStatusSchema>;

/** Roles of users and API tokens, highest first (auth/permissions.ts holds what each may do). */
export const USER_ROLES = ['admin', 'operator', 'auditor'] as const;
export const UserRoleSchema = z.enum(USER_ROLES);
export type UserRole = z.infer<typeof UserRoleSchema>;

/** States of a dual-control request (auth/approval-service.ts). */
export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'failed'] as const;
export const ApprovalStatusSchema = z.enum(APPROVAL_STATUSES);
export type ApprovalStatus = z.infer<typeof ApprovalStatusSchema>;

export const HEALTH_STATES = ['up', 'down'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];
