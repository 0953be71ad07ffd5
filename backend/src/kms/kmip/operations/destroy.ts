import { KMIP_1_0 } from '../messages.js';
import type { KmipOperation } from './operation.js';
import { boolean, optional, requireText, textString } from './tree.js';

export interface DestroyRequest {
  uniqueIdentifier: string;
  /**
   * Cosmian only (no KMIP tag, so JSON only): also destroy the linked key of the pair.
   * Cosmian 5.13+ does not cascade by default.
   */
  cascade?: boolean;
  /** Cosmian only: delete the row instead of keeping metadata. */
  remove?: boolean;
}
export interface DestroyResponse {
  uniqueIdentifier: string;
}

/** KMIP 2.1 §6.1.16. Active keys must be revoked first (both PyKMIP and Cosmian refuse). */
export const destroy: KmipOperation<DestroyRequest, DestroyResponse> = {
  name: 'Destroy',
  minimumVersion: KMIP_1_0,
  isIdempotent: true,
  buildPayload: (request) => [
    textString('UniqueIdentifier', request.uniqueIdentifier),
    ...optional(request.remove, (value) => boolean('Remove', value)),
    ...optional(request.cascade, (value) => boolean('Cascade', value)),
  ],
  parsePayload: (payload) => ({ uniqueIdentifier: requireText(payload, 'UniqueIdentifier') }),
};
