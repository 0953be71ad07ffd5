import { KmsProtocolError } from '../errors.js';
import { KMIP_1_0 } from '../messages.js';
import type { KmipOperation } from './operation.js';
import { locateAttributeItems, type Attributes } from './attributes.js';
import { findChildren, integer, optional, readInteger } from './tree.js';

export interface LocateRequest {
  /** Objects must match all of these, e.g. `{ names: [{ value: 'k1' }] }` or a Cosmian tag vendor attribute. */
  attributes: Attributes;
  maximumItems?: number;
  offsetItems?: number;
  /** Bit mask: 1 on-line, 2 archived, 4 destroyed (2.x). */
  storageStatusMask?: number;
}
export interface LocateResponse {
  /** Total matches when the server says so (Cosmian), which may exceed the ids returned. */
  locatedItems: number | undefined;
  uniqueIdentifiers: string[];
}

/** KMIP 2.1 §6.1.27. */
export const locate: KmipOperation<LocateRequest, LocateResponse> = {
  name: 'Locate',
  minimumVersion: KMIP_1_0,
  isIdempotent: true,
  buildPayload: (request, context) => [
    ...optional(request.maximumItems, (value) => integer('MaximumItems', value)),
    ...optional(request.offsetItems, (value) => integer('OffsetItems', value)),
    ...optional(request.storageStatusMask, (value) => integer('StorageStatusMask', value)),
    ...locateAttributeItems(request.attributes, context.version),
  ],
  parsePayload: (payload) => ({
    locatedItems: readInteger(payload, 'LocatedItems'),
    uniqueIdentifiers: findChildren(payload, 'UniqueIdentifier').map((node) => {
      if (node.type === 'Structure' || node.type === 'ByteString') {
        throw new KmsProtocolError('Locate answered a unique identifier that is not a value', { operation: 'Locate' });
      }
      if (node.type !== 'TextString') return String(node.value);
      return node.value;
    }),
  }),
};
