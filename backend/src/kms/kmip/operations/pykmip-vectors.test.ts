/**
 * Binary requests captured from PyKMIP's own client (KMIP 1.2 and 2.0) are reproduced byte
 * for byte by our builders + the binary codec, and PyKMIP's recorded answers parse into
 * typed results or normalized errors. This is the 1.x TemplateAttribute vs 2.x Attributes
 * encoding that the PyKMIP integration test relies on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { decodeBinary, encodeBinary } from '../codec/binary.js';
import { KmsInvalidRequest, KmsNotFound, KmsPermissionDenied } from '../errors.js';
import {
  buildRequestMessage,
  KMIP_1_2,
  KMIP_2_0,
  parseResponseMessage,
  unwrapBatchItem,
  type ProtocolVersion,
} from '../messages.js';
import {
  activate,
  create,
  createKeyPair,
  destroy,
  discoverVersions,
  encrypt,
  get,
  locate,
  revoke,
  sign,
  signatureVerify,
} from './index.js';
import type { TtlvNode } from '../ttlv/types.js';
import type { KmipOperation } from './operation.js';

const FIXTURES = join(import.meta.dirname, '__fixtures__', 'pykmip');
const hex = (name: string) => readFileSync(join(FIXTURES, `${name}.hex`), 'utf8').trim();
const utf8 = (text: string) => new TextEncoder().encode(text);

function requestHex<Request>(
  operation: KmipOperation<Request, unknown>,
  request: Request,
  version: ProtocolVersion,
): string {
  const message = buildRequestMessage({
    version,
    batchItems: [{ operation: operation.name, payload: operation.buildPayload(request, { version }) }],
  });
  return Buffer.from(encodeBinary(message)).toString('hex');
}

function responsePayload(name: string, operationName: string) {
  const message = parseResponseMessage(decodeBinary(Buffer.from(hex(name), 'hex')));
  const [item] = message.batchItems;
  if (!item) throw new Error(`${name}: no batch item`);
  return { message, item, payload: () => unwrapBatchItem(item, operationName) };
}

function findNode(node: TtlvNode, tag: string): TtlvNode | undefined {
  if (node.tag === tag) return node;
  if (node.type !== 'Structure') return undefined;
  for (const child of node.value) {
    const found = findNode(child, tag);
    if (found) return found;
  }
  return undefined;
}

/** A run-specific value of a captured request (an id, a signature), to feed our builder. */
function valueIn(vector: string, tag: string): TtlvNode['value'] {
  const node = findNode(decodeBinary(Buffer.from(hex(vector), 'hex')), tag);
  if (!node) throw new Error(`${vector}: no ${tag}`);
  return node.value;
}

const PYKMIP_MESSAGE = utf8('PKI acceptance test message');

for (const [prefix, version] of [
  ['v1_2', KMIP_1_2],
  ['v2_0', KMIP_2_0],
] as const) {
  const label = `${version.major}.${version.minor}`;
  describe(`PyKMIP KMIP ${label} request vectors are reproduced byte for byte`, () => {
    it('CreateKeyPair RSA-2048 with names and split usage masks', () => {
      expect(
        requestHex(
          createKeyPair,
          {
            commonAttributes: { cryptographicAlgorithm: 'RSA', cryptographicLength: 2048 },
            privateKeyAttributes: { names: [{ value: `accept-priv-${label}` }], cryptographicUsageMask: 1 },
            publicKeyAttributes: { names: [{ value: `accept-pub-${label}` }], cryptographicUsageMask: 2 },
          },
          version,
        ),
      ).toBe(hex(`${prefix}_create_key_pair.request`));
    });

    it('Create AES-256 with a name', () => {
      expect(
        requestHex(
          create,
          {
            objectType: 'SymmetricKey',
            attributes: {
              cryptographicAlgorithm: 'AES',
              cryptographicLength: 256,
              cryptographicUsageMask: 12,
              names: [{ value: `accept-aes-${label}` }],
            },
          },
          version,
        ),
      ).toBe(hex(`${prefix}_create_aes256.request`));
    });

    it('Locate by name', () => {
      expect(requestHex(locate, { attributes: { names: [{ value: `accept-priv-${label}` }] } }, version)).toBe(
        hex(`${prefix}_locate_by_name.request`),
      );
    });

    it('Activate, Get, Revoke, Destroy', () => {
      const idOf = (vector: string) => valueIn(`${prefix}_${vector}.request`, 'UniqueIdentifier') as string;
      expect(requestHex(activate, { uniqueIdentifier: idOf('activate') }, version)).toBe(
        hex(`${prefix}_activate.request`),
      );
      expect(requestHex(get, { uniqueIdentifier: idOf('get_public_key') }, version)).toBe(
        hex(`${prefix}_get_public_key.request`),
      );
      expect(
        requestHex(
          revoke,
          { uniqueIdentifier: idOf('revoke'), reason: 'CessationOfOperation', message: 'acceptance' },
          version,
        ),
      ).toBe(hex(`${prefix}_revoke.request`));
      expect(requestHex(destroy, { uniqueIdentifier: idOf('destroy') }, version)).toBe(
        hex(`${prefix}_destroy.request`),
      );
    });

    it('Sign PKCS#1 v1.5 and PSS with SHA-256, SignatureVerify', () => {
      const privateId = responsePayload(`${prefix}_create_key_pair.response`, 'CreateKeyPair').payload();
      const ids = createKeyPair.parsePayload(privateId, { version });
      for (const [padding, vector] of [
        ['PKCS1v15', 'sign_pkcs1_sha256'],
        ['PSS', 'sign_pss_sha256'],
      ] as const) {
        expect(
          requestHex(
            sign,
            {
              uniqueIdentifier: ids.privateKeyUniqueIdentifier,
              cryptographicParameters: {
                paddingMethod: padding,
                hashingAlgorithm: 'SHA256',
                cryptographicAlgorithm: 'RSA',
              },
              data: PYKMIP_MESSAGE,
            },
            version,
          ),
        ).toBe(hex(`${prefix}_${vector}.request`));
      }
      expect(
        requestHex(
          signatureVerify,
          {
            uniqueIdentifier: ids.publicKeyUniqueIdentifier,
            cryptographicParameters: {
              paddingMethod: 'PKCS1v15',
              hashingAlgorithm: 'SHA256',
              cryptographicAlgorithm: 'RSA',
            },
            data: PYKMIP_MESSAGE,
            signatureData: valueIn(`${prefix}_signature_verify.request`, 'SignatureData') as Uint8Array,
          },
          version,
        ),
      ).toBe(hex(`${prefix}_signature_verify.request`));
    });
  });

  describe(`PyKMIP KMIP ${label} answers parse into typed results`, () => {
    it('CreateKeyPair, Get (PKCS#1 public key), Sign, SignatureVerify, Locate, Encrypt', () => {
      const pair = createKeyPair.parsePayload(
        responsePayload(`${prefix}_create_key_pair.response`, 'CreateKeyPair').payload(),
        { version },
      );
      expect(pair.privateKeyUniqueIdentifier).toMatch(/^\d+$/);
      const got = get.parsePayload(responsePayload(`${prefix}_get_public_key.response`, 'Get').payload(), { version });
      expect(got.objectType).toBe('PublicKey');
      expect(got.object.objectType).toBe('PublicKey');
      if (got.object.objectType !== 'PublicKey') throw new Error('not a public key');
      expect(got.object.keyBlock).toMatchObject({
        keyFormatType: 'PKCS1',
        cryptographicAlgorithm: 'RSA',
        cryptographicLength: 2048,
      });
      expect(got.object.keyBlock.keyMaterial?.length).toBe(270);
      const signed = sign.parsePayload(responsePayload(`${prefix}_sign_pkcs1_sha256.response`, 'Sign').payload(), {
        version,
      });
      expect(signed.signatureData.length).toBe(256);
      const verified = signatureVerify.parsePayload(
        responsePayload(`${prefix}_signature_verify.response`, 'SignatureVerify').payload(),
        { version },
      );
      expect(verified).toMatchObject({ validityIndicator: 'Valid', isValid: true });
      const located = locate.parsePayload(responsePayload(`${prefix}_locate_by_name.response`, 'Locate').payload(), {
        version,
      });
      expect(located.uniqueIdentifiers).toHaveLength(1);
      const encrypted = encrypt.parsePayload(
        responsePayload(`${prefix}_encrypt_aes_cbc.response`, 'Encrypt').payload(),
        { version },
      );
      expect(encrypted.ivCounterNonce?.length).toBe(16);
    });

    it('errors become normalized errors with the server reason and message', () => {
      const cases = [
        ['error_get_unknown', 'Get', KmsNotFound, 'Item_Not_Found'],
        ['error_destroy_active', 'Destroy', KmsPermissionDenied, 'Permission_Denied'],
        ['error_sign_preactive', 'Sign', KmsPermissionDenied, 'Permission_Denied'],
      ] as const;
      for (const [vector, operation, ErrorClass, reason] of cases) {
        const { payload } = responsePayload(`${prefix}_${vector}.response`, operation);
        let caught: unknown;
        try {
          payload();
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(ErrorClass);
        expect(caught).toMatchObject({ serverReason: reason, operation });
        expect((caught as { serverMessage?: string }).serverMessage).toBeTruthy();
      }
    });
  });
}

describe('PyKMIP version-less answers', () => {
  it('DiscoverVersions lists 2.0 down to 1.0', () => {
    const versions = discoverVersions.parsePayload(
      responsePayload('v1_2_discover_versions.response', 'DiscoverVersions').payload(),
      { version: KMIP_1_2 },
    );
    expect(versions.versions.map((v) => `${v.major}.${v.minor}`)).toEqual(['2.0', '1.4', '1.3', '1.2', '1.1', '1.0']);
  });

  it('an unparsable request (no Operation, version 1.0) is Invalid_Message → KmsInvalidRequest', () => {
    const { message, payload } = responsePayload('v1_x_error_malformed.response', 'Get');
    expect(message.version).toEqual({ major: 1, minor: 0 });
    expect(payload).toThrow(KmsInvalidRequest);
  });
});
