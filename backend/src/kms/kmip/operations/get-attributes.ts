import { KMIP_1_0, usesAttributesStructure } from '../messages.js';
import type { KmipOperation } from './operation.js';
import { parseAttributes, type ParsedAttributes } from './attributes.js';
import { enumeration, requireText, textString } from './tree.js';

export interface GetAttributesRequest {
  uniqueIdentifier: string;
  /**
   * Attributes to return, by tag name ("State", "CryptographicAlgorithm", "Link"); leave out
   * for all. Sent as 2.x AttributeReference or as the 1.x AttributeName ("Cryptographic Algorithm").
   */
  attributeReferences?: string[];
}
export interface GetAttributesResponse {
  uniqueIdentifier: string;
  attributes: ParsedAttributes;
}

/** "CryptographicAlgorithm" → "Cryptographic Algorithm" (the 1.x attribute names are spaced words). */
function v1AttributeName(tag: string): string {
  return tag.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
}

/** KMIP 2.1 §6.1.25. */
export const getAttributes: KmipOperation<GetAttributesRequest, GetAttributesResponse> = {
  name: 'GetAttributes',
  minimumVersion: KMIP_1_0,
  isIdempotent: true,
  buildPayload: (request, context) => [
    textString('UniqueIdentifier', request.uniqueIdentifier),
    ...(request.attributeReferences ?? []).map((reference) =>
      usesAttributesStructure(context.version)
        ? enumeration('AttributeReference', reference)
        : textString('AttributeName', v1AttributeName(reference)),
    ),
  ],
  parsePayload: (payload) => ({
    uniqueIdentifier: requireText(payload, 'UniqueIdentifier'),
    attributes: parseAttributes(payload),
  }),
};
