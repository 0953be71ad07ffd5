import { PlannedSection } from './planned-section.js';

export function CertificatesPage() {
  return (
    <PlannedSection
      title="Certificates"
      summary="End-entity certificates issued by your certificate authorities."
      planned={[
        {
          text: 'Issue a certificate from a PKCS#10 CSR (PEM or DER); the profile decides what is taken from it.',
          action: 'issueCertificate',
        },
        {
          text: 'Issue with a key pair generated in the key store, downloadable once as a password-protected PKCS#12 where the key store and profile allow it.',
          action: 'issueCertificate',
        },
        { text: 'Search by subject, SAN or serial and filter by status, issuing CA, profile and expiry.' },
        { text: 'Revoke with an RFC 5280 reason.', action: 'revokeCertificate' },
        { text: 'Export as PEM, DER, full chain or PKCS#7.' },
      ]}
    />
  );
}
