import type { ComponentHealth } from '@pki/shared';

import { formatDuration } from '../app/format-duration.js';
import { describeHealth } from '../app/health-view.js';
import { pageTitle } from '../app/navigation.js';
import { describeQueryError } from '../app/query-error.js';
import { useSystemStatus } from '../app/use-system-status.js';

const TIME_FORMAT = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

function HealthIndicator({ health }: { health: ComponentHealth }) {
  const { tone, text, detail } = describeHealth(health);
  return (
    <>
      <span className={`pill tone-${tone}`}>{text}</span>
      {detail === undefined ? null : <p className="card-detail">{detail}</p>}
    </>
  );
}

export function DashboardPage() {
  const status = useSystemStatus();

  return (
    <>
      <title>{pageTitle('Dashboard')}</title>
      <header className="page-header">
        <h1>Dashboard</h1>
        <p className="page-lead">The state of this PKI Manager instance and the services it depends on.</p>
      </header>

      {status.isPending ? (
        <p className="loading" role="status">
          Loading status…
        </p>
      ) : status.data === undefined ? (
        <div className="card alert" role="alert">
          <h2>Status unavailable</h2>
          <p>The server's status could not be read: {describeQueryError(status.error)}.</p>
          <button type="button" className="button" onClick={() => void status.refetch()}>
            Try again
          </button>
        </div>
      ) : (
        <>
          <dl className="card-grid">
            <div className="card">
              <dt>Key store</dt>
              <dd>
                <span className="card-value">{status.data.kms.label}</span>
                <HealthIndicator health={status.data.kms.health} />
                <p className="card-detail">
                  <code>PKI_KMS_BACKEND={status.data.kms.backend}</code>
                </p>
              </dd>
            </div>
            <div className="card">
              <dt>Database</dt>
              <dd>
                <span className="card-value">SQLite</span>
                <HealthIndicator health={status.data.database} />
              </dd>
            </div>
            <div className="card">
              <dt>Version</dt>
              <dd>
                <span className="card-value">{status.data.version}</span>
                <p className="card-detail">{status.data.mode} mode</p>
              </dd>
            </div>
            <div className="card">
              <dt>Uptime</dt>
              <dd>
                <span className="card-value">{formatDuration(status.data.uptimeSeconds)}</span>
                <p className="card-detail">as of {TIME_FORMAT.format(status.dataUpdatedAt)}</p>
              </dd>
            </div>
          </dl>
          {status.isError ? (
            <p className="stale-note" role="status">
              Showing the last known status; refreshing failed: {describeQueryError(status.error)}.
            </p>
          ) : null}
        </>
      )}
    </>
  );
}
