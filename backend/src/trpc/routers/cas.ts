import {
  CaRefInput,
  CreateIntermediateCaInput,
  CreateRootCaInput,
  CreateSubordinateCsrInput,
  ImportSignedCertificateInput,
  RevokeCaInput,
} from '@pki/shared';

import { protectedProcedure, router } from '../init.js';

export const casRouter = router({
  list: protectedProcedure.query(({ ctx }) => ctx.services.pki.cas.list()),
  /** By id or unique name. */
  get: protectedProcedure.input(CaRefInput).query(({ ctx, input }) => ctx.services.pki.cas.get(input.caId)),
  createRoot: protectedProcedure
    .input(CreateRootCaInput)
    .mutation(({ ctx, input }) => ctx.services.pki.cas.createRoot(ctx.request, input)),
  createIntermediate: protectedProcedure
    .input(CreateIntermediateCaInput)
    .mutation(({ ctx, input }) => ctx.services.pki.cas.createIntermediate(ctx.request, input)),
  createSubordinateCsr: protectedProcedure
    .input(CreateSubordinateCsrInput)
    .mutation(({ ctx, input }) => ctx.services.pki.cas.createSubordinateCsr(ctx.request, input)),
  importSignedCertificate: protectedProcedure
    .input(ImportSignedCertificateInput)
    .mutation(({ ctx, input }) => ctx.services.pki.cas.importSignedCertificate(ctx.request, input)),
  /** Revokes the CA and, as status and on the CRLs, everything below it. */
  revoke: protectedProcedure
    .input(RevokeCaInput)
    .mutation(({ ctx, input }) => ctx.services.pki.cas.revoke(ctx.request, input)),
});
