/**
 * Which keys have a request waiting under dual control, from approvals.list: the Keys page
 * shows "destruction pending approval" on the row until a second admin decides.
 */
import type { RouterOutputs } from '../../trpc.js';

export type ApprovalView = RouterOutputs['approvals']['list'][number];

export type PendingKeyOperation = 'keys.destroy' | 'keys.revoke';

export function pendingKeyRequests(approvals: readonly ApprovalView[]): Map<string, PendingKeyOperation[]> {
  const byKey = new Map<string, PendingKeyOperation[]>();
  for (const approval of approvals) {
    if (approval.status !== 'pending') continue;
    if (approval.operation !== 'keys.destroy' && approval.operation !== 'keys.revoke') continue;
    const input = approval.input;
    const keyId = typeof input === 'object' && input !== null && 'keyId' in input ? input.keyId : undefined;
    if (typeof keyId !== 'string') continue;
    byKey.set(keyId, [...(byKey.get(keyId) ?? []), approval.operation]);
  }
  return byKey;
}

export const PENDING_LABELS: Record<PendingKeyOperation, string> = {
  'keys.destroy': 'Destruction pending approval',
  'keys.revoke': 'Revocation pending approval',
};
