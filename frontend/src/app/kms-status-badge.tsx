import { describeKmsBadge, type StatusQueryState } from './health-view.js';
import { describeQueryError } from './query-error.js';
import { useSystemStatus } from './use-system-status.js';

export function KmsStatusBadge() {
  const status = useSystemStatus();
  // A failed refresh shows as unknown, not as the last answer: a stale "up" would mislead.
  const query: StatusQueryState = status.isPending
    ? { kind: 'loading' }
    : status.isError
      ? { kind: 'error', message: describeQueryError(status.error) }
      : { kind: 'ready', kms: status.data.kms };
  const view = describeKmsBadge(query);

  return (
    <div className={`badge tone-${view.tone}`} role="status" aria-label={view.ariaLabel} title={view.detail}>
      <span className="badge-dot" aria-hidden="true" />
      <span className="badge-caption">KMS</span>
      {view.label === undefined ? null : <span className="badge-label">{view.label}</span>}
      <span className="badge-state">{view.stateText}</span>
    </div>
  );
}
