/**
 * Revoking or destroying a key that signs a CA, guarded: refused while that CA has
 * unexpired, unrevoked certificates, unless an admin forces it with a reason (kept in the
 * audit row). kms/ cannot know about certificates, so the keys router goes through here.
 */
import { KeyLifecycleInput } from '@pki/shared';

import type { CaRepository } from '../db/ca-repository.js';
import type { CertificateRepository } from '../db/certificate-repository.js';
import { ValidationError } from '../errors.js';
import type { KmsKeyRecord } from '../kms/service.js';
import type { RequestContext } from '../request-context.js';
import { pkiErrors } from './errors.js';
import { parseInput } from './parse-input.js';
import type { PkiKms } from './kms-signer.js';
import type { AuditLog } from '../audit/audit-log.js';
import { PKI_AUDIT_OPERATIONS } from './audit-operations.js';

export interface KeyLifecycleDependencies {
  cas: CaRepository;
  certificates: CertificateRepository;
  kms: PkiKms;
  audit: AuditLog;
  now?: () => Date;
}

export class KeyLifecycleService {
  readonly #deps: KeyLifecycleDependencies;
  readonly #now: () => Date;

  constructor(dependencies: KeyLifecycleDependencies) {
    this.#deps = dependencies;
    this.#now = dependencies.now ?? (() => new Date());
  }

  /** Unexpired, unrevoked certificates issued by the CA(s) this key signs for. */
  liveCertificateCount(keyId: string): number {
    return this.#deps.certificates.countLiveIssuedBy(this.#deps.cas.listIdsByKey(keyId), this.#now());
  }

  async revokeKey(ctx: RequestContext, rawInput: KeyLifecycleInput): Promise<KmsKeyRecord> {
    const input = parseInput(KeyLifecycleInput, rawInput);
    return this.#guarded(ctx, PKI_AUDIT_OPERATIONS.revokeKey, input, () =>
      this.#deps.kms.revokeKey(ctx, {
        keyId: input.keyId,
        reason: input.reason,
        ...(input.forceReason ? { message: input.forceReason } : {}),
      }),
    );
  }

  async destroyKey(ctx: RequestContext, rawInput: KeyLifecycleInput): Promise<KmsKeyRecord> {
    const input = parseInput(KeyLifecycleInput, rawInput);
    return this.#guarded(ctx, PKI_AUDIT_OPERATIONS.destroyKey, input, () =>
      this.#deps.kms.destroyKey(ctx, { keyId: input.keyId }),
    );
  }

  async #guarded(
    ctx: RequestContext,
    operation: typeof PKI_AUDIT_OPERATIONS.revokeKey | typeof PKI_AUDIT_OPERATIONS.destroyKey,
    input: ReturnType<typeof KeyLifecycleInput.parse>,
    action: () => Promise<KmsKeyRecord>,
  ): Promise<KmsKeyRecord> {
    return this.#deps.audit.run(
      ctx,
      {
        operation,
        entityType: 'kms_key',
        entityId: input.keyId,
        details: {
          keyId: input.keyId,
          reason: input.reason,
          isForced: input.isForced,
          forceReason: input.forceReason ?? null,
        },
      },
      async (step) => {
        if (input.isForced && !input.forceReason) {
          throw new ValidationError('forceReason: required when forcing past live certificates', {
            code: 'FORCE_REASON_REQUIRED',
          });
        }
        // Revoking the audit signer would silently end signed checkpoints (docs/AUDIT.md).
        if (this.#deps.kms.findKey(input.keyId)?.purpose === 'audit') throw pkiErrors.auditSignerKey(input.keyId);
        const live = this.liveCertificateCount(input.keyId);
        step.details.liveCertificates = live;
        if (live > 0 && !input.isForced) throw pkiErrors.keyHasLiveCertificates(input.keyId, live);
        const record = await action();
        await step.commit(input.keyId, () => undefined);
        return record;
      },
    );
  }
}
