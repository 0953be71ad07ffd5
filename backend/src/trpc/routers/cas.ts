import {
  CaRefInput,
  CreateIntermediateCaInput,
  CreateRootCaInput,
  CreateSubordinateCsrInput,
  ImportSignedCertificateInput,
  RevokeCaInput,
} from '@pki/shared';

import { authorized, router } from '../init.js';

export const casRouter = router({
  list: authorized('cas.read').query(({ ctx }) => ctx.services.pki.cas.list()),
  /** By id or unique name. */
  get: authorized('cas.read')
    .input(CaRefInput)
    .query(({ ctx, input }) => ctx.services.pki.cas.get(input.caId)),
  /** The detail page: certificate decoded (every extension, fingerprints), CRL and OCSP URLs, latest CRL. */
  describe: authorized('cas.read')
    .input(CaRefInput)
    .query(({ ctx, input }) => ctx.services.pki.caDescriptions.describe(input.caId)),
  createRoot: authorized('cas.manage')
    .input(CreateRootCaInput)
    .mutation(({ ctx, input }) => ctx.services.pki.cas.createRoot(ctx.request, input)),
  createIntermediate: authorized('cas.manage')
    .input(CreateIntermediateCaInput)
    .mutation(({ ctx, input }) => ctx.services.pki.cas.createIntermediate(ctx.request, input)),
  createSubordinateCsr: authorized('cas.manage')
    .input(CreateSubordinateCsrInput)
    .mutation(({ ctx, input }) => ctx.services.pki.cas.createSubordinateCsr(ctx.request, input)),
  importSignedCertificate: authorized('cas.manage')
    .input(ImportSignedCertificateInput)
    .mutation(({ ctx, input }) => ctx.services.pki.cas.importSignedCertificate(ctx.request, input)),
  /** What revoking the CA would invalidate: live certificates and sub-CAs below it. */
  revocationImpact: authorized('cas.manage')
    .input(CaRefInput)
    .query(({ ctx, input }) => ctx.services.pki.casRevocationImpact.impact(input.caId)),
  /** Revokes the CA and, as status and on the CRLs, everything below it. Under dual control when on. */
  revoke: authorized('cas.manage')
    .input(RevokeCaInput)
    .mutation(({ ctx, input }) => ctx.services.auth.approvals.guard(ctx.request, 'cas.revoke', input)),
});
