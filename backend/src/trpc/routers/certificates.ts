import {
  CertificateCustodyInput,
  CertificateRefSchema,
  ExportCertificateInput,
  IssueFromCsrInput,
  IssueWithServerKeyInput,
  DescribeCertificateInput,
  ExportCertificatesCsvInput,
  ListCertificatesInput,
  PreviewCsrInput,
  RevokeCertificateInput,
} from '@pki/shared';

import { authorized, router } from '../init.js';

export const certificatesRouter = router({
  /** Keyset-paged by `nextCursor`; filters: status, CA, profile, key algorithm, expiry window, text; six sorts. */
  list: authorized('certificates.read')
    .input(ListCertificatesInput)
    .query(({ ctx, input }) => ctx.services.pki.certificateReads.list(input)),
  /** Every certificate of a filter as CSV (the inventory's "Export"). */
  exportCsv: authorized('certificates.read')
    .input(ExportCertificatesCsvInput)
    .query(({ ctx, input }) => ctx.services.pki.certificateReads.exportCsv(input)),
  /** Detail: decoded extensions, public key, fingerprints, chain. */
  describe: authorized('certificates.read')
    .input(DescribeCertificateInput)
    .query(({ ctx, input }) => ctx.services.pki.certificateReads.describe(input)),
  /** What issueFromCsr would take from a CSR and what the profile would refuse; issues nothing. */
  previewCsr: authorized('certificates.issue')
    .input(PreviewCsrInput)
    .query(({ ctx, input }) => ctx.services.pki.certificateReads.previewCsr(input)),
  /** By id, or by CA and serial (hex, colons optional, any case). */
  get: authorized('certificates.read')
    .input(CertificateRefSchema)
    .query(({ ctx, input }) => ctx.services.pki.certificates.get(input)),
  issueFromCsr: authorized('certificates.issue')
    .input(IssueFromCsrInput)
    .mutation(({ ctx, input }) => ctx.services.pki.certificates.issueFromCsr(ctx.request, input)),
  issueWithServerKey: authorized('certificates.issue')
    .input(IssueWithServerKeyInput)
    .mutation(({ ctx, input }) => ctx.services.pki.certificates.issueWithServerKey(ctx.request, input)),
  revoke: authorized('certificates.revoke')
    .input(RevokeCertificateInput)
    .mutation(({ ctx, input }) => ctx.services.pki.certificates.revoke(ctx.request, input)),
  /** PEM, DER, chain, PKCS#7, or (once, when allowed) PKCS#12 with the private key. */
  export: authorized('certificates.export')
    .input(ExportCertificateInput)
    .mutation(({ ctx, input }) => ctx.services.pki.certificates.export(ctx.request, input)),
  /** Key-custody evidence: the CA key as the key store reports it, its kms.sign row and checkpoint. */
  custody: authorized('audit.read')
    .input(CertificateCustodyInput)
    .query(({ ctx, input }) => ctx.services.pki.custody.custody(ctx.request, input)),
});
