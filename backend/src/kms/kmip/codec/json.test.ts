import { Buffer } from 'node:buffer';
import { readdirSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { KmipDecodeError } from '../errors.js';
import { KmipEncodeError } from '../ttlv/encode-error.js';
import type { TtlvNode } from '../ttlv/types.js';
import { decodeBinary, encodeBinary } from './binary.js';
import { decodeJson, encodeJson } from './json.js';
import { readHexFixture } from './testing/test-buffers.js';

const COSMIAN_5X = new URL('./__fixtures__/cosmian-5x/', import.meta.url);
const COSMIAN_DOCS = new URL('./__fixtures__/cosmian-docs/', import.meta.url);
const PYKMIP = new URL('./__fixtures__/pykmip/', import.meta.url);

/**
 * Fills the placeholders the fixtures carry, as Cosmian's vector runner does before
 * sending: `{{name}}` ByteStrings get upper-case hex bytes, the docs' `$NOW` a date.
 * TextString placeholders ({{key_id}}, $UNIQUE_IDENTIFIER_0) are valid strings as they are.
 */
function fixtureText(dir: URL, name: string): string {
  return readFileSync(new URL(name, dir), 'utf8')
    .replace(/("type":\s*"ByteString",\s*"value":\s*)"\{\{\w+\}\}"/g, '$1"00A1FF"')
    .replace(/"\$NOW"/g, '"2026-01-01T00:00:00Z"');
}

function jsonFixtures(dir: URL): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

/** A JSON TTLV tree without "type":"Structure", the only thing 5.x leaves out. */
function withoutStructureType(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(withoutStructureType);
  if (json === null || typeof json !== 'object') return json;
  const { tag, type, value } = json as {
    tag: unknown;
    type?: unknown;
    value: unknown;
  };
  return type === undefined || type === 'Structure'
    ? { tag, value: withoutStructureType(value) }
    : { tag, type, value };
}

function find(node: TtlvNode, tag: string): TtlvNode | undefined {
  if (node.tag === tag) return node;
  if (node.type !== 'Structure') return undefined;
  for (const child of node.value) {
    const hit = find(child, tag);
    if (hit) return hit;
  }
  return undefined;
}

function decodeError(json: unknown): KmipDecodeError {
  try {
    decodeJson(json);
  } catch (error) {
    expect(error).toBeInstanceOf(KmipDecodeError);
    return error as KmipDecodeError;
  }
  throw new Error('decodeJson accepted invalid input');
}

describe('JSON TTLV codec on Cosmian 5.x messages', () => {
  const files = jsonFixtures(COSMIAN_5X);

  it('has the 5.x fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(38);
  });

  it.each(files)('%s decodes and re-encodes to the same JSON, key order included', (name) => {
    const text = fixtureText(COSMIAN_5X, name);
    const encoded = encodeJson(decodeJson(text));
    expect(JSON.stringify(encoded)).toBe(JSON.stringify(JSON.parse(text)));
  });

  it('reads a 5.x error response whose Structures carry no type', () => {
    const node = decodeJson(fixtureText(COSMIAN_5X, 'error.recertify_item_not_found.response.json'));
    expect(node.type).toBe('Structure');
    expect(find(node, 'ResultStatus')?.value).toBe('OperationFailed');
    expect(find(node, 'ResultReason')?.value).toBe('Item_Not_Found');
    expect(find(node, 'TimeStamp')).toEqual({
      tag: 'TimeStamp',
      type: 'DateTime',
      value: new Date('2026-05-29T11:57:35Z'),
    });
  });

  it('keeps repeated siblings and vendor Attribute structures as they are', () => {
    const node = decodeJson(fixtureText(COSMIAN_5X, 'create.aes256_with_cosmian_tag.request.json'));
    expect(find(node, 'Attribute')).toEqual({
      tag: 'Attribute',
      type: 'Structure',
      value: [
        { tag: 'VendorIdentification', type: 'TextString', value: 'cosmian' },
        { tag: 'AttributeName', type: 'TextString', value: 'tag' },
        {
          tag: 'AttributeValue',
          type: 'TextString',
          value: '["vector-locate-tag"]',
        },
      ],
    });
    const query = decodeJson(fixtureText(COSMIAN_5X, 'query.request.json'));
    expect(query.type === 'Structure' && query.value.filter((child) => child.tag === 'QueryFunction')).toHaveLength(3);
  });
});

describe('JSON TTLV tag spellings (issue 14)', () => {
  // Cosmian 5.26 kmip_types.rs CryptographicParameters: `random_iv`, `iv_length` under
  // rename_all = "PascalCase"; an unknown name is dropped without an error.
  it('writes RandomIV and IVLength as Cosmian spells them and reads either spelling back', () => {
    const parameters: TtlvNode = {
      tag: 'CryptographicParameters',
      type: 'Structure',
      value: [
        { tag: 'RandomIV', type: 'Boolean', value: true },
        { tag: 'IVLength', type: 'Integer', value: 96 },
      ],
    };
    const written = encodeJson(parameters);
    expect(written).toEqual({
      tag: 'CryptographicParameters',
      value: [
        { tag: 'RandomIv', type: 'Boolean', value: true },
        { tag: 'IvLength', type: 'Integer', value: 96 },
      ],
    });
    expect(decodeJson(JSON.stringify(written))).toEqual(parameters);
    expect(
      decodeJson(JSON.stringify({ ...written, value: [{ tag: 'RandomIV', type: 'Boolean', value: true }] })),
    ).toEqual({
      ...parameters,
      value: [{ tag: 'RandomIV', type: 'Boolean', value: true }],
    });
  });
});

describe('JSON TTLV reader on Cosmian docs (4.x shapes)', () => {
  // The docs' known-stale values: they decode (the reader keeps unknown names) but cannot be
  // sent back, which is what the 5.x server would say too (COSMIAN.md §7).
  const staleForWriting: Record<string, RegExp> = {
    'export.request.json': /KeyFormatType enumeration name "AsRegistered"/,
    'message.2_getattributes_private_key.response.json': /HashingAlgorithm enumeration name "SHA_256"/,
  };
  const files = jsonFixtures(COSMIAN_DOCS);

  it('has the docs fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(100);
  });

  it.each(files)('%s decodes; re-encoding changes only what 5.x normalizes', (name) => {
    const text = fixtureText(COSMIAN_DOCS, name);
    const node = decodeJson(text);
    const stale = staleForWriting[name];
    if (stale) {
      expect(() => encodeJson(node)).toThrow(stale);
      return;
    }
    const normalized = JSON.stringify(withoutStructureType(JSON.parse(text)))
      // The 4.x docs' XML-isms and offsets that 5.x writes differently.
      .replace(/("tag":"CryptographicUsageMask","type":"Integer","value":)"Sign"/g, '$11')
      .replace(/("tag":"CryptographicUsageMask","type":"Integer","value":)"Verify"/g, '$12')
      .replace(/\+00:00"/g, 'Z"');
    expect(JSON.stringify(encodeJson(node))).toBe(normalized);
  });
});

describe('JSON TTLV writer (5.x rules)', () => {
  it('writes each item type as the 5.x server does', () => {
    const node: TtlvNode = {
      tag: 'RequestPayload',
      type: 'Structure',
      value: [
        { tag: 'BatchCount', type: 'Integer', value: -7 },
        { tag: 'CorrelationValue', type: 'LongInteger', value: -2n },
        { tag: 'Modulus', type: 'BigInteger', value: 0x80n },
        { tag: 'PublicExponent', type: 'BigInteger', value: -1n },
        { tag: 'Operation', type: 'Enumeration', value: 'Sign' },
        { tag: 'Operation', type: 'Enumeration', value: 0xabcd },
        { tag: 'Operation', type: 'Enumeration', value: 0x21 },
        { tag: 'Cascade', type: 'Boolean', value: true },
        { tag: 'UniqueIdentifier', type: 'TextString', value: 'ü' },
        {
          tag: 'Data',
          type: 'ByteString',
          value: new Uint8Array([0xab, 0x01]),
        },
        { tag: 'Data', type: 'ByteString', value: new Uint8Array() },
        {
          tag: 'ActivationDate',
          type: 'DateTime',
          value: new Date('2026-08-14T08:39:31.900Z'),
        },
        { tag: 'LeaseTime', type: 'Interval', value: 4294967295 },
        { tag: '0x54FF01', type: 'DateTimeExtended', value: 1n },
        { tag: 'ExpectedObjectType', type: 'Enumeration', value: 'PrivateKey' },
        { tag: 'Remove', type: 'Enumeration', value: 'Whatever' },
      ],
    };
    expect(JSON.stringify(encodeJson(node))).toBe(
      JSON.stringify({
        tag: 'RequestPayload',
        value: [
          { tag: 'BatchCount', type: 'Integer', value: -7 },
          {
            tag: 'CorrelationValue',
            type: 'LongInteger',
            value: '0xFFFFFFFFFFFFFFFE',
          },
          { tag: 'Modulus', type: 'BigInteger', value: '0x0000000000000080' },
          {
            tag: 'PublicExponent',
            type: 'BigInteger',
            value: '0xFFFFFFFFFFFFFFFF',
          },
          { tag: 'Operation', type: 'Enumeration', value: 'Sign' },
          { tag: 'Operation', type: 'Enumeration', value: '0x0000ABCD' },
          { tag: 'Operation', type: 'Enumeration', value: 'Sign' },
          { tag: 'Cascade', type: 'Boolean', value: true },
          { tag: 'UniqueIdentifier', type: 'TextString', value: 'ü' },
          { tag: 'Data', type: 'ByteString', value: 'AB01' },
          { tag: 'Data', type: 'ByteString', value: '' },
          {
            tag: 'ActivationDate',
            type: 'DateTime',
            value: '2026-08-14T08:39:31Z',
          },
          { tag: 'LeaseTime', type: 'Interval', value: 4294967295 },
          {
            tag: '0x54FF01',
            type: 'DateTimeExtended',
            value: '0x0000000000000001',
          },
          {
            tag: 'ExpectedObjectType',
            type: 'Enumeration',
            value: 'PrivateKey',
          },
          { tag: 'Remove', type: 'Enumeration', value: 'Whatever' },
        ],
      }),
    );
  });

  it('refuses what the server would refuse, naming the path', () => {
    const bad: TtlvNode[] = [
      { tag: 'HashingAlgorithm', type: 'Enumeration', value: 'SHA_256' },
      { tag: 'BatchCount', type: 'Integer', value: 2 ** 31 },
      {
        tag: 'ActivationDate',
        type: 'DateTime',
        value: new Date('+010000-01-01T00:00:00Z'),
      },
      { tag: 'CorrelationValue', type: 'LongInteger', value: 1n << 64n },
    ];
    for (const node of bad) expect(() => encodeJson(node), node.tag).toThrow(KmipEncodeError);
    expect(() =>
      encodeJson({
        tag: 'Sign',
        type: 'Structure',
        value: [
          {
            tag: 'CryptographicParameters',
            type: 'Structure',
            value: [{ tag: 'PaddingMethod', type: 'Enumeration', value: 'PKCS_1' }],
          },
        ],
      }),
    ).toThrow(/at Sign\/CryptographicParameters\/PaddingMethod/);
  });
});

describe('JSON TTLV reader tolerance', () => {
  it('reads the number forms Cosmian accepts', () => {
    const node = decodeJson({
      tag: 'Query',
      value: [
        { tag: 'MaximumItems', type: 'Integer', value: '0x00000002' },
        { tag: 'MaximumItems', type: 'Integer', value: '0xFFFFFFFFFFFFFFFF' },
        { tag: 'CorrelationValue', type: 'LongInteger', value: 42 },
        {
          tag: 'CorrelationValue',
          type: 'LongInteger',
          value: '0x000000000000002A',
        },
        { tag: 'Modulus', type: 'BigInteger', value: '0xff' },
        { tag: 'Modulus', type: 'BigInteger', value: '0x' },
        { tag: 'QueryFunction', type: 'Enumeration', value: '0x00000003' },
        { tag: 'QueryFunction', type: 'Enumeration', value: 1 },
        { tag: 'Operation', type: 'Enumeration', value: 'NotInOurTable' },
        { tag: 'Data', type: 'ByteString', value: 'abCD' },
        {
          tag: 'ActivationDate',
          type: 'DateTime',
          value: '0x0000000000000E10',
        },
        {
          tag: 'ActivationDate',
          type: 'DateTime',
          value: '2026-03-15T12:11:23.75+02:00',
        },
        {
          tag: 'CryptographicUsageMask',
          type: 'Integer',
          value: 'Sign|Verify',
        },
        { tag: '0x420094', type: 'TextString', value: 'hex tag' },
      ],
    });
    expect(node.value).toEqual([
      { tag: 'MaximumItems', type: 'Integer', value: 2 },
      { tag: 'MaximumItems', type: 'Integer', value: -1 },
      { tag: 'CorrelationValue', type: 'LongInteger', value: 42n },
      { tag: 'CorrelationValue', type: 'LongInteger', value: 42n },
      { tag: 'Modulus', type: 'BigInteger', value: -1n },
      { tag: 'Modulus', type: 'BigInteger', value: 0n },
      {
        tag: 'QueryFunction',
        type: 'Enumeration',
        value: 'QueryServerInformation',
      },
      { tag: 'QueryFunction', type: 'Enumeration', value: 'QueryOperations' },
      { tag: 'Operation', type: 'Enumeration', value: 'NotInOurTable' },
      { tag: 'Data', type: 'ByteString', value: new Uint8Array([0xab, 0xcd]) },
      { tag: 'ActivationDate', type: 'DateTime', value: new Date(3600 * 1000) },
      {
        tag: 'ActivationDate',
        type: 'DateTime',
        value: new Date('2026-03-15T10:11:23Z'),
      },
      { tag: 'CryptographicUsageMask', type: 'Integer', value: 3 },
      { tag: 'UniqueIdentifier', type: 'TextString', value: 'hex tag' },
    ]);
  });

  it('accepts the JSON text itself', () => {
    expect(decodeJson('{"tag":"DiscoverVersions","value":[]}')).toEqual({
      tag: 'DiscoverVersions',
      type: 'Structure',
      value: [],
    });
  });

  it('refuses malformed nodes with their JSON path', () => {
    const cases: [unknown, RegExp, string][] = [
      ['{"tag":', /not valid JSON/, '$'],
      [[], /not a JSON object/, '$'],
      [{ value: [] }, /no "tag"/, '$'],
      [{ tag: 'X', type: 'Float', value: 1 }, /unknown TTLV type/, '$'],
      [{ tag: 'X', type: 'Integer' }, /no "value"/, '$'],
      [{ tag: 'X', value: 'nope' }, /not an array/, '$'],
      [{ tag: 'M', value: [{ tag: 'A', value: [null] }] }, /not a JSON object/, '$.value[0].value[0]'],
      [{ tag: 'BatchCount', type: 'Integer', value: 2 ** 31 }, /32-bit/, '$'],
      [{ tag: 'BatchCount', type: 'Integer', value: '0x123' }, /32-bit/, '$'],
      [{ tag: 'LeaseTime', type: 'Interval', value: -1 }, /unsigned/, '$'],
      [{ tag: 'Modulus', type: 'BigInteger', value: '0x123' }, /whole hex bytes/, '$'],
      [{ tag: 'Operation', type: 'Enumeration', value: '0x21' }, /8 hex digits/, '$'],
      [{ tag: 'Operation', type: 'Enumeration', value: 1.5 }, /neither a name/, '$'],
      [{ tag: 'Cascade', type: 'Boolean', value: 'true' }, /true or false/, '$'],
      [{ tag: 'Data', type: 'ByteString', value: 'ABC' }, /hex bytes/, '$'],
      [{ tag: 'Data', type: 'ByteString', value: '0xAB' }, /hex bytes/, '$'],
      [{ tag: 'TimeStamp', type: 'DateTime', value: '2026-02-30T00:00:00Z' }, /ISO 8601/, '$'],
      [{ tag: 'TimeStamp', type: 'DateTime', value: '$NOW' }, /ISO 8601/, '$'],
      [{ tag: 'CryptographicUsageMask', type: 'Integer', value: 'Sign|Nope' }, /32-bit/, '$'],
    ];
    for (const [input, message, path] of cases) {
      const error = decodeError(input);
      expect(error.message, JSON.stringify(input)).toMatch(message);
      expect(error.position, JSON.stringify(input)).toBe(path);
    }
  });

  it('refuses nesting deeper than maxDepth', () => {
    let deep: unknown = { tag: 'BatchCount', type: 'Integer', value: 1 };
    for (let i = 0; i < 40; i++) deep = { tag: 'BatchItem', value: [deep] };
    expect(decodeError(deep).message).toMatch(/deeper than 32/);
    expect(() => decodeJson(deep, { maxDepth: 64 })).not.toThrow();
  });
});

describe('both codecs agree', () => {
  const vectors = readdirSync(PYKMIP)
    .filter((name) => name.endsWith('.hex'))
    .sort();

  it.each(vectors)('PyKMIP %s survives binary → JSON → binary byte-identically', (name) => {
    const wire = readHexFixture(new URL(name, PYKMIP));
    const viaJson = decodeJson(JSON.parse(JSON.stringify(encodeJson(decodeBinary(wire)))));
    expect(Buffer.from(encodeBinary(viaJson)).equals(Buffer.from(wire))).toBe(true);
  });
});
