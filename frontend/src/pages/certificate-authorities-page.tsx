export { CertificateAuthoritiesPage } from './certificate-authorities/ca-list-page.js';
export { CertificateAuthorityDetailPage } from './certificate-authorities/ca-detail-page.js';
