import { KMIP_1_0 } from '../messages.js';
import type { TtlvNode } from '../ttlv/types.js';
import type { KmipOperation } from './operation.js';
import { attributesNode, type Attributes } from './attributes.js';
import { requireText } from './tree.js';

export interface CreateKeyPairRequest {
  commonAttributes?: Attributes;
  /** Wins over the common attributes for the private key. */
  privateKeyAttributes?: Attributes;
  publicKeyAttributes?: Attributes;
}
export interface CreateKeyPairResponse {
  privateKeyUniqueIdentifier: string;
  publicKeyUniqueIdentifier: string;
}

/**
 * KMIP 2.1 §6.1.9. 2.x: CommonAttributes/PrivateKeyAttributes/PublicKeyAttributes;
 * 1.x: Common/PrivateKey/PublicKey TemplateAttribute. Not idempotent (see Create).
 */
export const createKeyPair: KmipOperation<CreateKeyPairRequest, CreateKeyPairResponse> = {
  name: 'CreateKeyPair',
  minimumVersion: KMIP_1_0,
  isIdempotent: false,
  buildPayload: (request, context) => {
    const payload: TtlvNode[] = [];
    if (request.commonAttributes) {
      payload.push(
        attributesNode(request.commonAttributes, context.version, {
          v2: 'CommonAttributes',
          v1: 'CommonTemplateAttribute',
        }),
      );
    }
    if (request.privateKeyAttributes) {
      payload.push(
        attributesNode(request.privateKeyAttributes, context.version, {
          v2: 'PrivateKeyAttributes',
          v1: 'PrivateKeyTemplateAttribute',
        }),
      );
    }
    if (request.publicKeyAttributes) {
      payload.push(
        attributesNode(request.publicKeyAttributes, context.version, {
          v2: 'PublicKeyAttributes',
          v1: 'PublicKeyTemplateAttribute',
        }),
      );
    }
    return payload;
  },
  parsePayload: (payload) => ({
    privateKeyUniqueIdentifier: requireText(payload, 'PrivateKeyUniqueIdentifier'),
    publicKeyUniqueIdentifier: requireText(payload, 'PublicKeyUniqueIdentifier'),
  }),
};
