import { useState } from 'react';

import type { AuditFilters } from './audit-filters.js';
import { exportUrl, readExport, saveBlob, type ExportFormat, type ExportProgress } from './export-stream.js';
import { Button } from '../../components/button.js';
import { ApiErrorNotice } from '../../components/error-notice.js';

/** Export of the filtered time range, streamed: bytes and rows so far while it runs. */
export function AuditExport({ filters }: { filters: AuditFilters }) {
  const [running, setRunning] = useState<{ format: ExportFormat; progress: ExportProgress } | undefined>();
  const [finished, setFinished] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();

  async function run(format: ExportFormat) {
    setError(undefined);
    setFinished(undefined);
    setRunning({ format, progress: { bytes: 0, rows: 0 } });
    try {
      const response = await fetch(exportUrl(format, filters), { credentials: 'same-origin' });
      let last: ExportProgress = { bytes: 0, rows: 0 };
      const blob = await readExport(response, format, (progress) => {
        last = progress;
        setRunning({ format, progress });
      });
      saveBlob(blob, `audit-log.${format}`);
      setFinished(`Exported ${last.rows} rows (${last.bytes} bytes) as ${format.toUpperCase()}.`);
    } catch (caught) {
      setError(caught);
    } finally {
      setRunning(undefined);
    }
  }

  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap gap-2">
        <Button variant="secondary" isDisabled={running !== undefined} onPress={() => void run('ndjson')}>
          Export NDJSON
        </Button>
        <Button variant="secondary" isDisabled={running !== undefined} onPress={() => void run('csv')}>
          Export CSV
        </Button>
      </div>
      <p role="status" className="m-0 text-sm text-ink-muted">
        {running === undefined
          ? (finished ?? '')
          : `Exporting ${running.format.toUpperCase()}: ${running.progress.rows} rows, ${running.progress.bytes} bytes so far…`}
      </p>
      {error === undefined ? null : <ApiErrorNotice title="The export failed" error={error} />}
    </div>
  );
}
