import { KMIP_1_0 } from '../messages.js';
import type { KmipOperation } from './operation.js';
import { boolean, dateTime, enumeration, optional, requireText, structure, textString } from './tree.js';

/** RevocationReasonCode names (KMIP 2.1 §11.44). */
export type RevocationReasonCode =
  | 'Unspecified'
  | 'KeyCompromise'
  | 'CACompromise'
  | 'AffiliationChanged'
  | 'Superseded'
  | 'CessationOfOperation'
  | 'PrivilegeWithdrawn';

export interface RevokeRequest {
  uniqueIdentifier: string;
  reason: RevocationReasonCode;
  message?: string;
  /** For KeyCompromise/CACompromise. */
  compromiseOccurrenceDate?: Date;
  /** Cosmian only (JSON): also revoke the linked key of the pair. */
  cascade?: boolean;
}
export interface RevokeResponse {
  uniqueIdentifier: string;
}

/** KMIP 2.1 §6.1.46. Revoking twice with a non-compromise reason is a no-op on Cosmian. */
export const revoke: KmipOperation<RevokeRequest, RevokeResponse> = {
  name: 'Revoke',
  minimumVersion: KMIP_1_0,
  isIdempotent: true,
  buildPayload: (request) => [
    textString('UniqueIdentifier', request.uniqueIdentifier),
    structure('RevocationReason', [
      enumeration('RevocationReasonCode', request.reason),
      ...optional(request.message, (value) => textString('RevocationMessage', value)),
    ]),
    ...optional(request.compromiseOccurrenceDate, (value) => dateTime('CompromiseOccurrenceDate', value)),
    ...optional(request.cascade, (value) => boolean('Cascade', value)),
  ],
  parsePayload: (payload) => ({ uniqueIdentifier: requireText(payload, 'UniqueIdentifier') }),
};
