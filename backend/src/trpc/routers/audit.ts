import { ListAuditInput } from '@pki/shared';

import { authorized, router } from '../init.js';

export const auditRouter = router({
  /** Newest first, filtered, keyset-paged. */
  list: authorized('audit.read')
    .input(ListAuditInput)
    .query(({ ctx, input }) => ctx.services.auditLog.list(input)),
  /** Walks the whole hash chain; names the first bad row when it is broken. */
  verifyChain: authorized('audit.read').query(({ ctx }) => ctx.services.auditLog.verify()),
});
