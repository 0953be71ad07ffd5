/**
 * fast-check arbitraries for TTLV trees whose every value survives both codecs unchanged:
 * enumeration values are names of the tag's enumeration or numbers no enumeration names,
 * DateTimes are whole seconds in years 0001-9999 (what RFC 3339 can write), and
 * AttributeName/AttributeValue are left out (their enumeration depends on a sibling,
 * which the codec tests check on their own).
 */
import fc from 'fast-check';

import { ENUMERATION_OF_TAG, ENUMERATIONS } from '../../ttlv/enums.js';
import { isKnownTag, TAGS } from '../../ttlv/tags.js';
import type { TtlvNode } from '../../ttlv/types.js';

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

const plainTags = Object.keys(TAGS).filter((tag) => tag !== 'AttributeName' && tag !== 'AttributeValue');
const anyTag = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom(...plainTags) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 0x540000, max: 0x54ffff })
      .filter((n) => !Object.values(TAGS).includes(n as never))
      .map((n) => '0x' + n.toString(16).toUpperCase()),
  },
);

const enumerationTags = Object.entries(ENUMERATION_OF_TAG).filter(
  ([tag]) => isKnownTag(tag) && tag !== 'AttributeValue',
);
/** No enumeration names a value this high (Cosmian's extensions stop at 0x8880xxxx). */
const unnamedNumber = fc.integer({ min: 0x9000_0000, max: 0xffff_ffff });

const enumerationNode: fc.Arbitrary<TtlvNode> = fc.oneof(
  fc
    .constantFrom(...enumerationTags)
    .chain(([tag, enumeration]) =>
      fc
        .oneof(fc.constantFrom(...Object.keys(ENUMERATIONS[enumeration])), unnamedNumber)
        .map((value): TtlvNode => ({ tag, type: 'Enumeration', value })),
    ),
  fc.constantFrom('0x54FF01', 'AttributeReference').chain((tag) =>
    (tag === 'AttributeReference' ? fc.constantFrom(...Object.keys(TAGS)) : unnamedNumber).map((value): TtlvNode => ({
      tag,
      type: 'Enumeration',
      value,
    })),
  ),
);

const leaf: fc.Arbitrary<TtlvNode> = fc.oneof(
  fc.record({
    tag: anyTag,
    type: fc.constant('Integer' as const),
    value: fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
  }),
  fc.record({
    tag: anyTag,
    type: fc.constant('LongInteger' as const),
    value: fc.bigInt({ min: I64_MIN, max: I64_MAX }),
  }),
  fc.record({
    tag: anyTag,
    type: fc.constant('BigInteger' as const),
    value: fc.bigInt({ min: -(1n << 520n), max: 1n << 520n }),
  }),
  enumerationNode,
  fc.record({
    tag: anyTag,
    type: fc.constant('Boolean' as const),
    value: fc.boolean(),
  }),
  fc.record({
    tag: anyTag,
    type: fc.constant('TextString' as const),
    value: fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 40 })),
  }),
  fc.record({
    tag: anyTag,
    type: fc.constant('ByteString' as const),
    value: fc.uint8Array({ maxLength: 70 }),
  }),
  fc.record({
    tag: anyTag,
    type: fc.constant('DateTime' as const),
    value: fc.integer({ min: -62_135_596_800, max: 253_402_300_799 }).map((seconds) => new Date(seconds * 1000)),
  }),
  fc.record({
    tag: anyTag,
    type: fc.constant('Interval' as const),
    value: fc.integer({ min: 0, max: 0xffff_ffff }),
  }),
  fc.record({
    tag: anyTag,
    type: fc.constant('DateTimeExtended' as const),
    value: fc.bigInt({ min: I64_MIN, max: I64_MAX }),
  }),
);

/** Arbitrary TTLV trees, up to a few levels deep. */
export const ttlvTree: fc.Arbitrary<TtlvNode> = fc.letrec<{ node: TtlvNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({
      tag: anyTag,
      type: fc.constant('Structure' as const),
      value: fc.array(tie('node'), { maxLength: 6 }),
    }),
  ),
})).node;
