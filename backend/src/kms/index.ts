/**
 * What the rest of the app imports from kms/: the audited KMSService, the factory that
 * picks a driver, the audit chain, the KeyStore contract types and the normalized error
 * family. Drivers and the KMIP library stay internal.
 */
export { KMSService, KMS_AUDIT_OPERATIONS, KMS_KEY_ENTITY, normalizeKmsError } from './service.js';
export type {
  GenerateKeyInput,
  KMSServiceDependencies,
  KeyDetails,
  KmsKeyRecord,
  ReconcileReport,
  RevokeKeyInput,
  SignInput,
} from './service.js';
export { KEY_STORE_FACTORIES, KeyStoreBackendNotBuilt, createKeyStore } from './create-key-store.js';
export type { KeyStoreDependencies, KeyStoreFactory, KeyStoreSettings } from './create-key-store.js';
export { AuditChain, GENESIS_PREV_HASH, canonicalJson, computeAuditHash } from './audit/chain.js';
export type { AuditEntry, AuditRecord } from './audit/chain.js';
export { verifyAuditChain } from './audit/verify.js';
export type { AuditChainFault, AuditChainVerification } from './audit/verify.js';
export { stateAfterRevocation } from './key-store.js';
export type {
  GenerateKeyPairRequest,
  GenerateKeyPairResult,
  KeyDescription,
  KeyReference,
  KeyStore,
  KeyStoreCapabilities,
  KeyStoreHealth,
  RevokeKeyRequest,
  SignRequest,
  SignResult,
} from './key-store.js';
export {
  KmipDecodeError,
  KmsError,
  KmsInvalidRequest,
  KmsNotFound,
  KmsPermissionDenied,
  KmsProtocolError,
  KmsRateLimited,
  KmsTimeout,
  KmsUnavailable,
  isKmsError,
} from './kmip/errors.js';
export type { KmsErrorCode, KmsErrorDetails } from './kmip/errors.js';
