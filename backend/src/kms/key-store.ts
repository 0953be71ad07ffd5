/**
 * The KeyStore contract: what every key store driver (local, cosmian, kmip, pkcs11) does.
 * Nothing outside `kms/` holds a KeyStore; the rest of the app goes through KMSService,
 * which audits every call. Drivers throw only the normalized errors of `kms/kmip/errors.ts`.
 */
import type { HashAlgorithm, KeyAlgorithm, KeyState, KmsBackend, RevocationReason, SignatureScheme } from '@pki/shared';

/** A driver's handle to one key: the key store's own unique identifier. */
export type KeyReference = string;

export interface GenerateKeyPairRequest {
  algorithm: KeyAlgorithm;
  /** Unique, human-readable name; drivers store it as the KMS Name/label (with the namespace prefix). */
  label: string;
  /** Whether the private key may ever leave the key store (e.g. a PKCS#12 download). */
  isExportable: boolean;
}

export interface GenerateKeyPairResult {
  privateKeyRef: KeyReference;
  publicKeyRef: KeyReference;
  /** SubjectPublicKeyInfo, DER. */
  publicKeySpki: Uint8Array;
}

export interface SignRequest {
  privateKeyRef: KeyReference;
  scheme: SignatureScheme;
  hash: HashAlgorithm;
  /** The data to sign; the driver hashes it as its backend requires. */
  data: Uint8Array;
}

/** For ECDSA the signature is DER (X9.62 Ecdsa-Sig-Value), as X.509 expects. */
export interface SignResult {
  signature: Uint8Array;
}

export interface RevokeKeyRequest {
  privateKeyRef: KeyReference;
  reason: RevocationReason;
  /** Free text kept with the revocation where the backend supports it. */
  message?: string;
}

export interface KeyDescription {
  privateKeyRef: KeyReference;
  publicKeyRef: KeyReference | undefined;
  /** The label as given to generateKeyPair, without the namespace prefix. */
  label: string;
  algorithm: KeyAlgorithm | undefined;
  state: 'pre-active' | 'active' | 'deactivated' | 'compromised' | 'destroyed';
  isExportable: boolean;
  createdAt: Date | undefined;
  /** What the key store itself says guards the private key; absent where the driver cannot ask. */
  protection?: KeyProtection;
}

/**
 * The key store's own attributes of a private key, as an auditor asks for them ("the CA key
 * never leaves the HSM"); undefined where the store does not say.
 */
export interface KeyProtection {
  /** Its value is never revealed in plaintext (PKCS#11 CKA_SENSITIVE, KMIP Sensitive). */
  isSensitive: boolean | undefined;
  /** It was never extractable since it was made (CKA_NEVER_EXTRACTABLE, KMIP Never Extractable). */
  isNeverExtractable: boolean | undefined;
  /** It may be exported now (CKA_EXTRACTABLE, KMIP Extractable). */
  isExtractable: boolean | undefined;
}

export interface KeyStoreHealth {
  isHealthy: boolean;
  /** Why not, fit for an operator (no secrets). */
  detail?: string;
  /** e.g. the server version of a remote KMS. */
  serverVersion?: string;
}

export interface KeyStoreCapabilities {
  algorithms: readonly KeyAlgorithm[];
  signatureSchemes: readonly SignatureScheme[];
  /** Whether a private key generated with `isExportable` can be exported at all. */
  canExportPrivateKey: boolean;
  /** Whether revoke/destroy of the private key also revokes/destroys its linked public key. */
  doesCascadeToPublicKey: boolean;
}

export interface KeyStore {
  readonly backend: KmsBackend;
  /** The label prefix all our keys carry in this key store, e.g. "pki-manager/". */
  readonly namespace: string;
  capabilities(): KeyStoreCapabilities;
  generateKeyPair(request: GenerateKeyPairRequest): Promise<GenerateKeyPairResult>;
  getPublicKey(privateKeyRef: KeyReference): Promise<Uint8Array>;
  sign(request: SignRequest): Promise<SignResult>;
  revoke(request: RevokeKeyRequest): Promise<void>;
  destroy(privateKeyRef: KeyReference): Promise<void>;
  describe(privateKeyRef: KeyReference): Promise<KeyDescription>;
  /** All keys under this store's namespace. */
  list(): Promise<KeyDescription[]>;
  health(): Promise<KeyStoreHealth>;
  /** Only where the driver's capabilities allow it; PKCS#8 DER. */
  exportPrivateKey?(privateKeyRef: KeyReference): Promise<Uint8Array>;
  close(): Promise<void>;
}

const COMPROMISE_REASONS: ReadonlySet<RevocationReason> = new Set(['keyCompromise', 'cACompromise', 'aACompromise']);

/**
 * KMIP's rule for the state a revocation leaves (KMIP 2.1 §6.1.47): a compromise reason
 * moves the key to Compromised, any other to Deactivated; Compromised is never undone.
 */
export function stateAfterRevocation(reason: RevocationReason, current: KeyState): KeyState {
  return COMPROMISE_REASONS.has(reason) || current === 'compromised' ? 'compromised' : 'deactivated';
}
