import { PlannedSection } from './planned-section.js';

export function AuditLogPage() {
  return (
    <PlannedSection
      title="Audit log"
      summary="A tamper-evident record of every key and certificate operation."
      planned={[
        { text: 'Read each operation with its time, actor, outcome (success or failure) and request id.' },
        { text: 'Filter by time, actor and operation.' },
        { text: 'Verify the hash chain and see the first row that was altered, if any.' },
      ]}
    />
  );
}
