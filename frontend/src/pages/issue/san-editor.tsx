/**
 * The SAN editor: one row per subject alternative name, a type and a value, validated as
 * typed with the shared rules (`SanEntrySchema`, @pki/shared san.ts) so the messages are the
 * server's. Rows the profile does not allow are flagged too. Issuance from a CSR takes the
 * CSR's names unless rows are given here, and then only the rows: the editor says which.
 */
import { SAN_TYPES, SanEntrySchema } from '@pki/shared';
import type { SanEntry, SanType } from '@pki/shared';

import { Button } from '../../components/button.js';

const TYPE_LABELS: Record<SanType, string> = { dns: 'DNS', ip: 'IP', email: 'Email', uri: 'URI' };

/** The message a row shows, or null; empty rows are not yet errors. */
export function sanRowProblem(entry: SanEntry, allowedTypes?: readonly SanType[]): string | null {
  if (entry.value.trim() === '') return null;
  if (allowedTypes && !allowedTypes.includes(entry.type))
    return `${TYPE_LABELS[entry.type]} names are not allowed by this profile`;
  const result = SanEntrySchema.safeParse(entry);
  return result.success ? null : (result.error.issues[0]?.message ?? 'invalid');
}

export interface SanEditorProps {
  rows: readonly SanEntry[];
  onChange: (rows: SanEntry[]) => void;
  allowedTypes?: readonly SanType[];
  /** The names the pasted CSR carries, as "dns:example.com"; absent when there is no CSR. */
  csrSans?: readonly string[];
}

export function SanEditor({ rows, onChange, allowedTypes, csrSans = [] }: SanEditorProps) {
  const update = (index: number, entry: SanEntry) => onChange(rows.map((row, at) => (at === index ? entry : row)));
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-ink">Subject alternative names</legend>
      {rows.length === 0 && csrSans.length === 0 && (
        <p className="text-sm text-ink-muted">No names yet. Add the host names or addresses clients will use.</p>
      )}
      {rows.length === 0 && csrSans.length > 0 && (
        <p className="text-sm text-ink-muted">
          The CSR&apos;s names are used: <span className="break-all text-ink">{csrSans.join(', ')}</span>. Names added
          here replace them.
        </p>
      )}
      {rows.length > 0 && csrSans.length > 0 && (
        <p className="text-sm text-ink-muted">
          These names replace the CSR&apos;s ({csrSans.join(', ')}); remove them all to use the CSR&apos;s.
        </p>
      )}
      <ul className="list-none space-y-2 p-0">
        {rows.map((row, index) => {
          const problem = sanRowProblem(row, allowedTypes);
          const errorId = `san-error-${index}`;
          return (
            <li key={index} className="flex flex-wrap items-start gap-2">
              <label className="sr-only" htmlFor={`san-type-${index}`}>
                Type of name {index + 1}
              </label>
              <select
                id={`san-type-${index}`}
                className="rounded border border-line bg-panel px-2 py-1 text-ink"
                value={row.type}
                onChange={(event) => update(index, { ...row, type: event.target.value as SanType })}
              >
                {SAN_TYPES.map((type) => (
                  <option key={type} value={type}>
                    {TYPE_LABELS[type]}
                  </option>
                ))}
              </select>
              <div className="min-w-48 flex-1">
                <label className="sr-only" htmlFor={`san-value-${index}`}>
                  Name {index + 1}
                </label>
                <input
                  id={`san-value-${index}`}
                  className="w-full rounded border border-line bg-panel px-2 py-1 text-ink"
                  value={row.value}
                  aria-invalid={problem !== null}
                  aria-describedby={problem === null ? undefined : errorId}
                  onChange={(event) => update(index, { ...row, value: event.target.value })}
                />
                {problem !== null && (
                  <p id={errorId} className="mt-1 text-sm text-danger">
                    {problem}
                  </p>
                )}
              </div>
              <Button
                variant="quiet"
                onPress={() => onChange(rows.filter((_, at) => at !== index))}
                aria-label={`Remove name ${index + 1}`}
              >
                Remove
              </Button>
            </li>
          );
        })}
      </ul>
      <Button variant="secondary" onPress={() => onChange([...rows, { type: allowedTypes?.[0] ?? 'dns', value: '' }])}>
        Add name
      </Button>
    </fieldset>
  );
}

/** Whether every row is filled in and acceptable. */
export function areSanRowsValid(rows: readonly SanEntry[], allowedTypes?: readonly SanType[]): boolean {
  return rows.every((row) => row.value.trim() !== '' && sanRowProblem(row, allowedTypes) === null);
}
