import { Buffer } from 'node:buffer';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { decodeBinary, encodeBinary } from './binary.js';
import { decodeJson, encodeJson } from './json.js';
import { ttlvTree } from './testing/arbitrary-ttlv.js';

describe('codec round trips on arbitrary TTLV trees', () => {
  it('binary: decode(encode(tree)) is the tree, and encoding is 8-byte aligned', () => {
    fc.assert(
      fc.property(ttlvTree, (tree) => {
        const wire = encodeBinary(tree);
        expect(wire.length % 8).toBe(0);
        expect(decodeBinary(wire)).toEqual(tree);
      }),
      { numRuns: 1500 },
    );
  });

  it('JSON: decode(parse(stringify(encode(tree)))) is the tree', () => {
    fc.assert(
      fc.property(ttlvTree, (tree) => {
        const text = JSON.stringify(encodeJson(tree));
        const back = decodeJson(JSON.parse(text));
        expect(back).toEqual(tree);
        expect(JSON.stringify(encodeJson(back))).toBe(text);
      }),
      { numRuns: 1500 },
    );
  });

  it('binary and JSON carry the same tree', () => {
    fc.assert(
      fc.property(ttlvTree, (tree) => {
        const viaJson = decodeJson(JSON.parse(JSON.stringify(encodeJson(tree))));
        expect(Buffer.from(encodeBinary(viaJson)).equals(Buffer.from(encodeBinary(tree)))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
