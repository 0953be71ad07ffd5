import { ListAuditInput } from '@pki/shared';

import { protectedProcedure, router } from '../init.js';

export const auditRouter = router({
  /** Newest first, filtered, keyset-paged. */
  list: protectedProcedure.input(ListAuditInput).query(({ ctx, input }) => ctx.services.auditLog.list(input)),
  /** Walks the whole hash chain; names the first bad row when it is broken. */
  verifyChain: protectedProcedure.query(({ ctx }) => ctx.services.auditChain.verify()),
});
