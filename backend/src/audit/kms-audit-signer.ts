/**
 * The audit signer over KMSService (docs/AUDIT.md §5): a key pair of purpose `audit`, made in
 * the key store once and used for nothing but checkpoints, with a self-signed certificate
 * (signer-certificate.ts). Both are remembered in the `settings` table under `audit.signer`
 * and reused after a restart. ECDSA P-256 where the key store can make it, RSA otherwise.
 */
import { X509Certificate, createHash, randomUUID } from 'node:crypto';

import type { KeyAlgorithm, SignatureScheme } from '@pki/shared';

import type { SettingsRepository } from '../db/settings-repository.js';
import type { KMSService } from '../kms/service.js';
import type { RequestContext } from '../request-context.js';
import type { AuditLog } from './audit-log.js';
import type { AuditSigner } from './checkpoint.js';
import { buildSignerCertificate } from './signer-certificate.js';

export const AUDIT_SIGNER_SETTING = 'audit.signer';
export const AUDIT_SIGNER_OPERATION = 'audit.createSigner';

/** Preferred first: P-256 gives short signatures and is what the issue names. */
const SIGNER_ALGORITHMS: readonly { algorithm: KeyAlgorithm; scheme: 'ecdsa' | 'rsa-pkcs1-v1_5' }[] = [
  { algorithm: 'ec-p256', scheme: 'ecdsa' },
  { algorithm: 'rsa-3072', scheme: 'rsa-pkcs1-v1_5' },
  { algorithm: 'rsa-2048', scheme: 'rsa-pkcs1-v1_5' },
];

interface StoredSigner {
  keyId: string;
  certificatePem: string;
}

type SignerKms = Pick<KMSService, 'generateKeyPair' | 'sign' | 'capabilities' | 'findKey'>;

export class KmsAuditSigner implements AuditSigner {
  readonly keyId: string;
  readonly algorithm: KeyAlgorithm;
  readonly certificatePem: string;
  readonly fingerprint: string;
  readonly #scheme: SignatureScheme;
  readonly #kms: SignerKms;

  private constructor(kms: SignerKms, stored: StoredSigner, algorithm: KeyAlgorithm) {
    this.#kms = kms;
    this.keyId = stored.keyId;
    this.algorithm = algorithm;
    this.#scheme = algorithm.startsWith('ec-') ? 'ecdsa' : 'rsa-pkcs1-v1_5';
    this.certificatePem = stored.certificatePem;
    this.fingerprint = createHash('sha256').update(new X509Certificate(stored.certificatePem).raw).digest('hex');
  }

  /** The signer made at an earlier start, if any; never calls the key store. */
  static load(deps: { kms: SignerKms; settings: SettingsRepository }): KmsAuditSigner | undefined {
    const stored = deps.settings.get(AUDIT_SIGNER_SETTING) as Partial<StoredSigner> | undefined;
    if (typeof stored?.keyId !== 'string' || typeof stored.certificatePem !== 'string') return undefined;
    const key = deps.kms.findKey(stored.keyId);
    if (key === undefined) {
      throw new Error(`the audit signer's key ${stored.keyId} is not among the keys this server knows`);
    }
    return new KmsAuditSigner(deps.kms, { keyId: stored.keyId, certificatePem: stored.certificatePem }, key.algorithm);
  }

  /**
   * Makes the key pair and its certificate, and records them (an `audit.createSigner` row,
   * the setting written in the same transaction).
   */
  static async create(
    ctx: RequestContext,
    deps: { kms: SignerKms; settings: SettingsRepository; audit: AuditLog; now: () => Date },
  ): Promise<KmsAuditSigner> {
    const capabilities = deps.kms.capabilities();
    const choice = SIGNER_ALGORITHMS.find(
      (candidate) =>
        capabilities.algorithms.includes(candidate.algorithm) &&
        capabilities.signatureSchemes.includes(candidate.scheme),
    );
    if (choice === undefined) {
      throw new Error('the key store can make neither an ECDSA P-256 nor an RSA key to sign audit checkpoints');
    }
    const key = await deps.kms.generateKeyPair(ctx, {
      algorithm: choice.algorithm,
      label: `audit-signer-${randomUUID().slice(0, 8)}`,
      purpose: 'audit',
      isExportable: false,
    });
    const der = await buildSignerCertificate({
      subjectPublicKeyInfo: new Uint8Array(key.publicKeySpki),
      scheme: choice.scheme,
      sign: (tbs, scheme, hash) => deps.kms.sign(ctx, { keyId: key.id, scheme, hash, data: tbs }),
      now: deps.now(),
    });
    const stored: StoredSigner = { keyId: key.id, certificatePem: new X509Certificate(der).toString() };
    const signer = new KmsAuditSigner(deps.kms, stored, choice.algorithm);
    await deps.audit.run(
      ctx,
      {
        operation: AUDIT_SIGNER_OPERATION,
        entityType: 'kms_key',
        details: { keyId: key.id, algorithm: choice.algorithm, fingerprint: signer.fingerprint },
      },
      (step) => step.commit(key.id, () => deps.settings.set(AUDIT_SIGNER_SETTING, stored, ctx.actor, deps.now())),
    );
    return signer;
  }

  sign(ctx: RequestContext, statement: Uint8Array): Promise<Uint8Array> {
    return this.#kms.sign(ctx, { keyId: this.keyId, scheme: this.#scheme, hash: 'sha-256', data: statement });
  }
}
