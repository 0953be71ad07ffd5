import { DestroyKeyInput, KeyLifecycleInput, KeyRefInput, ListKeysInput } from '@pki/shared';
import type { KeySummary } from '@pki/shared';

import type { KmsKeyRecord } from '../../kms/service.js';
import { authorized, router } from '../init.js';

/** The wire shape of a key row: instants as ISO strings, no key references or public key bytes. */
function toKeySummary(key: KmsKeyRecord): KeySummary {
  const iso = (date: Date | null) => (date === null ? null : date.toISOString());
  return {
    id: key.id,
    label: key.label,
    backend: key.backend,
    algorithm: key.algorithm,
    purpose: key.purpose,
    state: key.state,
    isExportable: key.isExportable,
    exportedAt: iso(key.exportedAt),
    revocationReason: key.revocationReason,
    revokedAt: iso(key.revokedAt),
    destroyedAt: iso(key.destroyedAt),
    createdAt: key.createdAt.toISOString(),
  };
}

export const keysRouter = router({
  list: authorized('keys.read')
    .input(ListKeysInput)
    .query(async ({ ctx, input }) => (await ctx.services.kms.listKeys(ctx.request, input)).map(toKeySummary)),
  /** Our record of the key, and the state the key store reports for it now. */
  get: authorized('keys.read')
    .input(KeyRefInput)
    .query(async ({ ctx, input }) => {
      const details = await ctx.services.kms.describeKey(ctx.request, { keyId: input.keyId });
      return { ...toKeySummary(details.key), kmsState: details.kms?.state ?? null };
    }),
  /** The CAs whose signatures the key makes, each with its live certificate count: what revoking or destroying it stops. */
  dependents: authorized('keys.read')
    .input(KeyRefInput)
    .query(({ ctx, input }) => ctx.services.pki.keyDependents.of(input.keyId)),
  /** Refused for a CA key with live certificates unless forced with a reason (audited; forcing is under dual control when on). */
  revoke: authorized('keys.manage')
    .input(KeyLifecycleInput)
    .mutation(async ({ ctx, input }) =>
      toKeySummary(await ctx.services.auth.approvals.guard(ctx.request, 'keys.revoke', input)),
    ),
  /** Irreversible: demands the key's label typed back in `confirmLabel`. Under dual control when on. */
  destroy: authorized('keys.manage')
    .input(DestroyKeyInput)
    .mutation(async ({ ctx, input }) =>
      toKeySummary(await ctx.services.auth.approvals.guard(ctx.request, 'keys.destroy', input)),
    ),
});
