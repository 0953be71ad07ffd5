/**
 * The wizard's parsed view of a pasted CSR (certificates.previewCsr, parsed on the server):
 * subject, SANs, key, signature, and the chosen profile's verdict with the server's own
 * refusal; beside it, what the profile allows.
 */
import type { CsrPreview, ProfileSummary } from '@pki/shared';

import { DefinitionList } from '../../components/definition-list.js';

export function CsrPreviewPanel({ preview, profile }: { preview: CsrPreview; profile?: ProfileSummary | undefined }) {
  return (
    <div className="grid gap-4 md:grid-cols-2">
      <section aria-labelledby="csr-preview-title" className="rounded border border-line bg-panel p-4">
        <h3 id="csr-preview-title" className="mb-2 font-semibold text-ink">
          Parsed request
        </h3>
        {preview.problems.map((problem) => (
          <p key={problem.code} role="alert" className="mb-2 text-sm text-danger">
            {problem.message} ({problem.code})
          </p>
        ))}
        {preview.isParsed && (
          <DefinitionList
            items={[
              { term: 'Subject', description: preview.subjectDn ?? '—' },
              { term: 'SANs', description: preview.sans.length > 0 ? preview.sans.join(', ') : 'none' },
              {
                term: 'Key',
                description: preview.keyType
                  ? `${preview.keyType.toUpperCase()} ${preview.keySize ?? ''}`.trim()
                  : 'unknown',
              },
              {
                term: 'Signature',
                description:
                  preview.isSignatureValid === true
                    ? 'valid'
                    : preview.isSignatureValid === false
                      ? 'does not verify'
                      : 'not checked',
              },
            ]}
          />
        )}
        {preview.profileCheck && (
          <p role="status" className={`mt-3 text-sm ${preview.profileCheck.isAccepted ? 'text-ink' : 'text-danger'}`}>
            {preview.profileCheck.isAccepted
              ? `Profile ${preview.profileCheck.profile} accepts this request (subject ${preview.profileCheck.subjectDn ?? '—'}).`
              : `Profile ${preview.profileCheck.profile} would refuse it: ${preview.profileCheck.refusal?.message ?? ''}`}
          </p>
        )}
      </section>
      {profile && <ProfileAllowance profile={profile} />}
    </div>
  );
}

export function ProfileAllowance({ profile }: { profile: ProfileSummary }) {
  return (
    <section aria-labelledby="profile-allows-title" className="rounded border border-line bg-panel p-4">
      <h3 id="profile-allows-title" className="mb-2 font-semibold text-ink">
        {profile.displayName} allows
      </h3>
      <DefinitionList
        items={[
          { term: 'Key usages', description: profile.keyUsage.join(', ') || 'none' },
          { term: 'Extended key usages', description: profile.extendedKeyUsage.join(', ') || 'none' },
          { term: 'Maximum validity', description: `${profile.maxValidityDays} days` },
          { term: 'SAN types', description: profile.allowedSanTypes.join(', ') || 'none' },
          { term: 'Key algorithms', description: profile.allowedKeyAlgorithms.join(', ') },
        ]}
      />
    </section>
  );
}
