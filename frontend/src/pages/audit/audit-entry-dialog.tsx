import type { AuditEntry } from '@pki/shared';
import { Button } from '../../components/button.js';
import { formatInstant } from '../../app/format-instant.js';
import { Dialog } from '../../components/dialog.js';

/** One row in full: every column and its details as stored (the chain hashes exactly these). */
export function AuditEntryDialog({ entry, onClose }: { entry: AuditEntry; onClose: () => void }) {
  const fields: [string, string][] = [
    ['Row', String(entry.seq)],
    ['Time', `${formatInstant(entry.timestamp)} (${entry.timestamp})`],
    ['Actor', entry.actor],
    ['Operation', entry.operation],
    ['Status', entry.status],
    ['Entity', `${entry.entityType}${entry.entityId === null ? '' : ` ${entry.entityId}`}`],
    ['Request id', entry.requestId ?? '—'],
    ['KMS operation id', entry.kmsOperationId ?? '—'],
    ['Hash', entry.hash],
  ];
  return (
    <Dialog
      title={`Audit row ${entry.seq}`}
      isOpen
      isDismissable
      onOpenChange={(isOpen) => (isOpen ? undefined : onClose())}
    >
      <dl className="m-0 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
        {fields.map(([name, value]) => (
          <div key={name} className="contents">
            <dt className="text-ink-muted">{name}</dt>
            <dd className="m-0 break-all">{value}</dd>
          </div>
        ))}
      </dl>
      <h3 className="mt-3 mb-1 text-sm">Details</h3>
      <pre className="m-0 max-h-80 overflow-auto rounded-md border border-line bg-canvas p-2 text-xs">
        {JSON.stringify(entry.details, null, 2)}
      </pre>
      <div className="mt-3 flex justify-end">
        <Button variant="secondary" onPress={onClose}>
          Close
        </Button>
      </div>
    </Dialog>
  );
}
