/** A certificate's extensions as the server decoded them: name, criticality, one line per value. */
import type { ReactNode } from 'react';

import type { CertificateExtension } from '@pki/shared';

export function ExtensionList({
  extensions,
  notes = {},
}: {
  extensions: readonly CertificateExtension[];
  /** What an extension means on this page, by OID, shown under its name. */
  notes?: Readonly<Record<string, ReactNode>>;
}) {
  if (extensions.length === 0) return <p className="text-ink-muted">No extensions.</p>;
  // No preflight resets lists (styles.css): cards and value lines go without bullets or indent.
  return (
    <ul className="m-0 list-none space-y-2 p-0">
      {extensions.map((extension) => (
        <li key={extension.oid} className="rounded border border-line bg-panel p-3">
          <p className="m-0 font-medium text-ink">
            {extension.name} {extension.isCritical && <span className="text-sm text-warn">(critical)</span>}
          </p>
          {notes[extension.oid] === undefined ? null : (
            <p className="m-0 mt-1 text-sm text-ink-muted">{notes[extension.oid]}</p>
          )}
          <ul className="m-0 mt-1 list-none p-0 text-sm text-ink">
            {extension.values.map((value) => (
              <li key={value} className="break-all">
                {value}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}
