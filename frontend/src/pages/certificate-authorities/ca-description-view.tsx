/**
 * What the CA detail page shows from `cas.describe`: the CA's certificate decoded on the
 * server (the same decoder as a certificate's detail), the addresses relying parties use,
 * and the CRL they are served. Kept apart from the page so it renders from data alone.
 */
import { Link } from 'react-router';

import type { CaDescription, CaSummary } from '@pki/shared';

import { StateBadge } from '../../components/badge.js';
import { DefinitionList } from '../../components/definition-list.js';
import { DownloadButton } from '../../components/download-button.js';
import { ExtensionList } from '../../components/extension-list.js';
import { describeAlgorithm } from './ca-labels.js';

const DATE_FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const when = (iso: string | null) => (iso === null ? '—' : DATE_FORMAT.format(new Date(iso)));

type DecodedCaCertificate = NonNullable<CaDescription['certificate']>;

/**
 * A CA has two CRL addresses: its certificate's distribution point names its issuer's CRL,
 * which lists this CA if it is revoked; the CRL this CA signs, for what it issues, is another.
 * Likewise two certificate addresses: CA Issuers in its certificate's Authority Information
 * Access names its issuer's certificate; this CA's own, named in what it issues, is another.
 */
const CRL_DISTRIBUTION_POINTS_OID = '2.5.29.31';
const AUTHORITY_INFORMATION_ACCESS_OID = '1.3.6.1.5.5.7.1.1';
const EXTENSION_NOTES = {
  [CRL_DISTRIBUTION_POINTS_OID]:
    'The CRL that covers this CA itself, published by its issuer. The CRL this CA publishes is under Revocation information.',
  [AUTHORITY_INFORMATION_ACCESS_OID]:
    "CA Issuers is the certificate of this CA's issuer. This CA's own certificate URL is under Revocation information.",
};

function describeKey(ca: CaSummary, certificate: DecodedCaCertificate | null): string {
  if (certificate === null) return describeAlgorithm(ca.keyAlgorithm);
  const { type, size, curve } = certificate.publicKey;
  return `${type.toUpperCase()}${size === null ? '' : ` ${size} bits`}${curve === null ? '' : ` (${curve})`}`;
}

function IssuerLink({ ca, parent }: { ca: CaSummary; parent: CaSummary | undefined }) {
  if (ca.isRoot) return <>Self-signed (root)</>;
  if (parent === undefined) return <>External root</>;
  return <Link to={`/certificate-authorities/${encodeURIComponent(parent.id)}`}>{parent.name}</Link>;
}

function CertificateSection({ description, parent }: { description: CaDescription; parent: CaSummary | undefined }) {
  const { ca, certificate } = description;
  return (
    <section className="card" aria-labelledby="ca-certificate-heading">
      <h2 id="ca-certificate-heading">Certificate</h2>
      <DefinitionList
        items={[
          { term: 'Subject', description: <code className="break-all">{certificate?.subjectDn ?? ca.subjectDn}</code> },
          {
            term: 'Issuer',
            description:
              certificate === null ? (
                <IssuerLink ca={ca} parent={parent} />
              ) : (
                <>
                  <code className="break-all">{certificate.issuerDn}</code> (<IssuerLink ca={ca} parent={parent} />)
                </>
              ),
          },
          { term: 'Status', description: <StateBadge state={ca.status} /> },
          { term: 'Serial', description: <code className="break-all">{certificate?.serialHex ?? '—'}</code> },
          { term: 'Valid from', description: when(certificate?.notBefore ?? null) },
          { term: 'Valid until', description: when(certificate?.notAfter ?? null) },
          { term: 'Key algorithm', description: describeKey(ca, certificate) },
          ...(certificate === null
            ? []
            : [
                { term: 'Signature', description: certificate.signatureAlgorithm },
                {
                  term: 'SHA-256 fingerprint',
                  description: <code className="break-all text-sm">{certificate.fingerprints.sha256}</code>,
                },
                {
                  term: 'SHA-1 fingerprint',
                  description: <code className="break-all text-sm">{certificate.fingerprints.sha1}</code>,
                },
              ]),
          { term: 'Key', description: <code className="break-all">{ca.keyId}</code> },
          ...(ca.revokedAt === null
            ? []
            : [{ term: 'Revoked', description: `${when(ca.revokedAt)} (${ca.revocationReason ?? 'unspecified'})` }]),
        ]}
      />
      {certificate === null ? (
        <p className="mt-3 text-ink-muted">This CA has no certificate yet: import the one its external root signed.</p>
      ) : (
        <>
          <h3 id="ca-extensions-heading" className="mb-2 mt-4 font-semibold text-ink">
            Extensions
          </h3>
          <ExtensionList extensions={certificate.extensions} notes={EXTENSION_NOTES} />
          <div className="mt-3 flex flex-wrap gap-2">
            <DownloadButton filename={`${ca.name}.pem`} source={`/ca/${encodeURIComponent(ca.id)}.pem`}>
              Download certificate
            </DownloadButton>
          </div>
        </>
      )}
    </section>
  );
}

function RevocationSection({ description }: { description: CaDescription }) {
  const { ca, urls, crl } = description;
  const crlPath = `/crl/${encodeURIComponent(ca.id)}.crl`;
  return (
    <section className="card" aria-labelledby="ca-revocation-heading">
      <h2 id="ca-revocation-heading">Revocation information</h2>
      <DefinitionList
        items={[
          {
            term: 'CRL of certificates this CA issues',
            description: <code className="break-all">{urls.crl}</code>,
          },
          { term: 'OCSP URL', description: <code className="break-all">{urls.ocsp}</code> },
          { term: "This CA's certificate URL", description: <code className="break-all">{urls.caCertificate}</code> },
          ...(crl === null
            ? [{ term: 'CRL', description: 'Not published yet: the first download signs it.' }]
            : [
                { term: 'CRL number', description: String(crl.crlNumber) },
                { term: 'Last update', description: when(crl.thisUpdate) },
                { term: 'Next update', description: when(crl.nextUpdate) },
                { term: 'Revoked entries', description: String(crl.entryCount) },
              ]),
        ]}
      />
      <div className="mt-3">
        <DownloadButton filename={`${ca.name}.crl`} source={crlPath}>
          Download CRL
        </DownloadButton>
      </div>
    </section>
  );
}

export function CaDescriptionView({
  description,
  parent,
}: {
  description: CaDescription;
  parent: CaSummary | undefined;
}) {
  return (
    <div className="flex flex-col gap-6">
      <CertificateSection description={description} parent={parent} />
      {description.certificate === null ? null : <RevocationSection description={description} />}
    </div>
  );
}
