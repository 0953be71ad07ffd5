/**
 * Distinguished names and subject alternative names: validation, DER encoding
 * (RFC 5280 §4.1.2.4, §4.2.1.6) and display. Everything that reaches a certificate passes
 * through here, whether it came from a form or from a CSR, so the rules hold once:
 * no control characters or bidi overrides, X.520 length bounds, UTF8String for
 * directory strings (PrintableString for countryName, IA5String where the RFC says so),
 * host names as LDH labels with at most a leading wildcard label.
 */
import { isIPv4, isIPv6 } from 'node:net';

import type { SanType, Subject } from '@pki/shared';
import { FORBIDDEN_NAME_CHARACTERS } from '@pki/shared';

import * as der from './asn1/der-writer.js';
import { DerDecodeError, contentOf, decodeOid, readChildren, readElement } from './asn1/der-reader.js';
import type { DerElement } from './asn1/der-reader.js';
import { OID } from './asn1/oids.js';
import { pkiErrors } from './errors.js';

interface AttributeSpec {
  oid: string;
  /** RFC 4514 short name used in display strings. */
  shortName: string;
  maxLength: number;
  encoding: 'utf8' | 'printable' | 'ia5';
}

const ATTRIBUTES: readonly AttributeSpec[] = [
  { oid: OID.countryName, shortName: 'C', maxLength: 2, encoding: 'printable' },
  { oid: OID.stateOrProvinceName, shortName: 'ST', maxLength: 128, encoding: 'utf8' },
  { oid: OID.localityName, shortName: 'L', maxLength: 128, encoding: 'utf8' },
  { oid: OID.streetAddress, shortName: 'STREET', maxLength: 128, encoding: 'utf8' },
  { oid: OID.organizationName, shortName: 'O', maxLength: 64, encoding: 'utf8' },
  { oid: OID.organizationalUnitName, shortName: 'OU', maxLength: 64, encoding: 'utf8' },
  { oid: OID.title, shortName: 'title', maxLength: 64, encoding: 'utf8' },
  { oid: OID.givenName, shortName: 'GN', maxLength: 64, encoding: 'utf8' },
  { oid: OID.surname, shortName: 'SN', maxLength: 64, encoding: 'utf8' },
  { oid: OID.serialNumber, shortName: 'serialNumber', maxLength: 64, encoding: 'printable' },
  { oid: OID.domainComponent, shortName: 'DC', maxLength: 63, encoding: 'ia5' },
  { oid: OID.emailAddress, shortName: 'emailAddress', maxLength: 255, encoding: 'ia5' },
  { oid: OID.commonName, shortName: 'CN', maxLength: 64, encoding: 'utf8' },
];
const ATTRIBUTE_BY_OID = new Map(ATTRIBUTES.map((spec) => [spec.oid, spec]));

/** One attribute of a name, in the order it appears (least specific first, as encoded). */
export interface NameAttribute {
  oid: string;
  value: string;
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function validateAttribute(attribute: NameAttribute): AttributeSpec {
  const spec = ATTRIBUTE_BY_OID.get(attribute.oid);
  if (!spec) throw pkiErrors.nameInvalid('subject', `attribute ${attribute.oid} is not supported`);
  const field = `subject.${spec.shortName}`;
  const { value } = attribute;
  if (value.length === 0) throw pkiErrors.nameInvalid(field, 'must not be empty');
  if (FORBIDDEN_NAME_CHARACTERS.test(value)) throw pkiErrors.nameInvalid(field, 'must not contain control characters');
  if (value !== value.trim()) throw pkiErrors.nameInvalid(field, 'must not start or end with spaces');
  if ([...value].length > spec.maxLength)
    throw pkiErrors.nameInvalid(field, `longer than ${spec.maxLength} characters`);
  if (spec.encoding === 'printable' && !PRINTABLE.test(value)) {
    throw pkiErrors.nameInvalid(field, 'only letters, digits and simple punctuation are allowed');
  }
  if (spec.encoding === 'ia5' && !/^[\x20-\x7e]*$/.test(value)) throw pkiErrors.nameInvalid(field, 'must be ASCII');
  if (spec.oid === OID.countryName && !/^[A-Z]{2}$/.test(value)) {
    throw pkiErrors.nameInvalid(field, 'must be a two-letter ISO 3166 code in capitals');
  }
  return spec;
}

export function subjectToAttributes(subject: Subject): NameAttribute[] {
  const attributes: NameAttribute[] = [];
  const push = (oid: string, value: string | undefined) => {
    if (value !== undefined) attributes.push({ oid, value });
  };
  push(OID.countryName, subject.country);
  push(OID.stateOrProvinceName, subject.state);
  push(OID.localityName, subject.locality);
  push(OID.organizationName, subject.organization);
  push(OID.organizationalUnitName, subject.organizationalUnit);
  push(OID.commonName, subject.commonName);
  for (const attribute of attributes) validateAttribute(attribute);
  return attributes;
}

/** Validates and encodes a Name, one attribute per RDN (RFC 5280 §4.1.2.4). */
export function encodeName(attributes: readonly NameAttribute[]): Buffer {
  const rdns = attributes.map((attribute) => {
    const spec = validateAttribute(attribute);
    const value =
      spec.encoding === 'printable'
        ? der.printableString(attribute.value)
        : spec.encoding === 'ia5'
          ? der.ia5String(attribute.value)
          : der.utf8String(attribute.value);
    return der.setOf(der.sequence(der.oid(attribute.oid), value));
  });
  return der.sequence(...rdns);
}

function escapeRfc4514(value: string): string {
  return value
    .replace(/[\\",+;<>=]/g, (character) => `\\${character}`)
    .replace(/^[ #]/, (character) => `\\${character}`)
    .replace(/ $/, '\\ ');
}

/** RFC 4514 string, most specific first: "CN=api.example.com,O=Example,C=FR". */
export function formatDn(attributes: readonly NameAttribute[]): string {
  return [...attributes]
    .reverse()
    .map(
      (attribute) =>
        `${ATTRIBUTE_BY_OID.get(attribute.oid)?.shortName ?? attribute.oid}=${escapeRfc4514(attribute.value)}`,
    )
    .join(',');
}

export function commonNameOf(attributes: readonly NameAttribute[]): string | null {
  for (let i = attributes.length - 1; i >= 0; i--) {
    const attribute = attributes[i] as NameAttribute;
    if (attribute.oid === OID.commonName) return attribute.value;
  }
  return null;
}

const STRING_DECODERS: Record<number, (bytes: Uint8Array) => string> = {
  0x0c: (bytes) => new TextDecoder('utf-8', { fatal: true }).decode(bytes),
  0x13: (bytes) => Buffer.from(bytes).toString('latin1'),
  0x16: (bytes) => Buffer.from(bytes).toString('latin1'),
  0x14: (bytes) => Buffer.from(bytes).toString('latin1'),
  0x1e: (bytes) => {
    if (bytes.length % 2 !== 0) throw new DerDecodeError('odd BMPString length', 0);
    return Buffer.from(bytes).swap16().toString('utf16le');
  },
};

/** Reads a Name's attributes (multi-valued RDNs flattened), validating each. */
export function decodeName(bytes: Uint8Array, name: DerElement): NameAttribute[] {
  if (name.tag !== 0x30) throw new DerDecodeError('Name is not a SEQUENCE', name.start);
  const attributes: NameAttribute[] = [];
  for (const rdn of readChildren(bytes, name)) {
    if (rdn.tag !== 0x31) throw new DerDecodeError('RDN is not a SET', rdn.start);
    for (const typeAndValue of readChildren(bytes, rdn)) {
      const [type, value] = readChildren(bytes, typeAndValue);
      if (!type || !value) throw new DerDecodeError('incomplete AttributeTypeAndValue', typeAndValue.start);
      const decode = STRING_DECODERS[value.tag];
      if (!decode) throw pkiErrors.nameInvalid('subject', `unsupported string type 0x${value.tag.toString(16)}`);
      let text: string;
      try {
        text = decode(contentOf(bytes, value));
      } catch {
        throw pkiErrors.nameInvalid('subject', 'string is not valid in its declared encoding');
      }
      const attribute = { oid: decodeOid(bytes, type), value: text };
      validateAttribute(attribute);
      attributes.push(attribute);
    }
  }
  return attributes;
}

export function decodeNameDer(nameDer: Uint8Array): NameAttribute[] {
  return decodeName(nameDer, readElement(nameDer, 0));
}

// Subject alternative names

export interface SubjectAltName {
  type: SanType;
  /** Normalized: lower-case host names, canonical IP text. */
  value: string;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function validateHostName(raw: string, original: string, allowsWildcard: boolean): string {
  const name = raw.toLowerCase();
  if (name.length > 253) throw pkiErrors.sanInvalid(original, 'host name longer than 253 characters');
  if (!/^[\x21-\x7e]+$/.test(name)) {
    throw pkiErrors.sanInvalid(original, 'host names must be ASCII (use the xn-- form for international names)');
  }
  const labels = name.split('.');
  const [first, ...rest] = labels;
  if (first === '*') {
    if (!allowsWildcard) throw pkiErrors.sanInvalid(original, 'wildcards are not allowed here');
    if (rest.length < 2) throw pkiErrors.sanInvalid(original, 'a wildcard must cover a name with at least two labels');
  } else if (!first || !LABEL.test(first)) {
    throw pkiErrors.sanInvalid(original, 'not a valid host name');
  }
  for (const label of rest) {
    if (!LABEL.test(label)) throw pkiErrors.sanInvalid(original, 'not a valid host name');
  }
  return name;
}

/** RFC 3986 characters only: no spaces, quotes, angle brackets or controls can ride along. */
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
const EMAIL_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

export function parseSan(input: string): SubjectAltName {
  const separator = input.indexOf(':');
  const type = input.slice(0, separator).toLowerCase();
  const value = input.slice(separator + 1);
  if (separator < 0 || value.length === 0)
    throw pkiErrors.sanInvalid(input, 'expected dns:, ip:, email: or uri: and a value');
  if (FORBIDDEN_NAME_CHARACTERS.test(value) || /\s/.test(value)) {
    throw pkiErrors.sanInvalid(input, 'must not contain spaces or control characters');
  }
  switch (type) {
    case 'dns':
      return { type: 'dns', value: validateHostName(value, input, true) };
    case 'ip': {
      if (isIPv4(value)) return { type: 'ip', value: formatIp(encodeIp(value)) };
      if (isIPv6(value) && !value.includes('%')) return { type: 'ip', value: formatIp(encodeIp(value)) };
      throw pkiErrors.sanInvalid(input, 'not an IPv4 or IPv6 address');
    }
    case 'email': {
      const at = value.lastIndexOf('@');
      const local = value.slice(0, at);
      if (at <= 0 || local.length > 64 || !EMAIL_LOCAL.test(local))
        throw pkiErrors.sanInvalid(input, 'not an e-mail address');
      return { type: 'email', value: `${local}@${validateHostName(value.slice(at + 1), input, false)}` };
    }
    case 'uri': {
      if (!URI_CHARACTERS.test(value)) throw pkiErrors.sanInvalid(input, 'URIs may only contain RFC 3986 characters');
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw pkiErrors.sanInvalid(input, 'not an absolute URI');
      }
      if (!/^[a-z][a-z0-9+.-]*:$/.test(url.protocol)) throw pkiErrors.sanInvalid(input, 'not an absolute URI');
      return { type: 'uri', value };
    }
    default:
      throw pkiErrors.sanInvalid(input, 'expected dns:, ip:, email: or uri:');
  }
}

export const formatSan = (san: SubjectAltName): string => `${san.type}:${san.value}`;

function encodeIp(text: string): Buffer {
  if (isIPv4(text)) return Buffer.from(text.split('.').map(Number));
  let head = text;
  let tail = '';
  const doubleColon = text.indexOf('::');
  if (doubleColon >= 0) {
    head = text.slice(0, doubleColon);
    tail = text.slice(doubleColon + 2);
  }
  const toWords = (part: string): number[] => {
    if (part === '') return [];
    const words: number[] = [];
    for (const piece of part.split(':')) {
      if (isIPv4(piece)) {
        const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
        words.push((a << 8) | b, (c << 8) | d);
      } else {
        words.push(parseInt(piece, 16));
      }
    }
    return words;
  };
  const headWords = toWords(head);
  const tailWords = toWords(tail);
  const zeros = doubleColon >= 0 ? 8 - headWords.length - tailWords.length : 0;
  const words = [...headWords, ...new Array<number>(zeros).fill(0), ...tailWords];
  const bytes = Buffer.alloc(16);
  words.forEach((word, index) => bytes.writeUInt16BE(word, index * 2));
  return bytes;
}

function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push((((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16));
  // Compress the longest run of zero words (RFC 5952 §4.2).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === '0') j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return words.join(':');
  return `${words.slice(0, bestStart).join(':')}::${words.slice(bestStart + bestLength).join(':')}`;
}

/** GeneralName (RFC 5280 §4.2.1.6), IMPLICIT tags: rfc822Name [1], dNSName [2], URI [6], iPAddress [7]. */
export function encodeGeneralName(san: SubjectAltName): Buffer {
  switch (san.type) {
    case 'email':
      return der.implicitPrimitive(1, Buffer.from(san.value, 'latin1'));
    case 'dns':
      return der.implicitPrimitive(2, Buffer.from(san.value, 'latin1'));
    case 'uri':
      return der.implicitPrimitive(6, Buffer.from(san.value, 'latin1'));
    case 'ip':
      return der.implicitPrimitive(7, encodeIp(san.value));
  }
}

/** Decodes GeneralNames from a SAN extension value; any other GeneralName form is refused. */
export function decodeGeneralNames(bytes: Uint8Array): SubjectAltName[] {
  const sequence = readElement(bytes, 0);
  if (sequence.tag !== 0x30 || sequence.end !== bytes.length)
    throw new DerDecodeError('GeneralNames is not a SEQUENCE', 0);
  return readChildren(bytes, sequence).map((name) => {
    const content = Buffer.from(contentOf(bytes, name));
    const text = content.toString('latin1');
    switch (name.tag) {
      case 0x81:
        return parseSan(`email:${text}`);
      case 0x82:
        return parseSan(`dns:${text}`);
      case 0x86:
        return parseSan(`uri:${text}`);
      case 0x87:
        if (content.length !== 4 && content.length !== 16)
          throw pkiErrors.sanInvalid('ip', 'iPAddress must be 4 or 16 bytes');
        return { type: 'ip', value: formatIp(content) };
      default:
        throw pkiErrors.sanInvalid(
          `[${name.tag & 0x1f}]`,
          'only dNSName, iPAddress, rfc822Name and URI names are supported',
        );
    }
  });
}

/** Parses, normalizes and de-duplicates a list of "type:value" SANs. */
export function parseSans(inputs: readonly string[]): SubjectAltName[] {
  const seen = new Set<string>();
  const sans: SubjectAltName[] = [];
  for (const input of inputs) {
    const san = parseSan(input);
    const key = formatSan(san);
    if (!seen.has(key)) {
      seen.add(key);
      sans.push(san);
    }
  }
  return sans;
}

/** Whether a common name is a host name or IP that may be promoted to a SAN. */
export function sanFromCommonName(commonName: string): SubjectAltName | null {
  try {
    if (isIPv4(commonName) || isIPv6(commonName)) return parseSan(`ip:${commonName}`);
    if (!commonName.includes('.')) return null;
    return parseSan(`dns:${commonName}`);
  } catch {
    return null;
  }
}
