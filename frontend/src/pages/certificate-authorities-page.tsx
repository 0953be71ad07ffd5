import { PlannedSection } from './planned-section.js';

export function CertificateAuthoritiesPage() {
  return (
    <PlannedSection
      title="Certificate authorities"
      summary="Root and intermediate CAs whose private keys stay in the key store."
      planned={[
        {
          text: 'Create a root CA (RSA 3072/4096 or EC P-384) and intermediates with path length constraints.',
          action: 'manageCertificateAuthorities',
        },
        {
          text: 'Produce a CSR for a subordinate CA signed by an external root, then import its certificate.',
          action: 'manageCertificateAuthorities',
        },
        { text: 'Publish a CRL per CA and answer OCSP; CA certificates are served at /ca/{id}.pem.' },
        { text: 'Revoke a CA together with everything it issued.', action: 'manageCertificateAuthorities' },
      ]}
    />
  );
}
