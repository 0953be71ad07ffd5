import { describe, expect, it } from 'vitest';

import type { ApprovalSummary } from '@pki/shared';

import { pendingKeyRequests } from './pending-key-requests.js';

function approval(overrides: Partial<ApprovalSummary>): ApprovalSummary {
  return {
    id: 'a1',
    operation: 'keys.destroy',
    input: { keyId: 'k1', confirmLabel: 'k1' },
    status: 'pending',
    requestedBy: 'user:alice',
    requestedAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-02T00:00:00.000Z',
    decidedBy: null,
    decidedAt: null,
    comment: null,
    errorCode: null,
    ...overrides,
  };
}

describe('pendingKeyRequests', () => {
  it('maps pending key operations to their key, and ignores decided ones and other operations', () => {
    const pending = pendingKeyRequests([
      approval({}),
      approval({ id: 'a2', operation: 'keys.revoke', input: { keyId: 'k1', reason: 'superseded' } }),
      approval({ id: 'a3', status: 'approved', input: { keyId: 'k2' } }),
      approval({ id: 'a4', operation: 'cas.revoke', input: { caId: 'c1' } }),
    ]);
    expect([...pending]).toEqual([['k1', ['keys.destroy', 'keys.revoke']]]);
  });
});
