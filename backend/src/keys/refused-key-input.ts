/**
 * Key operations refused before their service runs — input that fails validation, a wrong
 * destroy confirmation — leave a failure row like any key operation the service refuses, so
 * an auditor sees the attempt. At most one row per request: a batch of garbage from a
 * signed-in caller costs one row, and anonymous callers never get this far (access control
 * refuses and aggregates them first).
 */
import type { ZodError } from 'zod';

import { auditedError } from '../audit/audit-log.js';
import type { AuditLog } from '../audit/audit-log.js';
import { PKI_AUDIT_OPERATIONS } from '../pki/audit-operations.js';
import type { RequestContext } from '../request-context.js';

/** The key procedures and the operation their rows carry, the same as the service's own rows. */
const KEY_PROCEDURE_OPERATIONS: Readonly<Record<string, string>> = {
  'keys.revoke': PKI_AUDIT_OPERATIONS.revokeKey,
  'keys.destroy': PKI_AUDIT_OPERATIONS.destroyKey,
};

/** Longer ids are someone's garbage; the row keeps enough to recognise it. */
const RECORDED_KEY_ID_LIMIT = 128;

export class RefusedKeyInput {
  readonly #recorded = new WeakSet<RequestContext>();

  constructor(private readonly deps: { audit: Pick<AuditLog, 'record'> }) {}

  /** Input of a key procedure that failed its schema; any other procedure is left alone. */
  async recordInvalidInput(ctx: RequestContext, procedure: string, rawInput: unknown, error: ZodError): Promise<void> {
    const [issue] = error.issues;
    const where = issue === undefined || issue.path.length === 0 ? 'input' : issue.path.join('.');
    await this.record(ctx, procedure, rawInput, {
      errorCode: 'VALIDATION_FAILED',
      errorMessage: `${where}: ${issue?.message ?? 'invalid'}`.slice(0, 300),
    });
  }

  /** A refusal a key procedure raised itself before its service (the destroy confirmation). */
  async recordRefusal(ctx: RequestContext, procedure: string, rawInput: unknown, error: unknown): Promise<void> {
    await this.record(ctx, procedure, rawInput, auditedError(error));
  }

  private async record(
    ctx: RequestContext,
    procedure: string,
    rawInput: unknown,
    failure: { errorCode: string; errorMessage: string },
  ): Promise<void> {
    const operation = KEY_PROCEDURE_OPERATIONS[procedure];
    if (operation === undefined || this.#recorded.has(ctx)) return;
    this.#recorded.add(ctx);
    const rawKeyId = (rawInput as { keyId?: unknown } | null | undefined)?.keyId;
    const keyId = typeof rawKeyId === 'string' ? rawKeyId.slice(0, RECORDED_KEY_ID_LIMIT) : null;
    await this.deps.audit.record(ctx, {
      operation,
      entityType: 'kms_key',
      entityId: keyId,
      status: 'failure',
      details: { procedure, keyId, refusedBeforeService: true, ...failure },
    });
  }
}
