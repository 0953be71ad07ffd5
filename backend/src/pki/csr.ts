/**
 * PKCS#10 certification requests (RFC 2986): decode PEM, base64 or DER, verify the
 * proof-of-possession signature with node:crypto, apply the key policy and extract the
 * subject and requested SANs. Nothing else from a CSR is trusted: the profile decides
 * what of it reaches the certificate (see issuance-service.ts).
 *
 *   CertificationRequest ::= SEQUENCE {
 *     certificationRequestInfo CertificationRequestInfo,
 *     signatureAlgorithm AlgorithmIdentifier,
 *     signature BIT STRING }
 *   CertificationRequestInfo ::= SEQUENCE {
 *     version INTEGER { v1(0) }, subject Name,
 *     subjectPKInfo SubjectPublicKeyInfo, attributes [0] IMPLICIT Attributes }
 */
import { createHash, verify } from 'node:crypto';

import type { KeyAlgorithm } from '@pki/shared';

import {
  DerDecodeError,
  decodeBitString,
  decodeBoolean,
  decodeOid,
  decodeSmallInteger,
  encodingOf,
  contentOf,
  expectTag,
  readChildren,
  readRoot,
} from './asn1/der-reader.js';
import { OID } from './asn1/oids.js';
import { pkiErrors } from './errors.js';
import { decodeGeneralNames, decodeName } from './names.js';
import type { NameAttribute, SubjectAltName } from './names.js';
import { fromPemAll } from './pem.js';
import { classifyPublicKey } from './public-key.js';
import type { ClassifiedPublicKey } from './public-key.js';

/** Requests larger than this are refused before any parsing. */
export const MAX_CSR_BYTES = 64 * 1024;

export interface ParsedCsr {
  der: Uint8Array;
  subject: NameAttribute[];
  subjectPublicKeyInfo: Uint8Array;
  publicKey: ClassifiedPublicKey;
  keyAlgorithm: KeyAlgorithm;
  /** From the extensionRequest attribute's SAN extension, if any. */
  sans: SubjectAltName[];
  /** SHA-256 of the DER, hex, for audit rows. */
  fingerprint: string;
}

const SIGNATURE_HASHES: Record<string, { hash: string; keyType: 'rsa' | 'ec' }> = {
  [OID.sha256WithRSAEncryption]: { hash: 'sha256', keyType: 'rsa' },
  [OID.sha384WithRSAEncryption]: { hash: 'sha384', keyType: 'rsa' },
  [OID.sha512WithRSAEncryption]: { hash: 'sha512', keyType: 'rsa' },
  [OID.ecdsaWithSha256]: { hash: 'sha256', keyType: 'ec' },
  [OID.ecdsaWithSha384]: { hash: 'sha384', keyType: 'ec' },
  [OID.ecdsaWithSha512]: { hash: 'sha512', keyType: 'ec' },
};

/** PEM text, base64 DER, or DER bytes. */
export function decodeCsrInput(input: string | Uint8Array): Uint8Array {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
  if (size > MAX_CSR_BYTES) throw pkiErrors.csrTooLarge(size, MAX_CSR_BYTES);
  const looksLikePem = (text: string) => text.includes('-----BEGIN');
  let text: string | undefined;
  if (typeof input === 'string') text = input;
  else if (input[0] !== 0x30) text = Buffer.from(input).toString('latin1');
  if (text === undefined) return input as Uint8Array;
  if (looksLikePem(text)) {
    let blocks: Uint8Array[];
    try {
      blocks = fromPemAll(text, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
    } catch {
      throw pkiErrors.csrMalformed('PEM body is not base64');
    }
    const [first] = blocks;
    if (!first) throw pkiErrors.csrMalformed('no "CERTIFICATE REQUEST" PEM block');
    return first;
  }
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw pkiErrors.csrMalformed('expected PEM, base64 DER or DER bytes');
  }
  return Buffer.from(compact, 'base64');
}

export function parseCsr(input: string | Uint8Array): ParsedCsr {
  const der = decodeCsrInput(input);
  try {
    return parseCsrDer(der);
  } catch (error) {
    if (error instanceof DerDecodeError) throw pkiErrors.csrMalformed(error.message, { cause: error });
    throw error;
  }
}

function parseCsrDer(der: Uint8Array): ParsedCsr {
  const root = expectTag(readRoot(der), 0x30, 'CertificationRequest');
  const [info, signatureAlgorithm, signature, extra] = readChildren(der, root);
  if (extra) throw new DerDecodeError('unexpected element after the signature', extra.start);
  expectTag(info, 0x30, 'CertificationRequestInfo');
  expectTag(signatureAlgorithm, 0x30, 'signatureAlgorithm');
  expectTag(signature, 0x03, 'signature');
  const requestInfo = info as NonNullable<typeof info>;

  const [version, subjectName, spki, attributes] = readChildren(der, requestInfo);
  if (decodeSmallInteger(der, expectTag(version, 0x02, 'version')) !== 0)
    throw pkiErrors.csrMalformed('version must be v1 (0)');
  expectTag(subjectName, 0x30, 'subject');
  expectTag(spki, 0x30, 'subjectPKInfo');
  const spkiDer = encodingOf(der, spki as NonNullable<typeof spki>);

  const [algorithmOid] = readChildren(der, signatureAlgorithm as NonNullable<typeof signatureAlgorithm>);
  const algorithm = decodeOid(der, expectTag(algorithmOid, 0x06, 'signature algorithm'));
  const signatureSpec = SIGNATURE_HASHES[algorithm];
  if (!signatureSpec) {
    const weak = algorithm === OID.sha1WithRSAEncryption || algorithm === OID.ecdsaWithSha1;
    throw pkiErrors.csrUnsupportedAlgorithm(weak ? 'SHA-1 signature' : `signature algorithm ${algorithm}`);
  }

  const publicKey = classifyPublicKey(spkiDer);
  if ((publicKey.algorithm.startsWith('rsa') ? 'rsa' : 'ec') !== signatureSpec.keyType) {
    throw pkiErrors.csrMalformed('signature algorithm does not match the key type');
  }
  const { bits, unusedBits } = decodeBitString(der, signature as NonNullable<typeof signature>);
  if (unusedBits !== 0) throw pkiErrors.csrMalformed('signature has unused bits');
  const isValid = verify(signatureSpec.hash, encodingOf(der, requestInfo), publicKey.keyObject, bits);
  if (!isValid) throw pkiErrors.csrBadSignature();

  return {
    der,
    subject: decodeName(der, subjectName as NonNullable<typeof subjectName>),
    subjectPublicKeyInfo: spkiDer,
    publicKey,
    keyAlgorithm: publicKey.algorithm,
    sans: attributes ? readRequestedSans(der, expectTag(attributes, 0xa0, 'attributes')) : [],
    fingerprint: createHash('sha256').update(der).digest('hex'),
  };
}

function readRequestedSans(der: Uint8Array, attributes: ReturnType<typeof readRoot>): SubjectAltName[] {
  for (const attribute of readChildren(der, attributes)) {
    const [type, values] = readChildren(der, expectTag(attribute, 0x30, 'Attribute'));
    if (decodeOid(der, expectTag(type, 0x06, 'attribute type')) !== OID.extensionRequest) continue;
    const [extensions] = readChildren(der, expectTag(values, 0x31, 'attribute values'));
    for (const extension of readChildren(der, expectTag(extensions, 0x30, 'Extensions'))) {
      const parts = readChildren(der, expectTag(extension, 0x30, 'Extension'));
      const extnId = decodeOid(der, expectTag(parts[0], 0x06, 'extnID'));
      const hasCritical = parts.length === 3;
      if (hasCritical) decodeBoolean(der, expectTag(parts[1], 0x01, 'critical'));
      const value = expectTag(parts[hasCritical ? 2 : 1], 0x04, 'extnValue');
      if (extnId === OID.subjectAltName) return decodeGeneralNames(contentOf(der, value));
    }
  }
  return [];
}
