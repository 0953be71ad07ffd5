/**
 * Audit rows for the CA's own operations (issue, revoke, CRL publication, CA creation,
 * export). KMSService already records each key operation; these rows record what the CA
 * did with them, written in the same transaction as the domain rows, and on failure alone
 * with the error's code, so a refused request leaves a trace and nothing else.
 */
import { AppError } from '../errors.js';
import type { AuditChain } from '../kms/audit/chain.js';
import { KmsError } from '../kms/kmip/errors.js';
import type { RequestContext } from '../request-context.js';

export const PKI_AUDIT_OPERATIONS = {
  createRoot: 'ca.createRoot',
  createIntermediate: 'ca.createIntermediate',
  createSubordinateCsr: 'ca.createSubordinateCsr',
  importSignedCertificate: 'ca.importSignedCertificate',
  revokeCa: 'ca.revoke',
  createOcspSigner: 'ca.createOcspSigner',
  issue: 'certificate.issue',
  revokeCertificate: 'certificate.revoke',
  exportPrivateKey: 'certificate.exportPrivateKey',
  publishCrl: 'crl.publish',
  revokeKey: 'key.revoke',
  destroyKey: 'key.destroy',
} as const;
export type PkiAuditOperation = (typeof PKI_AUDIT_OPERATIONS)[keyof typeof PKI_AUDIT_OPERATIONS];

const MESSAGE_LIMIT = 300;

export interface AuditStep {
  details: Record<string, unknown>;
  /** Runs the domain writes and appends the success row in one IMMEDIATE transaction. */
  commit<T>(entityId: string | null, write: () => T): T;
}

export class PkiAudit {
  readonly #chain: AuditChain;

  constructor(chain: AuditChain) {
    this.#chain = chain;
  }

  get chain(): AuditChain {
    return this.#chain;
  }

  async run<T>(
    ctx: RequestContext,
    operation: PkiAuditOperation,
    entityType: 'certificate_authority' | 'certificate' | 'crl' | 'kms_key',
    work: (step: AuditStep) => Promise<T> | T,
    initialDetails: Record<string, unknown> = {},
  ): Promise<T> {
    const details: Record<string, unknown> = { ...initialDetails };
    let hasCommitted = false;
    let entity: string | null = null;
    const step: AuditStep = {
      details,
      commit: (entityId, write) => {
        entity = entityId;
        const result = this.#chain.transaction(() => {
          const written = write();
          this.#chain.append({
            actor: ctx.actor,
            requestId: ctx.requestId,
            operation,
            entityType,
            entityId,
            status: 'success',
            details,
          });
          return written;
        });
        hasCommitted = true;
        return result;
      },
    };
    try {
      return await work(step);
    } catch (error) {
      if (!hasCommitted) {
        details.errorCode = error instanceof AppError || error instanceof KmsError ? error.code : 'INTERNAL';
        details.errorMessage = (error instanceof Error ? error.message : String(error)).slice(0, MESSAGE_LIMIT);
        this.#chain.transaction(() =>
          this.#chain.append({
            actor: ctx.actor,
            requestId: ctx.requestId,
            operation,
            entityType,
            entityId: entity ?? (typeof details.entityId === 'string' ? details.entityId : null),
            status: 'failure',
            details,
          }),
        );
      }
      throw error;
    }
  }
}
