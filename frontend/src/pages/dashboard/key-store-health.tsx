/** The key store's backend, health and probe latency, and the server's, from the status the layout already polls. */
import { formatDuration } from '../../app/format-duration.js';
import { describeHealth } from '../../app/health-view.js';
import { describeQueryError } from '../../app/query-error.js';
import { useSystemStatus } from '../../app/use-system-status.js';
import { Button } from '../../components/button.js';
import { SkeletonBlock } from '../../components/skeleton.js';

export function KeyStoreBanner() {
  const status = useSystemStatus();
  const isDown = status.data?.kms.health.state === 'down';
  if (!isDown && !status.isError) return null;
  // An unanswered status call says nothing about the key store itself: say what is known, and offer to ask again.
  if (status.isError) {
    return (
      <div role="alert" className="mb-4 rounded-md border-l-4 border-danger bg-danger-soft px-4 py-3 text-ink">
        <p className="m-0 font-semibold text-danger">The status of the key store could not be read</p>
        <p className="m-0 mt-1 text-sm">
          The status could not be read: {describeQueryError(status.error)}. Whether the key store can sign is unknown.
        </p>
        <div className="mt-2">
          <Button variant="secondary" onPress={() => void status.refetch()}>
            Try again
          </Button>
        </div>
      </div>
    );
  }
  return (
    <div role="alert" className="mb-4 rounded-md border-l-4 border-danger bg-danger-soft px-4 py-3 text-ink">
      <p className="m-0 font-semibold text-danger">The key store is unreachable</p>
      <p className="m-0 mt-1 text-sm">
        Nothing can be signed until it is back: no certificate, CRL or OCSP answer.{' '}
        {status.data?.kms.health.detail ?? 'no reason given'}
      </p>
    </div>
  );
}

export function KeyStoreCard() {
  const status = useSystemStatus();
  if (status.data === undefined) {
    return (
      <section className="card" aria-label="Key store">
        <h2>Key store</h2>
        {status.isPending ? <SkeletonBlock lines={2} /> : <p>Status unavailable.</p>}
      </section>
    );
  }
  const { kms, database, version, mode, uptimeSeconds } = status.data;
  const health = describeHealth(kms.health);
  return (
    <section className="card" aria-label="Key store">
      <h2>Key store</h2>
      <p className="flex flex-wrap items-center gap-2">
        <span className="card-value">{kms.label}</span>
        <span className={`pill tone-${health.tone}`}>{health.text}</span>
        {kms.health.latencyMs === undefined ? null : (
          <span className="text-sm text-ink-muted">answered in {kms.health.latencyMs} ms</span>
        )}
      </p>
      {health.detail === undefined ? null : <p className="card-detail">{health.detail}</p>}
      <p className="card-detail">
        <code>PKI_KMS_BACKEND={kms.backend}</code>
      </p>
      <dl className="m-0 mt-3 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-ink-muted">Database</dt>
        <dd className="m-0">SQLite, {describeHealth(database).text}</dd>
        <dt className="text-ink-muted">Version</dt>
        <dd className="m-0">
          {version}, {mode} mode
        </dd>
        <dt className="text-ink-muted">Uptime</dt>
        <dd className="m-0">{formatDuration(uptimeSeconds)}</dd>
      </dl>
    </section>
  );
}
