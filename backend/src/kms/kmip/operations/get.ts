import { KMIP_1_0 } from '../messages.js';
import type { KmipOperation } from './operation.js';
import { parseManagedObject, type ManagedObject } from './managed-object.js';
import { enumeration, optional, requireEnum, requireText, textString } from './tree.js';

export interface GetRequest {
  uniqueIdentifier: string;
  /** Ask for a format (Cosmian: PKCS8 = SPKI for public keys); leave out for the server default. */
  keyFormatType?: string;
  keyWrapType?: string;
  keyCompressionType?: string;
}
export interface GetResponse {
  objectType: string;
  uniqueIdentifier: string;
  object: ManagedObject;
}

/** KMIP 2.1 §6.1.24. */
export const get: KmipOperation<GetRequest, GetResponse> = {
  name: 'Get',
  minimumVersion: KMIP_1_0,
  isIdempotent: true,
  buildPayload: (request) => [
    textString('UniqueIdentifier', request.uniqueIdentifier),
    ...optional(request.keyFormatType, (value) => enumeration('KeyFormatType', value)),
    ...optional(request.keyWrapType, (value) => enumeration('KeyWrapType', value)),
    ...optional(request.keyCompressionType, (value) => enumeration('KeyCompressionType', value)),
  ],
  parsePayload: (payload) => ({
    objectType: requireEnum(payload, 'ObjectType'),
    uniqueIdentifier: requireText(payload, 'UniqueIdentifier'),
    object: parseManagedObject(payload),
  }),
};
