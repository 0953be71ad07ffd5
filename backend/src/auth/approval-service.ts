/**
 * Dual control: with it on, the operations a single compromised admin must not do alone are
 * stored as pending approvals with their exact input instead of running; a different admin
 * approves (which runs exactly the stored input through the same service call, as the
 * approver, with both names in the approval rows) or rejects. Requests expire after
 * PKI_APPROVAL_TTL. The services stay unaware: the routers call `guard`, and the registry
 * (built in app.ts) says which operations need approval and how to run them.
 */
import { randomUUID } from 'node:crypto';

import type {
  ApprovalSummary,
  CaSummary,
  DecideApprovalInput,
  DestroyKeyInput,
  KeyLifecycleInput,
  ListApprovalsInput,
  RevokeCaInput,
  SetDualControlInput,
} from '@pki/shared';

import type { AuditLog } from '../audit/audit-log.js';
import { auditedError } from '../audit/audit-log.js';
import type { ApprovalRecord, ApprovalRepository } from '../db/approval-repository.js';
import { ApprovalRequiredError, ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import type { KmsKeyRecord } from '../kms/service.js';
import type { RequestContext } from '../request-context.js';
import type { Permission } from './permissions.js';
import { isAllowed } from './permissions.js';
import type { SettingsView } from './settings-service.js';

export interface ApprovableOperation<TInput = never, TResult = unknown> {
  /** What the approver must hold too. */
  permission: Permission;
  /** Whether this input needs a second admin when dual control is on. */
  needsApproval(input: TInput): boolean;
  /** The service call, the same with or without approval. */
  execute(ctx: RequestContext, input: TInput): Promise<TResult>;
}

/** Operation name (the procedure's path) → how to run it. */
export type ApprovableOperations = {
  'keys.destroy': ApprovableOperation<DestroyKeyInput, KmsKeyRecord>;
  'keys.revoke': ApprovableOperation<KeyLifecycleInput, KmsKeyRecord>;
  'cas.revoke': ApprovableOperation<RevokeCaInput, CaSummary>;
  'settings.setDualControl': ApprovableOperation<SetDualControlInput, SettingsView>;
};
export type ApprovableOperationName = keyof ApprovableOperations;

export interface ApprovalDecision {
  approval: ApprovalSummary;
  /** What the executed operation returned (approve only). */
  result?: unknown;
}

export class ApprovalService {
  constructor(
    private readonly deps: {
      approvals: ApprovalRepository;
      operations: ApprovableOperations;
      isDualControlEnabled: () => boolean;
      audit: AuditLog;
      ttlSeconds: number;
      now: () => Date;
    },
  ) {}

  /**
   * Runs the operation now, or, when dual control is on and it needs approval, stores it as
   * pending and throws ApprovalRequiredError with the approval's id.
   */
  async guard<TName extends ApprovableOperationName>(
    ctx: RequestContext,
    operation: TName,
    input: Parameters<ApprovableOperations[TName]['execute']>[1],
  ): Promise<Awaited<ReturnType<ApprovableOperations[TName]['execute']>>> {
    type Result = Awaited<ReturnType<ApprovableOperations[TName]['execute']>>;
    const definition = this.deps.operations[operation] as unknown as ApprovableOperation<typeof input, Result>;
    if (!this.deps.isDualControlEnabled() || !definition.needsApproval(input)) return definition.execute(ctx, input);
    const { audit, approvals, now } = this.deps;
    const requestedAt = now();
    const id = randomUUID();
    const record: ApprovalRecord = {
      id,
      operation,
      input,
      status: 'pending',
      requestedBy: ctx.actor,
      requestedByUserId: ctx.principal.userId ?? ctx.actor,
      requestedAt,
      expiresAt: new Date(requestedAt.getTime() + this.deps.ttlSeconds * 1000),
      decidedBy: null,
      decidedAt: null,
      comment: null,
      errorCode: null,
    };
    await audit.run(
      ctx,
      { operation: 'approval.request', entityType: 'approval', details: { operation, input } },
      (step) => step.commit(id, () => approvals.insert(record)),
    );
    throw new ApprovalRequiredError(id, operation);
  }

  list(input: ListApprovalsInput = {}): ApprovalSummary[] {
    this.deps.approvals.expirePending(this.deps.now());
    return this.deps.approvals.list(input.status).map(toSummary);
  }

  get(id: string): ApprovalSummary {
    this.deps.approvals.expirePending(this.deps.now());
    return toSummary(this.#find(id));
  }

  /** Runs exactly the stored input as the approver; the requester cannot approve their own request. */
  async approve(ctx: RequestContext, input: DecideApprovalInput): Promise<ApprovalDecision> {
    const { audit, approvals, now } = this.deps;
    const pending = await this.#decide(ctx, input, 'approved');
    const definition = this.deps.operations[pending.operation as ApprovableOperationName] as unknown as
      ApprovableOperation<unknown> | undefined;
    if (definition === undefined) throw new ConflictError(`operation ${pending.operation} can no longer be run`);
    try {
      const result = await definition.execute(ctx, pending.input);
      return { approval: toSummary(this.#find(pending.id)), result };
    } catch (error) {
      const { errorCode } = auditedError(error);
      approvals.setOutcome(pending.id, 'failed', errorCode);
      await audit.record(ctx, {
        operation: 'approval.execute',
        entityType: 'approval',
        entityId: pending.id,
        status: 'failure',
        details: {
          operation: pending.operation,
          requestedBy: pending.requestedBy,
          approvedBy: ctx.actor,
          at: now().toISOString(),
          ...auditedError(error),
        },
      });
      throw error;
    }
  }

  async reject(ctx: RequestContext, input: DecideApprovalInput): Promise<ApprovalDecision> {
    const rejected = await this.#decide(ctx, input, 'rejected');
    return { approval: toSummary(this.#find(rejected.id)) };
  }

  async #decide(
    ctx: RequestContext,
    input: DecideApprovalInput,
    status: 'approved' | 'rejected',
  ): Promise<ApprovalRecord> {
    const { audit, approvals, now } = this.deps;
    const operation = status === 'approved' ? 'approval.approve' : 'approval.reject';
    return audit.run(ctx, { operation, entityType: 'approval', entityId: input.id }, async (step) => {
      const decidedAt = now();
      approvals.expirePending(decidedAt);
      const approval = this.#find(input.id);
      Object.assign(step.details, {
        operation: approval.operation,
        requestedBy: approval.requestedBy,
        decidedBy: ctx.actor,
      });
      if (approval.status !== 'pending') {
        throw new ConflictError(`id: approval ${input.id} is ${approval.status}, no longer pending`, {
          code: approval.status === 'expired' ? 'APPROVAL_EXPIRED' : 'APPROVAL_NOT_PENDING',
        });
      }
      if (approval.requestedByUserId === (ctx.principal.userId ?? ctx.actor)) {
        throw new ForbiddenError('Dual control: another admin must decide on your own request.', {
          code: 'APPROVAL_BY_REQUESTER',
        });
      }
      const definition = this.deps.operations[approval.operation as ApprovableOperationName] as
        ApprovableOperation<never> | undefined;
      if (
        definition !== undefined &&
        (ctx.principal.role === null || !isAllowed(ctx.principal.role, definition.permission))
      ) {
        throw new ForbiddenError(`Deciding on ${approval.operation} needs the ${definition.permission} permission.`);
      }
      // A concurrent decision between the read above and this write finds no pending row:
      // throwing inside the write rolls it back with its success row, and the step records a failure.
      return step.commit(input.id, () => {
        const decided = approvals.decide(input.id, {
          status,
          decidedBy: ctx.actor,
          decidedAt,
          comment: input.comment ?? null,
          errorCode: null,
        });
        if (decided === undefined)
          throw new ConflictError(`id: approval ${input.id} was decided meanwhile`, { code: 'APPROVAL_NOT_PENDING' });
        return decided;
      });
    });
  }

  #find(id: string): ApprovalRecord {
    const approval = this.deps.approvals.findById(id);
    if (approval === undefined) throw new NotFoundError(`id: no approval ${JSON.stringify(id)}`);
    return approval;
  }
}

function toSummary(approval: ApprovalRecord): ApprovalSummary {
  return {
    id: approval.id,
    operation: approval.operation,
    input: approval.input,
    status: approval.status,
    requestedBy: approval.requestedBy,
    requestedAt: approval.requestedAt.toISOString(),
    expiresAt: approval.expiresAt.toISOString(),
    decidedBy: approval.decidedBy,
    decidedAt: approval.decidedAt?.toISOString() ?? null,
    comment: approval.comment,
    errorCode: approval.errorCode,
  };
}
