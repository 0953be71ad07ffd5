import { verifyAuditChain } from '../../kms/audit/verify.js';
import { protectedProcedure, router } from '../init.js';

export const auditRouter = router({
  /** Walks the whole hash chain; names the first bad row when it is broken. */
  verifyChain: protectedProcedure.query(({ ctx }) => verifyAuditChain(ctx.services.database)),
});
