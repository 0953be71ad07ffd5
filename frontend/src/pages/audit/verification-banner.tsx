import type { VerificationState } from './audit-api.js';
import { formatInstant } from '../../app/format-instant.js';
import { ApiErrorNotice } from '../../components/error-notice.js';

/** The verification's outcome, worded as the auditor will quote it. */
export function VerificationBanner({ state }: { state: VerificationState }) {
  switch (state.phase) {
    case 'idle':
      return null;
    case 'running':
      return (
        <p role="status" className="m-0 rounded-md bg-brand-soft px-3 py-2 text-sm">
          Verifying the hash chain{state.rowsVerified === undefined ? '…' : `: ${state.rowsVerified} rows so far…`}
        </p>
      );
    case 'verified':
      return (
        <p
          role="status"
          className="m-0 rounded-md border-l-4 border-[var(--tone-up)] bg-[var(--tone-up-soft)] px-3 py-2 text-sm font-semibold"
        >
          Verified through row {state.throughRow}
          {state.lastCheckpointAt === undefined
            ? ''
            : `, last signed checkpoint at ${formatInstant(state.lastCheckpointAt)}`}
          .
        </p>
      );
    case 'tampered':
      return (
        <p
          role="alert"
          className="m-0 rounded-md border-l-4 border-danger bg-danger-soft px-3 py-2 text-sm font-semibold text-danger"
        >
          Tampering detected at row {state.atRow}: {state.message}
        </p>
      );
    case 'failed':
      return <ApiErrorNotice title="The verification could not run" error={state.error} />;
  }
}
