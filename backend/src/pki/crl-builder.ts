/**
 * Certificate revocation lists (RFC 5280 §5), assembled from pre-encoded parts like
 * certificates are, so a CRL of 100,000 entries costs one pass of small encodings:
 *
 *   CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertList ::= SEQUENCE {
 *     version Version (v2 = 1), signature AlgorithmIdentifier, issuer Name,
 *     thisUpdate Time, nextUpdate Time,
 *     revokedCertificates SEQUENCE OF SEQUENCE {
 *       userCertificate CertificateSerialNumber, revocationDate Time,
 *       crlEntryExtensions Extensions OPTIONAL } OPTIONAL,
 *     crlExtensions [0] EXPLICIT Extensions }
 *
 * Extensions: authority key identifier (§5.2.1) and CRL number (§5.2.3); per entry the
 * reason code (§5.3.1), left out for `unspecified` as the RFC recommends. The list is
 * absent, not empty, when nothing is revoked (§5.1.2.6).
 */
import { REVOCATION_REASON_CODES } from '@pki/shared';
import type { RevocationReason } from '@pki/shared';

import * as der from './asn1/der-writer.js';
import { OID } from './asn1/oids.js';
import { authorityKeyIdentifier, extension } from './extensions.js';

export interface CrlEntry {
  serialHex: string;
  revokedAt: Date;
  reason: RevocationReason | null;
}

export interface TbsCertListParts {
  signatureAlgorithm: Uint8Array;
  issuerName: Uint8Array;
  issuerKeyIdentifier: Uint8Array;
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: Iterable<CrlEntry>;
}

const VERSION_2 = der.smallInteger(1);

const reasonExtensions = new Map<RevocationReason, Buffer>();
function reasonExtensionsFor(reason: RevocationReason): Buffer {
  let encoded = reasonExtensions.get(reason);
  if (!encoded) {
    encoded = der.sequence(extension(OID.crlReason, false, der.enumerated(REVOCATION_REASON_CODES[reason])));
    reasonExtensions.set(reason, encoded);
  }
  return encoded;
}

export function encodeCrlEntry(entry: CrlEntry): Buffer {
  const serial = der.unsignedInteger(Buffer.from(entry.serialHex, 'hex'));
  const date = der.time(entry.revokedAt);
  return entry.reason && entry.reason !== 'unspecified'
    ? der.sequence(serial, date, reasonExtensionsFor(entry.reason))
    : der.sequence(serial, date);
}

export function encodeTbsCertList(parts: TbsCertListParts): { tbs: Buffer; entryCount: number } {
  const entries: Buffer[] = [];
  for (const entry of parts.entries) entries.push(encodeCrlEntry(entry));
  const fields: Uint8Array[] = [
    VERSION_2,
    parts.signatureAlgorithm,
    parts.issuerName,
    der.time(parts.thisUpdate),
    der.time(parts.nextUpdate),
  ];
  if (entries.length > 0) fields.push(der.sequenceOf(entries));
  fields.push(
    der.explicit(
      0,
      der.sequence(
        authorityKeyIdentifier(parts.issuerKeyIdentifier),
        extension(OID.crlNumber, false, der.smallInteger(parts.crlNumber)),
      ),
    ),
  );
  return { tbs: der.sequence(...fields), entryCount: entries.length };
}

export function assembleCrl(tbs: Uint8Array, signatureAlgorithm: Uint8Array, signature: Uint8Array): Buffer {
  return der.sequence(tbs, signatureAlgorithm, der.bitString(signature));
}
