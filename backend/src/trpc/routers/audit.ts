import {
  AuditSummaryInput,
  AuditVerifyStatusInput,
  GetAuditInput,
  ListAuditInput,
  VerifyAuditInput,
} from '@pki/shared';

import { authorized, router } from '../init.js';

export const auditRouter = router({
  /** Filtered, newest or oldest first, keyset-paged. */
  list: authorized('audit.read')
    .input(ListAuditInput)
    .query(({ ctx, input }) => ctx.services.auditLog.list(input)),
  /** One row with every field, the chain link included. */
  get: authorized('audit.read')
    .input(GetAuditInput)
    .query(({ ctx, input }) => ctx.services.auditLog.get(input)),
  /** Counts and listed rows of a period; `auditSummaryCsv` (@pki/shared) renders it as CSV. */
  summary: authorized('audit.read')
    .input(AuditSummaryInput)
    .query(({ ctx, input }) => ctx.services.auditLog.summary(input)),
  /** Walks the whole hash chain; names the first bad row when it is broken. */
  verifyChain: authorized('audit.read').query(({ ctx }) => ctx.services.auditLog.verify()),
  /** Starts a background verification (chain and checkpoint signatures), or joins the one running; returns its run id. */
  verify: authorized('audit.read')
    .input(VerifyAuditInput)
    .mutation(({ ctx, input }) => ctx.services.auditIntegrity.startVerification({ isFull: input?.full === true })),
  /** A run's progress, then its result: verified through row N, or the first bad row and why. */
  verifyStatus: authorized('audit.read')
    .input(AuditVerifyStatusInput)
    .query(({ ctx, input }) => ctx.services.auditIntegrity.verificationStatus(input?.runId)),
  /** The audit signer's certificate (PEM) and SHA-256 fingerprint. */
  signer: authorized('audit.read').query(({ ctx }) => ctx.services.auditIntegrity.signerInfo()),
});
