/**
 * Key custody evidence for a certificate. TODO(lead): `certificates.custody { caId, serial }`
 * is built by audit-review in parallel and is not in this branch; wire it here at merge
 * (useQuery(trpc.certificates.custody.queryOptions({ caId, serial: serialHex }))).
 */
export interface KeyCustodyPanelProps {
  caId: string;
  serialHex: string;
}

export function KeyCustodyPanel({ serialHex }: KeyCustodyPanelProps) {
  return (
    <section aria-labelledby="key-custody" className="rounded border border-line bg-panel p-4">
      <h2 id="key-custody" className="text-lg font-semibold text-ink">
        Key custody
      </h2>
      <p className="text-sm text-ink-muted">
        Custody evidence for serial {serialHex} is not available in this build yet.
      </p>
    </section>
  );
}
