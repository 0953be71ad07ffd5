/**
 * X.509 v3 certificates (RFC 5280 §4.1) assembled from pre-encoded DER parts:
 *
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertificate ::= SEQUENCE {
 *     version [0] EXPLICIT Version (v3 = 2), serialNumber, signature AlgorithmIdentifier,
 *     issuer Name, validity Validity, subject Name, subjectPublicKeyInfo,
 *     extensions [3] EXPLICIT Extensions }
 *
 * The issuer's name, its signature algorithm and the extensions that do not vary per
 * certificate are encoded once per CA by the caller (the IssuerContext that
 * ca-directory.ts keeps, built in certificate-template.ts); only serial, validity,
 * subject, key and per-certificate extensions are encoded here.
 * The signature is computed elsewhere (the KMS seam) and attached with `assembleCertificate`.
 */
import * as der from './asn1/der-writer.js';

const VERSION_3 = der.explicit(0, der.smallInteger(2));

export interface TbsCertificateParts {
  /** Unsigned big-endian magnitude. */
  serial: Uint8Array;
  /** AlgorithmIdentifier DER of the issuer's signature. */
  signatureAlgorithm: Uint8Array;
  issuerName: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  subjectName: Uint8Array;
  subjectPublicKeyInfo: Uint8Array;
  /** Complete Extension encodings, in order. */
  extensions: readonly Uint8Array[];
}

export function encodeTbsCertificate(parts: TbsCertificateParts): Buffer {
  return der.sequence(
    VERSION_3,
    der.unsignedInteger(parts.serial),
    parts.signatureAlgorithm,
    parts.issuerName,
    der.sequence(der.time(parts.notBefore), der.time(parts.notAfter)),
    parts.subjectName,
    parts.subjectPublicKeyInfo,
    der.explicit(3, der.sequence(...parts.extensions)),
  );
}

export function assembleCertificate(tbs: Uint8Array, signatureAlgorithm: Uint8Array, signature: Uint8Array): Buffer {
  return der.sequence(tbs, signatureAlgorithm, der.bitString(signature));
}
