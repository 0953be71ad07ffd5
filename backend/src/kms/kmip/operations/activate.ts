import { KMIP_1_0 } from '../messages.js';
import type { KmipOperation } from './operation.js';
import { requireText, textString } from './tree.js';

export interface ActivateRequest {
  uniqueIdentifier: string;
}
export interface ActivateResponse {
  uniqueIdentifier: string;
}

/** KMIP 2.1 §6.1.1: PreActive → Active. Repeating it on an Active object is refused, but harmlessly. */
export const activate: KmipOperation<ActivateRequest, ActivateResponse> = {
  name: 'Activate',
  minimumVersion: KMIP_1_0,
  isIdempotent: true,
  buildPayload: (request) => [textString('UniqueIdentifier', request.uniqueIdentifier)],
  parsePayload: (payload) => ({ uniqueIdentifier: requireText(payload, 'UniqueIdentifier') }),
};
