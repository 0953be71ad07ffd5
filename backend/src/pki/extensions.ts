/**
 * X.509 v3 extensions (RFC 5280 §4.2), each returned as a complete Extension DER:
 *   Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER,
 *                            critical BOOLEAN DEFAULT FALSE,
 *                            extnValue OCTET STRING }
 * DER omits `critical` when false (X.690 §11.5).
 */
import * as der from './asn1/der-writer.js';
import { OID } from './asn1/oids.js';
import { encodeGeneralName } from './names.js';
import type { SubjectAltName } from './names.js';
import { KEY_USAGE_BITS } from './profiles.js';
import type { ExtendedKeyUsage, KeyUsage } from './profiles.js';

export function extension(oid: string, isCritical: boolean, value: Uint8Array): Buffer {
  return isCritical
    ? der.sequence(der.oid(oid), der.boolean(true), der.octetString(value))
    : der.sequence(der.oid(oid), der.octetString(value));
}

/** §4.2.1.9: critical on CAs; pathLenConstraint only on CAs. */
export function basicConstraints(isCa: boolean, pathLength: number | null = null): Buffer {
  if (!isCa) return extension(OID.basicConstraints, true, der.sequence());
  const parts = [der.boolean(true)];
  if (pathLength !== null) parts.push(der.smallInteger(pathLength));
  return extension(OID.basicConstraints, true, der.sequence(...parts));
}

/** §4.2.1.3: always critical here. */
export function keyUsage(usages: readonly KeyUsage[]): Buffer {
  return extension(OID.keyUsage, true, der.namedBits(usages.map((usage) => KEY_USAGE_BITS[usage])));
}

const EKU_OIDS: Record<ExtendedKeyUsage, string> = {
  serverAuth: OID.serverAuth,
  clientAuth: OID.clientAuth,
  codeSigning: OID.codeSigning,
  emailProtection: OID.emailProtection,
  ocspSigning: OID.ocspSigning,
};

export function extendedKeyUsage(usages: readonly ExtendedKeyUsage[]): Buffer {
  return extension(OID.extKeyUsage, false, der.sequence(...usages.map((usage) => der.oid(EKU_OIDS[usage]))));
}

export function subjectKeyIdentifier(keyId: Uint8Array): Buffer {
  return extension(OID.subjectKeyIdentifier, false, der.octetString(keyId));
}

/** §4.2.1.1: keyIdentifier [0] only. */
export function authorityKeyIdentifier(keyId: Uint8Array): Buffer {
  return extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicitPrimitive(0, keyId)));
}

/** §4.2.1.6: critical when the subject is empty. */
export function subjectAltName(sans: readonly SubjectAltName[], isSubjectEmpty: boolean): Buffer {
  return extension(OID.subjectAltName, isSubjectEmpty, der.sequence(...sans.map(encodeGeneralName)));
}

/** §4.2.1.13: one DistributionPoint with a fullName URI. */
export function crlDistributionPoints(url: string): Buffer {
  const fullName = der.implicitConstructed(0, der.implicitPrimitive(6, Buffer.from(url, 'latin1')));
  const distributionPoint = der.explicit(0, fullName);
  return extension(OID.cRLDistributionPoints, false, der.sequence(der.sequence(distributionPoint)));
}

/** §4.2.2.1: OCSP and caIssuers access descriptions. */
export function authorityInfoAccess(access: { ocspUrl?: string; caIssuersUrl?: string }): Buffer {
  const descriptions: Buffer[] = [];
  if (access.ocspUrl) {
    descriptions.push(
      der.sequence(der.oid(OID.accessOcsp), der.implicitPrimitive(6, Buffer.from(access.ocspUrl, 'latin1'))),
    );
  }
  if (access.caIssuersUrl) {
    descriptions.push(
      der.sequence(der.oid(OID.accessCaIssuers), der.implicitPrimitive(6, Buffer.from(access.caIssuersUrl, 'latin1'))),
    );
  }
  return extension(OID.authorityInfoAccess, false, der.sequence(...descriptions));
}

/** RFC 6960 §4.2.2.2.1: id-pkix-ocsp-nocheck, value NULL. */
export function ocspNoCheck(): Buffer {
  return extension(OID.ocspNoCheck, false, der.NULL);
}
