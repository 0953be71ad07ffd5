/**
 * Every tag name our request builders can send over JSON is a field Cosmian 5.26 reads, in
 * the structure where we send it: Cosmian drops an unknown field silently
 * (`kmip_ttlv_deserializer/deserializer.rs`), so a misspelt option is simply ignored. The
 * builders are walked with every option set (`Required<…>` makes a new option a compile error
 * here until it is added), encoded by the JSON codec, and checked against the 5.26 structures
 * in `__fixtures__/cosmian-5.26-structures.json` (PROVENANCE.md there).
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { encodeJson } from '../codec/json.js';
import type { JsonTtlvNode } from '../codec/json.js';
import { KMIP_2_1 } from '../messages.js';
import type { Attributes, CryptographicParameters } from './attributes.js';
import * as operations from './index.js';
import type { KmipOperation } from './operation.js';

type Structures = Record<string, Record<string, string>>;
const STRUCTURES = JSON.parse(
  readFileSync(new URL('./__fixtures__/cosmian-5.26-structures.json', import.meta.url), 'utf8'),
) as Structures;

/** Cosmian's `Object` field is written under the object's own type tag (COSMIAN.md §7). */
const OBJECT_TYPE_TAGS = new Set(['PrivateKey', 'PublicKey', 'SymmetricKey', 'Certificate', 'SecretData']);

const BYTES = new Uint8Array([1, 2, 3]);
const WHEN = new Date('2026-01-01T00:00:00Z');

const EVERY_PARAMETER: Required<CryptographicParameters> = {
  blockCipherMode: 'GCM',
  paddingMethod: 'PKCS1v15',
  hashingAlgorithm: 'SHA256',
  keyRoleType: 'BDK',
  digitalSignatureAlgorithm: 'SHA256WithRSAEncryption',
  cryptographicAlgorithm: 'RSA',
  randomIv: true,
  ivLength: 96,
  tagLength: 16,
  maskGenerator: 'MFG1',
  maskGeneratorHashingAlgorithm: 'SHA256',
  saltLength: 32,
};

const EVERY_ATTRIBUTE: Required<Attributes> = {
  uniqueIdentifier: 'uid',
  objectType: 'PrivateKey',
  cryptographicAlgorithm: 'EC',
  cryptographicLength: 256,
  cryptographicDomainParameters: { qlength: 256, recommendedCurve: 'P256' },
  cryptographicParameters: EVERY_PARAMETER,
  cryptographicUsageMask: 1,
  keyFormatType: 'PKCS8',
  names: [{ value: 'pki/key', type: 'UninterpretedTextString' }],
  links: [{ linkType: 'PublicKeyLink', linkedObjectIdentifier: 'uid_pk' }],
  state: 'Active',
  initialDate: WHEN,
  activationDate: WHEN,
  deactivationDate: WHEN,
  lastChangeDate: WHEN,
  originalCreationDate: WHEN,
  sensitive: true,
  extractable: false,
  neverExtractable: true,
  vendorAttributes: [{ vendorIdentification: 'cosmian', attributeName: 'tag', attributeValue: '["pki"]' }],
};

/** Each operation with every option of its request set. */
const FULL_REQUESTS: [KmipOperation<never, unknown>, unknown][] = [
  [operations.activate, { uniqueIdentifier: 'uid' }],
  [operations.create, { objectType: 'SymmetricKey', attributes: EVERY_ATTRIBUTE }],
  [
    operations.createKeyPair,
    { commonAttributes: EVERY_ATTRIBUTE, privateKeyAttributes: EVERY_ATTRIBUTE, publicKeyAttributes: EVERY_ATTRIBUTE },
  ],
  [
    operations.decrypt,
    {
      uniqueIdentifier: 'uid',
      cryptographicParameters: EVERY_PARAMETER,
      data: BYTES,
      ivCounterNonce: BYTES,
      authenticatedEncryptionAdditionalData: BYTES,
      authenticatedEncryptionTag: BYTES,
    },
  ],
  [operations.destroy, { uniqueIdentifier: 'uid', cascade: true, remove: false }],
  [operations.discoverVersions, { versions: [KMIP_2_1] }],
  [
    operations.encrypt,
    {
      uniqueIdentifier: 'uid',
      cryptographicParameters: EVERY_PARAMETER,
      data: BYTES,
      ivCounterNonce: BYTES,
      authenticatedEncryptionAdditionalData: BYTES,
    },
  ],
  [
    operations.get,
    {
      uniqueIdentifier: 'uid',
      keyFormatType: 'PKCS8',
      keyWrapType: 'AsRegistered',
      keyCompressionType: 'ECPublicKeyTypeUncompressed',
    },
  ],
  [operations.getAttributes, { uniqueIdentifier: 'uid', attributeReferences: ['State', 'Name'] }],
  [operations.locate, { attributes: EVERY_ATTRIBUTE, maximumItems: 10, offsetItems: 0, storageStatusMask: 1 }],
  [operations.query, { functions: ['QueryOperations', 'QueryServerInformation'] }],
  [
    operations.register,
    {
      attributes: EVERY_ATTRIBUTE,
      object: {
        objectType: 'PrivateKey',
        keyFormatType: 'PKCS8',
        keyMaterial: BYTES,
        cryptographicAlgorithm: 'EC',
        cryptographicLength: 256,
      },
    },
  ],
  [
    operations.revoke,
    {
      uniqueIdentifier: 'uid',
      reason: 'KeyCompromise',
      message: 'leaked',
      compromiseOccurrenceDate: WHEN,
      cascade: true,
    },
  ],
  [
    operations.sign,
    { uniqueIdentifier: 'uid', cryptographicParameters: EVERY_PARAMETER, data: BYTES, digestedData: BYTES },
  ],
  [
    operations.signatureVerify,
    {
      uniqueIdentifier: 'uid',
      cryptographicParameters: EVERY_PARAMETER,
      data: BYTES,
      digestedData: BYTES,
      signatureData: BYTES,
    },
  ],
];

/** Tag paths under `structure` that are not fields of the Cosmian struct of that name. */
function unknownFields(node: JsonTtlvNode, structure: string, path: string): string[] {
  const fields = STRUCTURES[structure];
  if (fields === undefined || !Array.isArray(node.value)) return [];
  const problems: string[] = [];
  for (const child of node.value) {
    const where = `${path}.${child.tag}`;
    const isObject = fields.Object !== undefined && OBJECT_TYPE_TAGS.has(child.tag);
    const type = isObject ? child.tag : fields[child.tag];
    if (type === undefined) {
      problems.push(`${where} is not a field of Cosmian's ${structure}`);
      continue;
    }
    if (Array.isArray(child.value)) problems.push(...unknownFields(child, type, where));
  }
  return problems;
}

describe('request tag names against the Cosmian 5.26 structures (issue 14)', () => {
  it('has the 5.26 structures of every operation we send', () => {
    for (const [operation] of FULL_REQUESTS) expect(STRUCTURES, operation.name).toHaveProperty(operation.name);
    expect(STRUCTURES.CryptographicParameters).toHaveProperty('RandomIv');
  });

  it.each(FULL_REQUESTS.map(([operation, request]) => [operation.name, operation, request] as const))(
    '%s with every option sends only fields Cosmian reads',
    (name, operation, request) => {
      const payload = operation.buildPayload(request as never, { version: KMIP_2_1 });
      const json = encodeJson({ tag: name, type: 'Structure', value: payload });
      expect(unknownFields(json, name, name)).toEqual([]);
    },
  );

  it('would catch a misspelt field (the check can fail)', () => {
    const json = encodeJson({
      tag: 'Sign',
      type: 'Structure',
      value: [
        {
          tag: 'CryptographicParameters',
          type: 'Structure',
          value: [{ tag: 'RandomIVs', type: 'Boolean', value: true }],
        },
      ],
    });
    expect(unknownFields(json, 'Sign', 'Sign')).toEqual([
      "Sign.CryptographicParameters.RandomIVs is not a field of Cosmian's CryptographicParameters",
    ]);
  });
});
