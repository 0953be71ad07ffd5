import { KMIP_1_0 } from '../messages.js';
import type { KmipOperation } from './operation.js';
import { attributesNode, type Attributes } from './attributes.js';
import { managedObjectNode, type ManagedObjectInput } from './managed-object.js';
import { enumeration, requireText } from './tree.js';

export interface RegisterRequest {
  attributes: Attributes;
  object: ManagedObjectInput;
}
export interface RegisterResponse {
  uniqueIdentifier: string;
}

/** KMIP 2.1 §6.1.41: stores a client-supplied object. Not idempotent (each call stores a copy). */
export const register: KmipOperation<RegisterRequest, RegisterResponse> = {
  name: 'Register',
  minimumVersion: KMIP_1_0,
  isIdempotent: false,
  buildPayload: (request, context) => [
    enumeration('ObjectType', request.object.objectType),
    attributesNode(request.attributes, context.version, { v2: 'Attributes', v1: 'TemplateAttribute' }),
    managedObjectNode(request.object),
  ],
  parsePayload: (payload) => ({ uniqueIdentifier: requireText(payload, 'UniqueIdentifier') }),
};
