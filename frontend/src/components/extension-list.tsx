/** A certificate's extensions as the server decoded them: name, criticality, one line per value. */
import type { CertificateExtension } from '@pki/shared';

export function ExtensionList({ extensions }: { extensions: readonly CertificateExtension[] }) {
  if (extensions.length === 0) return <p className="text-ink-muted">No extensions.</p>;
  return (
    <ul className="space-y-2">
      {extensions.map((extension) => (
        <li key={extension.oid} className="rounded border border-line bg-panel p-3">
          <p className="font-medium text-ink">
            {extension.name} {extension.isCritical && <span className="text-sm text-warn">(critical)</span>}
          </p>
          <ul className="text-sm text-ink">
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
