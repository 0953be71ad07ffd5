/**
 * The audit page's reads and its verification run, in one place: the list with every filter,
 * the background verification (`audit.verify`, then `audit.verifyStatus` polled for progress),
 * the signer certificate's fingerprint and the compliance summary of a period.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import type { AuditSummary } from '@pki/shared';

import { useTRPC, useTRPCClient } from '../../trpc.js';
import type { AuditFilters } from './audit-filters.js';

const VERIFICATION_POLL_MS = 500;
/** A summary without a start covers the last 30 days, like `pki audit summary`'s default. */
const DEFAULT_SUMMARY_DAYS = 30;

export function useAuditList(filters: AuditFilters, cursor: string | undefined) {
  const trpc = useTRPC();
  return useQuery(
    trpc.audit.list.queryOptions({ ...filters, limit: 100, ...(cursor === undefined ? {} : { cursor }) }),
  );
}

export type VerificationState =
  | { phase: 'idle' }
  | { phase: 'running'; rowsVerified?: number; rowsTotal?: number }
  | { phase: 'verified'; throughRow: number; lastCheckpointAt?: string; lastCheckpointRow?: number }
  | { phase: 'tampered'; atRow: number; message: string }
  | { phase: 'failed'; error: unknown };

export function useAuditVerification() {
  const client = useTRPCClient();
  const [state, setState] = useState<VerificationState>({ phase: 'idle' });
  async function start(options: { full?: boolean } = {}) {
    setState({ phase: 'running' });
    try {
      const { runId } = await client.audit.verify.mutate({ full: options.full === true });
      for (;;) {
        const run = await client.audit.verifyStatus.query({ runId });
        if (run.state === 'failed') throw new Error(run.error ?? 'the verification could not complete');
        if (run.state === 'finished' && run.result !== null) {
          const result = run.result;
          setState(
            result.isValid
              ? {
                  phase: 'verified',
                  throughRow: result.verifiedThroughSeq,
                  ...(result.lastCheckpoint === null
                    ? {}
                    : { lastCheckpointAt: result.lastCheckpoint.time, lastCheckpointRow: result.lastCheckpoint.seq }),
                }
              : { phase: 'tampered', atRow: result.firstBadSeq, message: result.summary },
          );
          return;
        }
        setState({ phase: 'running', rowsVerified: run.progress.walked, rowsTotal: run.progress.total });
        await new Promise((resolve) => setTimeout(resolve, VERIFICATION_POLL_MS));
      }
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

export function useAuditSigner(): { signer: AuditSigner | undefined; isAvailable: boolean } {
  const trpc = useTRPC();
  const signer = useQuery(trpc.audit.signer.queryOptions());
  return {
    signer:
      signer.data === undefined ? undefined : { pem: signer.data.certificatePem, fingerprint: signer.data.fingerprint },
    isAvailable: signer.isSuccess,
  };
}

export function useComplianceSummary(range: { since?: string | undefined; until?: string | undefined }): {
  isAvailable: boolean;
  summary: AuditSummary | undefined;
} {
  const trpc = useTRPC();
  const [defaultSince] = useState(() => new Date(Date.now() - DEFAULT_SUMMARY_DAYS * 86_400_000).toISOString());
  const summary = useQuery(
    trpc.audit.summary.queryOptions({
      since: range.since ?? defaultSince,
      ...(range.until === undefined ? {} : { until: range.until }),
    }),
  );
  return { isAvailable: summary.isSuccess, summary: summary.data };
}
