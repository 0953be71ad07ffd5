/**
 * Audit rows for the CA's own operations (issue, revoke, CRL publication, CA creation,
 * export). KMSService already records each key operation; these rows record what the CA
 * did with them, written in the same transaction as the domain rows, and on failure alone
 * with the error's code, so a refused request leaves a trace and nothing else.
 *
 * Issuance, the hot path, commits through the group commit (`commitGrouped`): its rows
 * still go in together, in a savepoint of a transaction shared with concurrent issuances.
 */
import { AppError } from '../errors.js';
import type { AuditChain } from '../kms/audit/chain.js';
import { KmsError } from '../kms/errors.js';
import type { RequestContext } from '../request-context.js';
import type { GroupCommit } from '../db/group-commit.js';

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
  /**
   * The same pair of writes through the group commit: resolves once committed; a rejected
   * commit wrote neither.
   */
  commitGrouped<T>(entityId: string | null, write: () => T): Promise<T>;
}

export class PkiAudit {
  readonly #chain: AuditChain;
  readonly #groupCommit: GroupCommit;

  constructor(chain: AuditChain, groupCommit: GroupCommit) {
    this.#chain = chain;
    this.#groupCommit = groupCommit;
  }

  /** Commits the queued grouped writes now; call before the database closes. */
  flush(): void {
    this.#groupCommit.flush();
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
    const writeWithSuccessRow =
      <W>(entityId: string | null, write: () => W) =>
      () => {
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
      };
    const step: AuditStep = {
      details,
      commit: (entityId, write) => {
        entity = entityId;
        const result = this.#chain.transaction(writeWithSuccessRow(entityId, write));
        hasCommitted = true;
        return result;
      },
      commitGrouped: async (entityId, write) => {
        entity = entityId;
        const result = await this.#groupCommit.run(writeWithSuccessRow(entityId, write));
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
