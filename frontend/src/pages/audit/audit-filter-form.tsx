import { useState } from 'react';

import { AUDIT_STATUSES, type AuditStatus } from '@pki/shared';

import { isoToLocalInput, localInputToIso, type AuditFilters } from './audit-filters.js';
import { Button } from '../../components/button.js';
import { ChoiceInput, TextInput } from '../../components/form-fields.js';

type StatusChoice = AuditStatus | 'any';
const STATUS_CHOICES = [{ id: 'any' as const, label: 'any' }, ...AUDIT_STATUSES.map((id) => ({ id, label: id }))];

const TEXT_FILTERS = [
  ['actor', 'Actor', 'e.g. user:alice, token:…, system:crl'],
  ['operation', 'Operation', 'e.g. kms.destroy, certificate.issue'],
  ['entityType', 'Entity type', 'e.g. kms_key, certificate'],
  ['entityId', 'Entity id', undefined],
  ['requestId', 'Request id', 'From an error message or a log line'],
] as const;

/** Edits a draft; applying writes it to the URL, which is what the list reads. */
export function AuditFilterForm({
  filters,
  onApply,
}: {
  filters: AuditFilters;
  onApply: (filters: AuditFilters) => void;
}) {
  const [draft, setDraft] = useState(filters);
  const [since, setSince] = useState(isoToLocalInput(filters.since));
  const [until, setUntil] = useState(isoToLocalInput(filters.until));
  return (
    <form
      aria-label="Filter the audit log"
      className="card mb-4 grid gap-3 sm:grid-cols-2 lg:grid-cols-4"
      onSubmit={(event) => {
        event.preventDefault();
        onApply({ ...draft, since: localInputToIso(since), until: localInputToIso(until) });
      }}
    >
      <TextInput label="From" type="datetime-local" value={since} onChange={setSince} />
      <TextInput label="To" type="datetime-local" value={until} onChange={setUntil} />
      <ChoiceInput<StatusChoice>
        label="Status"
        choices={STATUS_CHOICES}
        value={draft.status ?? 'any'}
        onChange={(status) => setDraft({ ...draft, status: status === 'any' ? undefined : status })}
      />
      {TEXT_FILTERS.map(([name, label, description]) => (
        <TextInput
          key={name}
          label={label}
          value={draft[name] ?? ''}
          onChange={(value) => setDraft({ ...draft, [name]: value })}
          {...(description === undefined ? {} : { description })}
        />
      ))}
      <div className="flex items-end gap-2">
        <Button type="submit" variant="primary">
          Apply filters
        </Button>
        <Button
          variant="secondary"
          onPress={() => {
            setDraft({});
            setSince('');
            setUntil('');
            onApply({});
          }}
        >
          Clear
        </Button>
      </div>
    </form>
  );
}
