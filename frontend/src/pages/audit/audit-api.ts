/**
 * The audit page's reads, in one place, because several of its procedures are being built in
 * parallel (audit-server / audit-review) and are not on this branch yet:
 *
 * TODO(lead): at merge, wire the procedures marked below —
 *   - audit.list's `requestId` and `order` filters (today the request id is filtered on the page);
 *   - audit.verify {full?} + polling audit.verifyStatus (today: the synchronous audit.verifyChain);
 *   - audit.signer → { pem, fingerprint } (today: only the GET /audit/signer.pem download link);
 *   - audit.summary {since, until} (today: the summary card says it is not available).
 * Everything else on the page is final.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { useTRPC, useTRPCClient } from '../../trpc.js';
import type { AuditFilters } from './audit-filters.js';

export function useAuditList(filters: AuditFilters, cursor: string | undefined) {
  const trpc = useTRPC();
  // TODO(lead): pass requestId (and order) to audit.list once it accepts them.
  const { requestId: _requestId, ...listed } = filters;
  return useQuery(trpc.audit.list.queryOptions({ ...listed, limit: 100, ...(cursor === undefined ? {} : { cursor }) }));
}

export type VerificationState =
  | { phase: 'idle' }
  | { phase: 'running'; rowsVerified?: number }
  | { phase: 'verified'; throughRow: number; lastCheckpointAt?: string }
  | { phase: 'tampered'; atRow: number; message: string }
  | { phase: 'failed'; error: unknown };

export function useAuditVerification() {
  const client = useTRPCClient();
  const [state, setState] = useState<VerificationState>({ phase: 'idle' });
  async function start() {
    setState({ phase: 'running' });
    try {
      // TODO(lead): audit.verify.mutate({}) then poll audit.verifyStatus for progress and the checkpoint time.
      const result = await client.audit.verifyChain.query();
      setState(
        result.isValid
          ? { phase: 'verified', throughRow: result.rowCount }
          : { phase: 'tampered', atRow: result.firstBadSeq, message: result.message },
      );
    } catch (error) {
      setState({ phase: 'failed', error });
    }
  }
  return { state, start };
}

export interface AuditSigner {
  pem: string;
  fingerprint: string;
}

/** TODO(lead): return trpc.audit.signer's answer once the procedure is merged. */
export function useAuditSigner(): { signer: AuditSigner | undefined; isAvailable: boolean } {
  return { signer: undefined, isAvailable: false };
}

/** TODO(lead): query trpc.audit.summary({ since, until }) once the procedure is merged. */
export function useComplianceSummary(_range: { since?: string; until?: string }): { isAvailable: boolean } {
  return { isAvailable: false };
}
