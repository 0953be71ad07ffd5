/**
 * Fuzzing both decoders: at least 100,000 random and mutated inputs each per run, seeded
 * afresh every run (the seed is printed with any failure, to replay it). The only
 * acceptable failure is KmipDecodeError; whatever decodes must also re-encode, and
 * re-encoding must be stable. No timing assertions: the input counts are fixed.
 */
import { Buffer } from 'node:buffer';
import { readdirSync, readFileSync } from 'node:fs';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { KmipDecodeError } from '../errors.js';
import { KmipEncodeError } from '../ttlv/encode-error.js';
import type { TtlvNode } from '../ttlv/types.js';
import { decodeBinary, encodeBinary } from './binary.js';
import { decodeJson, encodeJson } from './json.js';
import { ttlvTree } from './testing/arbitrary-ttlv.js';
import { hex } from './testing/test-buffers.js';

const INPUTS_PER_DECODER = 100_000;
const FIXTURES = new URL('./__fixtures__/', import.meta.url);

/** mulberry32: tiny, fast and good enough to drive mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Failure {
  input: string;
  error: unknown;
}

function describeFailure(seed: number, failure: Failure | undefined): string {
  if (!failure) return '';
  const error =
    failure.error instanceof Error ? `${failure.error.name}: ${failure.error.message}` : String(failure.error);
  return `seed ${seed}: ${error}\ninput: ${failure.input.slice(0, 2000)}`;
}

function readFixtures(subdir: string, extension: string): string[] {
  const dir = new URL(`${subdir}/`, FIXTURES);
  return readdirSync(dir)
    .filter((name) => name.endsWith(extension))
    .map((name) => readFileSync(new URL(name, dir), 'utf8'));
}

describe('binary decoder fuzz', () => {
  const seed = (Math.random() * 2 ** 32) >>> 0;
  const random = prng(seed);
  const int = (n: number): number => Math.floor(random() * n);

  const corpus: Uint8Array[] = [
    ...readFixtures('pykmip', '.hex').map((text) => new Uint8Array(hex(text))),
    ...readFixtures('cosmian-docs', '.hex').map((text) => new Uint8Array(hex(text))),
    ...fc.sample(ttlvTree, { numRuns: 300, seed }).map((tree) => encodeBinary(tree)),
  ];
  const boundaryLengths = [0, 1, 3, 4, 7, 8, 9, 15, 16, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff];

  function randomBytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = int(256);
    return out;
  }

  /** Headers that look like TTLV (right tag prefix), with random types, lengths and bodies. */
  function plausibleItems(): Uint8Array {
    const parts: Buffer[] = [];
    const count = 1 + int(4);
    for (let i = 0; i < count; i++) {
      const body = randomBytes(int(3) === 0 ? int(24) : 8 * int(3));
      const header = Buffer.alloc(8);
      header[0] = int(8) === 0 ? 0x54 : 0x42;
      header[1] = int(2);
      header[2] = int(256);
      header[3] = int(13);
      header.writeUInt32BE(int(4) === 0 ? (boundaryLengths[int(boundaryLengths.length)] ?? 0) : body.length, 4);
      parts.push(header, Buffer.from(body));
    }
    const items = Buffer.concat(parts);
    if (int(2) === 0) return items;
    const outer = Buffer.alloc(8);
    outer.writeUIntBE(0x420078, 0, 3);
    outer[3] = 1;
    outer.writeUInt32BE(items.length, 4);
    return Buffer.concat([outer, items]);
  }

  function mutate(source: Uint8Array): Uint8Array {
    let bytes: Uint8Array = Uint8Array.from(source);
    const rounds = 1 + int(4);
    for (let round = 0; round < rounds; round++) {
      const at = bytes.length === 0 ? 0 : int(bytes.length);
      switch (int(9)) {
        case 0: // flip one bit
          if (bytes.length > 0) bytes[at] = (bytes[at] as number) ^ (1 << int(8));
          break;
        case 1: // random byte
          if (bytes.length > 0) bytes[at] = int(256);
          break;
        case 2: {
          // boundary length in some item header
          const headerAt = (at & ~7) + 4;
          if (headerAt + 4 <= bytes.length) {
            new DataView(bytes.buffer, bytes.byteOffset).setUint32(
              headerAt,
              boundaryLengths[int(boundaryLengths.length)] ?? 0,
            );
          }
          break;
        }
        case 3: {
          // off-by-a-little length
          const headerAt = (at & ~7) + 4;
          if (headerAt + 4 <= bytes.length) {
            const view = new DataView(bytes.buffer, bytes.byteOffset);
            view.setUint32(headerAt, (view.getUint32(headerAt) + [-8, -1, 1, 8][int(4)]!) >>> 0);
          }
          break;
        }
        case 4: // type byte
          if ((at & ~7) + 3 < bytes.length) bytes[(at & ~7) + 3] = int(16);
          break;
        case 5: // truncate
          bytes = bytes.subarray(0, at);
          break;
        case 6: // append
          bytes = Buffer.concat([bytes, randomBytes(1 + int(16))]);
          break;
        case 7: {
          // drop or duplicate an 8-byte block
          const block = at & ~7;
          bytes =
            int(2) === 0
              ? Buffer.concat([bytes.subarray(0, block), bytes.subarray(block + 8)])
              : Buffer.concat([bytes.subarray(0, block + 8), bytes.subarray(block)]);
          break;
        }
        default: {
          // splice with another corpus entry
          const other = corpus[int(corpus.length)] as Uint8Array;
          bytes = Buffer.concat([bytes.subarray(0, at), other.subarray(int(other.length + 1))]);
        }
      }
    }
    return bytes;
  }

  function nextInput(): Uint8Array {
    const pick = int(20);
    if (pick < 2) return randomBytes(int(64));
    if (pick < 5) return plausibleItems();
    return mutate(corpus[int(corpus.length)] as Uint8Array);
  }

  it(`only KmipDecodeError comes out of ${INPUTS_PER_DECODER} inputs`, () => {
    let failure: Failure | undefined;
    let decoded = 0;
    let rejected = 0;
    for (let i = 0; i < INPUTS_PER_DECODER && !failure; i++) {
      const input = nextInput();
      const limits = int(10) === 0 ? { maxBytes: int(512), maxDepth: int(6) } : undefined;
      let node: TtlvNode;
      try {
        node = decodeBinary(input, limits);
      } catch (error) {
        if (error instanceof KmipDecodeError) {
          rejected++;
          continue;
        }
        failure = { input: Buffer.from(input).toString('hex'), error };
        break;
      }
      decoded++;
      try {
        const again = encodeBinary(node);
        const twice = encodeBinary(decodeBinary(again));
        if (!Buffer.from(again).equals(Buffer.from(twice))) throw new Error('re-encoding is not stable');
      } catch (error) {
        failure = { input: Buffer.from(input).toString('hex'), error };
      }
    }
    expect(describeFailure(seed, failure)).toBe('');
    expect(decoded + rejected).toBe(INPUTS_PER_DECODER);
    // Both outcomes must be exercised, or the fuzzer is testing nothing.
    expect(decoded).toBeGreaterThan(INPUTS_PER_DECODER / 100);
    expect(rejected).toBeGreaterThan(INPUTS_PER_DECODER / 2);
  });

  it('refuses a nesting bomb without exhausting the stack', () => {
    const levels = 100_000;
    const bomb = Buffer.alloc(levels * 8);
    for (let i = 0; i < levels; i++) {
      bomb.writeUIntBE(0x420078, i * 8, 3);
      bomb[i * 8 + 3] = 1;
      bomb.writeUInt32BE((levels - i - 1) * 8, i * 8 + 4);
    }
    expect(() => decodeBinary(bomb)).toThrow(KmipDecodeError);
  });
});

describe('JSON decoder fuzz', () => {
  const seed = (Math.random() * 2 ** 32) >>> 0;
  const random = prng(seed);
  const int = (n: number): number => Math.floor(random() * n);

  const placeholder = /("type":\s*"ByteString",\s*"value":\s*)"\{\{\w+\}\}"/g;
  const corpus: string[] = [
    ...readFixtures('cosmian-5x', '.json').map((text) => text.replace(placeholder, '$1"00A1FF"')),
    ...readFixtures('cosmian-docs', '.json'),
    ...fc.sample(ttlvTree, { numRuns: 300, seed }).map((tree) => JSON.stringify(encodeJson(tree))),
  ].map((text) => JSON.stringify(JSON.parse(text)));

  const types = [
    'Structure',
    'Integer',
    'LongInteger',
    'BigInteger',
    'Enumeration',
    'Boolean',
    'TextString',
    'ByteString',
    'DateTime',
    'Interval',
    'DateTimeExtended',
    'Float',
    '',
    'structure',
  ];
  const strings = [
    '',
    '0x',
    '0x0',
    '0x00000001',
    '0xFFFFFFFF',
    '0x8000000000000000',
    '0xZZ',
    'AB',
    'abc',
    'Sign|Verify',
    'Sign|',
    '2026-08-14T08:39:31Z',
    '2026-13-40T99:99:99Z',
    '9999-12-31T23:59:59-23:59',
    '-0001-01-01T00:00:00Z',
    '$NOW',
    'SHA256',
    'constructor',
    '__proto__',
    '\uD800',
    'é',
  ];
  const numbers = [0, -1, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53 + 1, 1e308, -0, 0.5, Number.MAX_SAFE_INTEGER];

  function randomValue(depth: number): unknown {
    switch (int(depth > 2 ? 5 : 7)) {
      case 0:
        return strings[int(strings.length)];
      case 1:
        return numbers[int(numbers.length)];
      case 2:
        return int(2) === 0;
      case 3:
        return null;
      case 4:
        return String.fromCharCode(...Array.from({ length: int(12) }, () => int(0x10000)));
      case 5:
        return Array.from({ length: int(4) }, () => randomValue(depth + 1));
      default: {
        const node: Record<string, unknown> = {};
        if (int(5) > 0) node.tag = int(4) === 0 ? String(randomValue(depth + 1)) : 'UniqueIdentifier';
        if (int(3) > 0) node.type = types[int(types.length)];
        if (int(5) > 0) node.value = randomValue(depth + 1);
        return node;
      }
    }
  }

  function nodesOf(tree: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
    if (tree !== null && typeof tree === 'object' && !Array.isArray(tree)) {
      const node = tree as Record<string, unknown>;
      out.push(node);
      if (Array.isArray(node.value)) for (const child of node.value) nodesOf(child, out);
    }
    return out;
  }

  function mutateTree(text: string): unknown {
    const tree = JSON.parse(text) as unknown;
    const nodes = nodesOf(tree);
    const rounds = 1 + int(3);
    for (let round = 0; round < rounds; round++) {
      const node = nodes[int(nodes.length)];
      if (!node) break;
      switch (int(7)) {
        case 0:
          node.type = types[int(types.length)];
          break;
        case 1:
          node.value = randomValue(0);
          break;
        case 2:
          delete node[['tag', 'type', 'value'][int(3)] as string];
          break;
        case 3:
          node.tag = randomValue(2);
          break;
        case 4:
          if (Array.isArray(node.value)) node.value.splice(int(node.value.length + 1), 0, randomValue(1));
          break;
        case 5:
          node.value = [{ tag: node.tag, type: node.type, value: node.value }];
          delete node.type;
          break;
        default:
          node.value =
            typeof node.value === 'string' ? node.value.toLowerCase() + ['', 'Z', '0', ':00'][int(4)] : node.value;
      }
    }
    return tree;
  }

  function mutateText(text: string): string {
    const at = int(text.length + 1);
    switch (int(3)) {
      case 0:
        return text.slice(0, at);
      case 1:
        return text.slice(0, at) + '{}[],:"0x\\'.charAt(int(11)) + text.slice(at);
      default:
        return text.slice(0, at) + text.slice(at + 1 + int(8));
    }
  }

  function nextInput(): unknown {
    const pick = int(20);
    const source = corpus[int(corpus.length)] as string;
    if (pick < 3) return randomValue(0);
    if (pick < 7) return mutateText(source);
    return mutateTree(source);
  }

  it(`only KmipDecodeError comes out of ${INPUTS_PER_DECODER} inputs`, () => {
    let failure: Failure | undefined;
    let decoded = 0;
    let rejected = 0;
    for (let i = 0; i < INPUTS_PER_DECODER && !failure; i++) {
      const input = nextInput();
      const limits = int(10) === 0 ? { maxDepth: int(6) } : undefined;
      let node: TtlvNode;
      try {
        node = decodeJson(input, limits);
      } catch (error) {
        if (error instanceof KmipDecodeError) {
          rejected++;
          continue;
        }
        failure = {
          input: typeof input === 'string' ? input : JSON.stringify(input),
          error,
        };
        break;
      }
      decoded++;
      try {
        let text: string;
        try {
          text = JSON.stringify(encodeJson(node));
        } catch (error) {
          // The reader keeps enumeration names it does not know; the writer may refuse them.
          if (error instanceof KmipEncodeError) continue;
          throw error;
        }
        const twice = JSON.stringify(encodeJson(decodeJson(text)));
        if (twice !== text) throw new Error('re-encoding is not stable');
      } catch (error) {
        failure = {
          input: typeof input === 'string' ? input : JSON.stringify(input),
          error,
        };
      }
    }
    expect(describeFailure(seed, failure)).toBe('');
    expect(decoded + rejected).toBe(INPUTS_PER_DECODER);
    expect(decoded).toBeGreaterThan(INPUTS_PER_DECODER / 100);
    expect(rejected).toBeGreaterThan(INPUTS_PER_DECODER / 4);
  });

  it('refuses a nesting bomb without exhausting the stack', () => {
    const bomb = '{"tag":"A","value":['.repeat(100_000) + ']}'.repeat(100_000);
    expect(() => decodeJson(bomb)).toThrow(KmipDecodeError);
  });
});
