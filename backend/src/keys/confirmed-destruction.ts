/**
 * keys.destroy's confirmation: destruction is irreversible, so the caller types the key's
 * label back and a mismatch is refused before anything reaches the key store. The guard
 * (live certificates, forcing with a reason) and the audit rows are the CA's
 * KeyLifecycleService's and KMSService's.
 */
import { DestroyKeyInput } from '@pki/shared';

import { ValidationError } from '../errors.js';
import type { KMSService, KmsKeyRecord } from '../kms/service.js';
import type { KeyLifecycleService } from '../pki/key-lifecycle-service.js';
import type { RequestContext } from '../request-context.js';
import type { RefusedKeyInput } from './refused-key-input.js';

export class ConfirmedKeyDestruction {
  constructor(
    private readonly deps: {
      kms: Pick<KMSService, 'findKey'>;
      keys: Pick<KeyLifecycleService, 'destroyKey'>;
      refusals: Pick<RefusedKeyInput, 'recordRefusal'>;
    },
  ) {}

  async destroy(ctx: RequestContext, rawInput: DestroyKeyInput): Promise<KmsKeyRecord> {
    const input = DestroyKeyInput.parse(rawInput);
    const key = this.deps.kms.findKey(input.keyId);
    // An unknown key goes on to the service, which refuses it with its own typed, audited error.
    if (key !== undefined && key.label !== input.confirmLabel) {
      const refusal = new ValidationError(
        `confirmLabel: type the key's label ${JSON.stringify(key.label)} exactly to confirm its destruction`,
        { code: 'KEY_LABEL_MISMATCH' },
      );
      await this.deps.refusals.recordRefusal(ctx, 'keys.destroy', input, refusal);
      throw refusal;
    }
    return this.deps.keys.destroyKey(ctx, {
      keyId: input.keyId,
      // Recorded in the audit row; destruction itself has no RFC 5280 reason.
      reason: 'cessationOfOperation',
      isForced: input.isForced,
      ...(input.forceReason === undefined ? {} : { forceReason: input.forceReason }),
    });
  }
}
