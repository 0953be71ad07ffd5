import { ApprovalRefInput, DecideApprovalInput, ListApprovalsInput } from '@pki/shared';

import { authorized, router } from '../init.js';

export const approvalsRouter = router({
  list: authorized('approvals.decide')
    .input(ListApprovalsInput)
    .query(({ ctx, input }) => ctx.services.auth.approvals.list(input)),
  get: authorized('approvals.decide')
    .input(ApprovalRefInput)
    .query(({ ctx, input }) => ctx.services.auth.approvals.get(input.id)),
  /** Runs exactly the stored request, as the approver; never the requester. */
  approve: authorized('approvals.decide')
    .input(DecideApprovalInput)
    .mutation(({ ctx, input }) => ctx.services.auth.approvals.approve(ctx.request, input)),
  reject: authorized('approvals.decide')
    .input(DecideApprovalInput)
    .mutation(({ ctx, input }) => ctx.services.auth.approvals.reject(ctx.request, input)),
});
