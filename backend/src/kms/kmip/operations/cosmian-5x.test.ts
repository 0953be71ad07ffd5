/**
 * Every real Cosmian 5.x message (Cosmian/test_data vectors replayed by KMS 5.26) for an
 * operation we implement is reproduced by our builders: the JSON we would send equals the
 * fixture after JSON.parse, key order and all, and the decoded trees are equal. Recorded
 * responses parse into the expected typed results.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { decodeJson, encodeJson } from '../codec/json.js';
import { KmsInvalidRequest, KmsNotFound } from '../errors.js';
import { buildRequestMessage, KMIP_2_1, parseResponseMessage, unwrapBatchItem } from '../messages.js';
import type { TtlvNode } from '../ttlv/types.js';
import {
  activate,
  create,
  createKeyPair,
  decrypt,
  destroy,
  discoverVersions,
  encrypt,
  get,
  getAttributes,
  locate,
  query,
  revoke,
  sign,
  signatureVerify,
} from './index.js';
import { bareOperation, type KmipOperation } from './operation.js';

const FIXTURES = join(import.meta.dirname, '__fixtures__', 'cosmian-5x');
const context = { version: KMIP_2_1 };

/** Runner placeholders that sit in ByteString fields must be hex before the codec reads them. */
const BYTE_PLACEHOLDERS: Record<string, string> = {
  '{{signature}}': '5349474E4154555245',
  '{{ciphertext}}': '43495048455254455854',
  '{{nonce}}': '000102030405060708090A0B',
  '{{auth_tag}}': '000102030405060708090A0B0C0D0E0F',
};
const bytesOf = (placeholder: string) => Uint8Array.from(Buffer.from(BYTE_PLACEHOLDERS[placeholder] ?? '', 'hex'));
const utf8 = (text: string) => new TextEncoder().encode(text);

function fixture(name: string): unknown {
  let text = readFileSync(join(FIXTURES, name), 'utf8');
  for (const [placeholder, hex] of Object.entries(BYTE_PLACEHOLDERS)) text = text.replaceAll(placeholder, hex);
  return JSON.parse(text);
}

/**
 * Our CryptographicParameters are always in KMIP spec order (PyKMIP needs it; Cosmian reads
 * the fields by name), while some Cosmian vectors list them in another order. Only inside
 * that structure is order set aside; everywhere else the JSON must match key for key.
 */
function sortCryptographicParameters(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(sortCryptographicParameters);
  if (json === null || typeof json !== 'object') return json;
  const node = json as { tag?: unknown; value?: unknown };
  const value = sortCryptographicParameters(node.value);
  if (node.tag === 'CryptographicParameters' && Array.isArray(value)) {
    value.sort((a: { tag: string }, b: { tag: string }) => a.tag.localeCompare(b.tag));
  }
  return { ...node, value };
}

function expectReproduces<Request>(name: string, operation: KmipOperation<Request, unknown>, request: Request): void {
  const built = bareOperation(operation, request, context);
  const json = fixture(name);
  expect(sortCryptographicParameters(encodeJson(built))).toEqual(sortCryptographicParameters(json));
  expect(sortCryptographicParameters(decodeJson(json))).toEqual(sortCryptographicParameters(built));
}

const ACTIVATION = new Date('2024-01-01T00:00:00Z');
const MESSAGE = utf8('The quick brown fox jumps over the lazy dog');
const UNRESTRICTED = 0x200000;
/** The AES-256 key of Cosmian's Create vectors; a vector's own additions are spread after it (key order is wire order). */
const AES_256 = {
  cryptographicAlgorithm: 'AES',
  cryptographicLength: 256,
  cryptographicUsageMask: 12,
  keyFormatType: 'TransparentSymmetricKey',
  objectType: 'SymmetricKey',
} as const;
const RSA_PKCS1V15_SHA256 = { digitalSignatureAlgorithm: 'SHA256WithRSAEncryption' } as const;
const RSASSAPSS_SHA256 = { digitalSignatureAlgorithm: 'RSASSAPSS', hashingAlgorithm: 'SHA256' } as const;

describe('builders reproduce Cosmian 5.x request vectors', () => {
  it('DiscoverVersions', () => {
    expectReproduces('discover_versions.request.json', discoverVersions, {});
  });

  it('Query with three functions', () => {
    expectReproduces('query.request.json', query, {
      functions: ['QueryOperations', 'QueryObjects', 'QueryServerInformation'],
    });
  });

  it('Activate', () => {
    expectReproduces('activate.request.json', activate, { uniqueIdentifier: '{{key_id}}' });
  });

  it('Create AES-256, active', () => {
    expectReproduces('create.aes256.request.json', create, {
      objectType: 'SymmetricKey',
      attributes: { ...AES_256, activationDate: ACTIVATION },
    });
  });

  it('Create AES-256, pre-active (no ActivationDate)', () => {
    expectReproduces('create.aes256_preactive.request.json', create, {
      objectType: 'SymmetricKey',
      attributes: AES_256,
    });
  });

  it('Create AES-256 with a Name', () => {
    expectReproduces('create.aes256_with_name.request.json', create, {
      objectType: 'SymmetricKey',
      attributes: {
        ...AES_256,
        cryptographicUsageMask: 2108,
        names: [{ value: 'vec-locate-alpha', type: 'UninterpretedTextString' }],
        activationDate: ACTIVATION,
      },
    });
  });

  it('Create AES-256 with a Cosmian tag (vendor Attribute)', () => {
    expectReproduces('create.aes256_with_cosmian_tag.request.json', create, {
      objectType: 'SymmetricKey',
      attributes: {
        cryptographicAlgorithm: 'AES',
        cryptographicLength: 256,
        cryptographicUsageMask: 12,
        vendorAttributes: [
          {
            vendorIdentification: 'cosmian',
            attributeName: 'tag',
            attributeValue: JSON.stringify(['vector-locate-tag']),
          },
        ],
      },
    });
  });

  it('CreateKeyPair RSA-2048 for signing', () => {
    expectReproduces('create_key_pair.rsa2048_sign.request.json', createKeyPair, {
      commonAttributes: {
        cryptographicAlgorithm: 'RSA',
        cryptographicLength: 2048,
        keyFormatType: 'TransparentRSAPrivateKey',
        cryptographicUsageMask: UNRESTRICTED,
        activationDate: ACTIVATION,
      },
    });
  });

  it('CreateKeyPair RSA-2048 CA', () => {
    expectReproduces('create_key_pair.rsa2048_ca.request.json', createKeyPair, {
      commonAttributes: {
        cryptographicAlgorithm: 'RSA',
        cryptographicLength: 2048,
        cryptographicUsageMask: 12,
        objectType: 'PrivateKey',
        activationDate: ACTIVATION,
      },
    });
  });

  it('CreateKeyPair RSA-4096 with split usage masks', () => {
    expectReproduces('create_key_pair.rsa4096_split_usage_masks.request.json', createKeyPair, {
      commonAttributes: {
        cryptographicAlgorithm: 'RSA',
        cryptographicLength: 4096,
        keyFormatType: 'TransparentRSAPrivateKey',
        activationDate: ACTIVATION,
      },
      privateKeyAttributes: { cryptographicUsageMask: 1 },
      publicKeyAttributes: { cryptographicUsageMask: 2 },
    });
  });

  for (const [curve, file] of [
    ['P256', 'create_key_pair.ec_p256.request.json'],
    ['P384', 'create_key_pair.ec_p384.request.json'],
  ] as const) {
    it(`CreateKeyPair EC ${curve} (ECDH algorithm, as Cosmian's vectors use)`, () => {
      const common = {
        cryptographicAlgorithm: 'ECDH',
        cryptographicDomainParameters: { recommendedCurve: curve },
        cryptographicUsageMask: UNRESTRICTED,
      };
      expectReproduces(file, createKeyPair, {
        commonAttributes: { ...common, objectType: 'PrivateKey', activationDate: ACTIVATION },
        privateKeyAttributes: {
          ...common,
          keyFormatType: 'ECPrivateKey',
          objectType: 'PrivateKey',
          activationDate: ACTIVATION,
        },
        publicKeyAttributes: {
          ...common,
          keyFormatType: 'TransparentECPublicKey',
          objectType: 'PublicKey',
          activationDate: ACTIVATION,
        },
      });
    });
  }

  it('CreateKeyPair EC P-256, common attributes only', () => {
    expectReproduces('create_key_pair.ec_p256_minimal.request.json', createKeyPair, {
      commonAttributes: {
        cryptographicAlgorithm: 'ECDH',
        cryptographicDomainParameters: { recommendedCurve: 'P256' },
        keyFormatType: 'ECPrivateKey',
        cryptographicUsageMask: UNRESTRICTED,
      },
    });
  });

  it('Get, and Get with a KeyFormatType', () => {
    expectReproduces('get.after_destroy.request.json', get, { uniqueIdentifier: '{{key_id}}' });
    expectReproduces('get.pkcs8_on_symmetric_key_error.request.json', get, {
      uniqueIdentifier: '{{key_id}}',
      keyFormatType: 'PKCS8',
    });
  });

  it('GetAttributes, all', () => {
    expectReproduces('get_attributes.all.request.json', getAttributes, { uniqueIdentifier: '{{key_id}}' });
  });

  it('Locate by name', () => {
    expectReproduces('locate.by_name.request.json', locate, {
      attributes: { objectType: 'SymmetricKey', names: [{ value: 'vec-locate-alpha' }] },
    });
  });

  it('Locate by Cosmian tag', () => {
    expectReproduces('locate.by_cosmian_tag.request.json', locate, {
      attributes: {
        objectType: 'SymmetricKey',
        vendorAttributes: [
          { vendorIdentification: 'cosmian', attributeName: 'tag', attributeValue: '["vector-locate-tag"]' },
        ],
      },
    });
  });

  it('Sign RSA PKCS#1 v1.5 SHA-256', () => {
    expectReproduces('sign.rsa_pkcs1v15_sha256.request.json', sign, {
      uniqueIdentifier: '{{private_key_id}}',
      cryptographicParameters: RSA_PKCS1V15_SHA256,
      data: MESSAGE,
    });
  });

  it('Sign RSA-PSS SHA-256 (RSASSAPSS)', () => {
    expectReproduces('sign.rsa_pss_sha256_rsassapss.request.json', sign, {
      uniqueIdentifier: '{{private_key_id}}',
      cryptographicParameters: RSASSAPSS_SHA256,
      data: MESSAGE,
    });
  });

  it('Sign RSA-PSS via PaddingMethod', () => {
    expectReproduces('sign.rsa4096_pss_padding_method.request.json', sign, {
      uniqueIdentifier: '{{private_key_id}}',
      cryptographicParameters: {
        digitalSignatureAlgorithm: 'SHA256WithRSAEncryption',
        paddingMethod: 'PSS',
        hashingAlgorithm: 'SHA256',
      },
      data: MESSAGE,
    });
  });

  it('Sign ECDSA with no parameters', () => {
    expectReproduces('sign.ecdsa_p256_no_params.request.json', sign, {
      uniqueIdentifier: '{{private_key_id}}',
      data: MESSAGE,
    });
  });

  it('Sign with ECDSA parameters (negative vector shape)', () => {
    expectReproduces('sign.item_not_found.request.json', sign, {
      uniqueIdentifier: 'nonexistent-uid-00000000-0000-0000-0000-000000000000',
      cryptographicParameters: { cryptographicAlgorithm: 'ECDSA', hashingAlgorithm: 'SHA256' },
      data: utf8('Hello'),
    });
  });

  it('SignatureVerify: PKCS#1 v1.5, PSS, ECDSA', () => {
    const signatureData = bytesOf('{{signature}}');
    expectReproduces('signature_verify.rsa_pkcs1v15_sha256.request.json', signatureVerify, {
      uniqueIdentifier: '{{public_key_id}}',
      cryptographicParameters: RSA_PKCS1V15_SHA256,
      data: MESSAGE,
      signatureData,
    });
    expectReproduces('signature_verify.rsa_pss_sha256_rsassapss.request.json', signatureVerify, {
      uniqueIdentifier: '{{public_key_id}}',
      cryptographicParameters: RSASSAPSS_SHA256,
      data: MESSAGE,
      signatureData,
    });
    expectReproduces('signature_verify.ecdsa_p256.request.json', signatureVerify, {
      uniqueIdentifier: '{{public_key_id}}',
      data: MESSAGE,
      signatureData,
    });
  });

  it('Encrypt and Decrypt AES-GCM', () => {
    const parameters = { blockCipherMode: 'GCM', cryptographicAlgorithm: 'AES' };
    expectReproduces('encrypt.aes256_gcm.request.json', encrypt, {
      uniqueIdentifier: '{{key_id}}',
      cryptographicParameters: parameters,
      data: utf8('Hello, World! This is a test for AES GC'),
    });
    expectReproduces('decrypt.aes256_gcm.request.json', decrypt, {
      uniqueIdentifier: '{{key_id}}',
      cryptographicParameters: parameters,
      data: bytesOf('{{ciphertext}}'),
      ivCounterNonce: bytesOf('{{nonce}}'),
      authenticatedEncryptionTag: bytesOf('{{auth_tag}}'),
    });
  });

  it('Revoke with reason codes', () => {
    expectReproduces('revoke.unspecified.request.json', revoke, {
      uniqueIdentifier: '{{key_id}}',
      reason: 'Unspecified',
    });
    expectReproduces('revoke.cessation_of_operation.request.json', revoke, {
      uniqueIdentifier: '{{key_id}}',
      reason: 'CessationOfOperation',
    });
    expectReproduces('revoke.key_compromise_item_not_found.request.json', revoke, {
      uniqueIdentifier: 'nonexistent-uid-00000000-0000-0000-0000-000000000000',
      reason: 'KeyCompromise',
    });
  });

  it('Destroy', () => {
    expectReproduces('destroy.symmetric_key.request.json', destroy, { uniqueIdentifier: '{{key_id}}' });
  });

  it('a RequestMessage with two batch items (Create + Query)', () => {
    const message = buildRequestMessage({
      version: KMIP_2_1,
      batchItems: [
        {
          operation: 'Create',
          payload: create.buildPayload(
            {
              objectType: 'SymmetricKey',
              attributes: AES_256,
            },
            context,
          ),
        },
        { operation: 'Query', payload: query.buildPayload({ functions: ['QueryServerInformation'] }, context) },
      ],
    });
    expect(encodeJson(message)).toEqual(fixture('message.batch_create_get.request.json'));
  });
});

describe('Cascade (Cosmian only) is carried when the driver asks for it', () => {
  it('Revoke and Destroy', () => {
    const revokeTree = bareOperation(
      revoke,
      { uniqueIdentifier: 'k', reason: 'Superseded', message: 'rotated', cascade: true },
      context,
    );
    expect(encodeJson(revokeTree)).toEqual({
      tag: 'Revoke',
      value: [
        { tag: 'UniqueIdentifier', type: 'TextString', value: 'k' },
        {
          tag: 'RevocationReason',
          value: [
            { tag: 'RevocationReasonCode', type: 'Enumeration', value: 'Superseded' },
            { tag: 'RevocationMessage', type: 'TextString', value: 'rotated' },
          ],
        },
        { tag: 'Cascade', type: 'Boolean', value: true },
      ],
    });
    const destroyTree = bareOperation(destroy, { uniqueIdentifier: 'k', cascade: true }, context);
    expect(destroyTree.value).toContainEqual({ tag: 'Cascade', type: 'Boolean', value: true });
  });
});

describe('recorded Cosmian 5.x responses', () => {
  const parse = (name: string): TtlvNode => decodeJson(fixture(name));
  /** The one batch item of a recorded response. */
  const onlyBatchItem = (name: string) => {
    const [item] = parseResponseMessage(parse(name)).batchItems;
    if (!item) throw new Error('no batch item');
    return item;
  };

  it('CreateKeyPair response gives both ids', () => {
    for (const name of ['create_key_pair.ec_p256_minimal.response.json', 'create_key_pair.rsa2048_ca.response.json']) {
      const message = parseResponseMessage(parse(name));
      expect(message.version).toEqual(KMIP_2_1);
      const [item] = message.batchItems;
      if (!item) throw new Error('no batch item');
      const result = createKeyPair.parsePayload(unwrapBatchItem(item, 'CreateKeyPair'), context);
      expect(result.publicKeyUniqueIdentifier).toBe(`${result.privateKeyUniqueIdentifier}_pk`);
    }
  });

  it('Item_Not_Found becomes KmsNotFound with the server reason and message', () => {
    const item = onlyBatchItem('error.recertify_item_not_found.response.json');
    const error = (() => {
      try {
        unwrapBatchItem(item, 'ReCertify');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(KmsNotFound);
    expect(error).toMatchObject({
      serverReason: 'Item_Not_Found',
      serverMessage: 'b603a25b-8e4f-4e15-9e7f-44b67f466233',
      operation: 'ReCertify',
    });
  });

  it('Operation_Not_Supported becomes KmsInvalidRequest', () => {
    const item = onlyBatchItem('error.validate_operation_not_supported.response.json');
    expect(() => unwrapBatchItem(item, 'Validate')).toThrow(KmsInvalidRequest);
  });
});
