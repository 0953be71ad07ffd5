import { KMIP_1_0 } from '../messages.js';
import type { KmipOperation } from './operation.js';
import { attributesNode, type Attributes } from './attributes.js';
import { enumeration, requireEnum, requireText } from './tree.js';

export interface CreateRequest {
  /** ObjectType name; "SymmetricKey" for an AES key. */
  objectType: string;
  attributes: Attributes;
}
export interface CreateResponse {
  objectType: string;
  uniqueIdentifier: string;
}

/**
 * KMIP 2.1 §6.1.8. Not idempotent: a retry could create a second object, so the client
 * gives it a unique Name and Locates it before any re-send.
 */
export const create: KmipOperation<CreateRequest, CreateResponse> = {
  name: 'Create',
  minimumVersion: KMIP_1_0,
  isIdempotent: false,
  buildPayload: (request, context) => [
    enumeration('ObjectType', request.objectType),
    attributesNode(request.attributes, context.version, { v2: 'Attributes', v1: 'TemplateAttribute' }),
  ],
  parsePayload: (payload) => ({
    objectType: requireEnum(payload, 'ObjectType'),
    uniqueIdentifier: requireText(payload, 'UniqueIdentifier'),
  }),
};
