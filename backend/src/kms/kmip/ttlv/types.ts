/**
 * The TTLV model (KMIP 2.1 §9.1): every item is a tag, a type and a value. Tags are
 * carried by their KMIP name (as Cosmian's JSON TTLV spells it, e.g. "UniqueIdentifier");
 * a tag the registry does not know is carried as its hex number, "0x54FF01". Enumeration
 * values are carried by name when the registry knows the name for that tag, else as a
 * number. The codecs translate names to numbers and back through the tag registry.
 */

export const ITEM_TYPES = [
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
] as const;
export type ItemType = (typeof ITEM_TYPES)[number];

/** The binary type byte of each item type (KMIP 2.1 §9.1.1.2). */
export const ITEM_TYPE_CODES: Readonly<Record<ItemType, number>> = {
  Structure: 0x01,
  Integer: 0x02,
  LongInteger: 0x03,
  BigInteger: 0x04,
  Enumeration: 0x05,
  Boolean: 0x06,
  TextString: 0x07,
  ByteString: 0x08,
  DateTime: 0x09,
  Interval: 0x0a,
  DateTimeExtended: 0x0b,
};

export type TtlvStructure = { tag: string; type: 'Structure'; value: TtlvNode[] };
export type TtlvInteger = { tag: string; type: 'Integer'; value: number };
export type TtlvLongInteger = { tag: string; type: 'LongInteger'; value: bigint };
export type TtlvBigInteger = { tag: string; type: 'BigInteger'; value: bigint };
export type TtlvEnumeration = { tag: string; type: 'Enumeration'; value: string | number };
export type TtlvBoolean = { tag: string; type: 'Boolean'; value: boolean };
export type TtlvTextString = { tag: string; type: 'TextString'; value: string };
export type TtlvByteString = { tag: string; type: 'ByteString'; value: Uint8Array };
/** Seconds precision on the wire; a Date in memory. */
export type TtlvDateTime = { tag: string; type: 'DateTime'; value: Date };
/** Seconds. */
export type TtlvInterval = { tag: string; type: 'Interval'; value: number };
/** Microseconds since the epoch. */
export type TtlvDateTimeExtended = { tag: string; type: 'DateTimeExtended'; value: bigint };

export type TtlvNode =
  | TtlvStructure
  | TtlvInteger
  | TtlvLongInteger
  | TtlvBigInteger
  | TtlvEnumeration
  | TtlvBoolean
  | TtlvTextString
  | TtlvByteString
  | TtlvDateTime
  | TtlvInterval
  | TtlvDateTimeExtended;
