/**
 * Reads the fields of an X.509 certificate the CA needs (RFC 5280 §4.1), over the strict
 * DER reader: raw issuer/subject Names (reused byte for byte as the issuer of what a CA
 * signs, §4.1.2.4), validity, SPKI, basic constraints and key identifiers. Used for our
 * own CA certificates and for sub-CA certificates signed by an external root.
 */
import {
  DerDecodeError,
  contentOf,
  decodeBitString,
  decodeBoolean,
  decodeOid,
  decodeSmallInteger,
  decodeUnsignedInteger,
  encodingOf,
  expectTag,
  readChildren,
  readElement,
  readRoot,
} from './asn1/der-reader.js';
import type { DerElement } from './asn1/der-reader.js';
import { OID } from './asn1/oids.js';
import { pkiErrors } from './errors.js';
import { fromPemAll } from './pem.js';

export interface ParsedCertificate {
  der: Uint8Array;
  tbs: Uint8Array;
  /** Lower-case hex of the serial's magnitude in whole bytes: the form `normalizeSerialHex` gives. */
  serialHex: string;
  signatureAlgorithmOid: string;
  signature: Uint8Array;
  issuerName: Uint8Array;
  subjectName: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  subjectPublicKeyInfo: Uint8Array;
  isCa: boolean;
  pathLength: number | null;
  subjectKeyIdentifier: Uint8Array | null;
}

function decodeTime(bytes: Uint8Array, element: DerElement): Date {
  const text = Buffer.from(contentOf(bytes, element)).toString('latin1');
  const match =
    element.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : element.tag === 0x18
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
        : null;
  if (!match) throw new DerDecodeError('bad Time', element.start);
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const year = element.tag === 0x17 ? (y >= 50 ? 1900 + y : 2000 + y) : y;
  return new Date(Date.UTC(year, mo - 1, d, h, mi, s));
}

export function parseCertificateDer(der: Uint8Array): ParsedCertificate {
  try {
    const root = expectTag(readRoot(der), 0x30, 'Certificate');
    const [tbs, signatureAlgorithm, signatureValue] = readChildren(der, root);
    const tbsElement = expectTag(tbs, 0x30, 'tbsCertificate');
    const algorithmParts = readChildren(der, expectTag(signatureAlgorithm, 0x30, 'signatureAlgorithm'));
    const fields = readChildren(der, tbsElement);
    let index = 0;
    if (fields[0]?.tag === 0xa0) index = 1;
    const serial = expectTag(fields[index], 0x02, 'serialNumber');
    const issuer = expectTag(fields[index + 2], 0x30, 'issuer');
    const validity = readChildren(der, expectTag(fields[index + 3], 0x30, 'validity'));
    const subject = expectTag(fields[index + 4], 0x30, 'subject');
    const spki = expectTag(fields[index + 5], 0x30, 'subjectPublicKeyInfo');
    let isCa = false;
    let pathLength: number | null = null;
    let subjectKeyIdentifier: Uint8Array | null = null;
    const extensionsWrapper = fields.slice(index + 6).find((field) => field.tag === 0xa3);
    if (extensionsWrapper) {
      const [extensions] = readChildren(der, extensionsWrapper);
      for (const extension of readChildren(der, expectTag(extensions, 0x30, 'Extensions'))) {
        const parts = readChildren(der, extension);
        const id = decodeOid(der, expectTag(parts[0], 0x06, 'extnID'));
        if (parts.length === 3) decodeBoolean(der, expectTag(parts[1], 0x01, 'critical'));
        const value = contentOf(der, expectTag(parts[parts.length - 1], 0x04, 'extnValue'));
        if (id === OID.basicConstraints) {
          const constraints = readChildren(value, readElement(value, 0));
          for (const constraint of constraints) {
            if (constraint.tag === 0x01) isCa = decodeBoolean(value, constraint);
            if (constraint.tag === 0x02) pathLength = decodeSmallInteger(value, constraint);
          }
        } else if (id === OID.subjectKeyIdentifier) {
          subjectKeyIdentifier = contentOf(value, expectTag(readElement(value, 0), 0x04, 'keyIdentifier'));
        }
      }
    }
    return {
      der,
      tbs: encodingOf(der, tbsElement),
      // Whole bytes, as serial.ts stores them: trimming a zero nibble would give an odd-length
      // hex that no longer matches the stored row and that Buffer.from(hex, 'hex') truncates.
      serialHex: Buffer.from(decodeUnsignedInteger(der, serial)).toString('hex'),
      signatureAlgorithmOid: decodeOid(der, expectTag(algorithmParts[0], 0x06, 'algorithm')),
      signature: decodeBitString(der, expectTag(signatureValue, 0x03, 'signatureValue')).bits,
      issuerName: encodingOf(der, issuer),
      subjectName: encodingOf(der, subject),
      notBefore: decodeTime(der, validity[0] as DerElement),
      notAfter: decodeTime(der, validity[1] as DerElement),
      subjectPublicKeyInfo: encodingOf(der, spki),
      isCa,
      pathLength,
      subjectKeyIdentifier,
    };
  } catch (error) {
    if (error instanceof DerDecodeError || error instanceof TypeError)
      throw pkiErrors.certificateMalformed(error.message, { cause: error });
    throw error;
  }
}

/** The certificates of a PEM text, in order. */
export function parseCertificatesPem(text: string): ParsedCertificate[] {
  let blocks: Uint8Array[];
  try {
    blocks = fromPemAll(text, ['CERTIFICATE']);
  } catch (error) {
    throw pkiErrors.certificateMalformed('PEM body is not base64', { cause: error });
  }
  return blocks.map(parseCertificateDer);
}
