/**
 * Turns an issuance decision (issuer, profile, subject, key, SANs, validity) into the
 * TBSCertificate DER. The parts that repeat — the issuer's encoded name and signature
 * algorithm, AKI/CRL DP/AIA per CA, BC/KU/EKU per profile and key type — are encoded once
 * and reused; per certificate only the serial, validity, subject, key, SKI and SAN are.
 */
import type { KeyAlgorithm } from '@pki/shared';

import type { RequestContext } from '../request-context.js';
import { assembleCertificate, encodeTbsCertificate } from './certificate-builder.js';
import type { ParsedCertificate } from './certificate-parser.js';
import { pkiErrors } from './errors.js';
import * as ext from './extensions.js';
import { signTbs, signatureAlgorithmFor } from './kms-signer.js';
import type { PkiKms, SignatureAlgorithm } from './kms-signer.js';
import type { SubjectAltName } from './names.js';
import type { CertificateProfile } from './profiles.js';
import { keyIdentifier } from './public-key.js';
import { randomSerial } from './serial.js';
import type { Serial } from './serial.js';

/** Where relying parties fetch CRLs, OCSP and issuer certificates (PKI_PUBLIC_URL). */
export interface PublicEndpoints {
  crlUrl(caId: string): string;
  ocspUrl: string;
  caIssuersUrl(caId: string): string;
}

export function publicEndpoints(baseUrl: string): PublicEndpoints {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    crlUrl: (caId) => `${base}/crl/${caId}.crl`,
    ocspUrl: `${base}/ocsp`,
    caIssuersUrl: (caId) => `${base}/ca/${caId}.crt`,
  };
}

/** Everything about a CA that its signatures need, computed once per CA. */
export interface IssuerContext {
  caId: string;
  keyId: string;
  keyAlgorithm: KeyAlgorithm;
  signatureAlgorithm: SignatureAlgorithm;
  /** The CA's subject Name exactly as encoded in its certificate. */
  nameDer: Uint8Array;
  keyIdentifier: Uint8Array;
  /** Null while a sub-CA waits for its external signature. */
  notAfter: Date | null;
  /** The CA's own path length constraint. */
  pathLength: number | null;
  /** AKI, CRL distribution point and AIA: identical for everything this CA signs. */
  issuedExtensions: readonly Buffer[];
}

export function issuedExtensionsFor(
  caId: string,
  caKeyIdentifier: Uint8Array,
  endpoints: PublicEndpoints | null,
): Buffer[] {
  const extensions = [ext.authorityKeyIdentifier(caKeyIdentifier)];
  if (endpoints) {
    extensions.push(ext.crlDistributionPoints(endpoints.crlUrl(caId)));
    extensions.push(
      ext.authorityInfoAccess({ ocspUrl: endpoints.ocspUrl, caIssuersUrl: endpoints.caIssuersUrl(caId) }),
    );
  }
  return extensions;
}

export interface CertificatePlan {
  profile: CertificateProfile;
  subjectName: Uint8Array;
  isSubjectEmpty: boolean;
  subjectPublicKeyInfo: Uint8Array;
  keyAlgorithm: KeyAlgorithm;
  sans: readonly SubjectAltName[];
  notBefore: Date;
  notAfter: Date;
  /** For CA profiles: the new CA's path length constraint (null: none). */
  pathLength: number | null;
}

const SKEW_MS = 60_000;
const DAY_MS = 86_400_000;

/** notBefore a minute in the past (clock skew of relying parties), whole seconds. */
export function validityWindow(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  const seconds = Math.floor(now.getTime() / 1000) * 1000;
  return { notBefore: new Date(seconds - SKEW_MS), notAfter: new Date(seconds + days * DAY_MS) };
}

const profileExtensionCache = new Map<string, Buffer[]>();

function profileExtensions(
  profile: CertificateProfile,
  keyAlgorithm: KeyAlgorithm,
  pathLength: number | null,
): Buffer[] {
  const isRsa = keyAlgorithm.startsWith('rsa');
  const cacheKey = `${profile.id}|${profile.displayName}|${isRsa ? 'rsa' : 'ec'}|${pathLength ?? '-'}`;
  const cached = profileExtensionCache.get(cacheKey);
  if (cached) return cached;
  const extensions = [
    ext.basicConstraints(profile.isCa, profile.isCa ? pathLength : null),
    ext.keyUsage(isRsa ? [...profile.keyUsage, ...profile.rsaOnlyKeyUsage] : profile.keyUsage),
  ];
  if (profile.extendedKeyUsage.length > 0) extensions.push(ext.extendedKeyUsage(profile.extendedKeyUsage));
  profileExtensionCache.set(cacheKey, extensions);
  return extensions;
}

/** Refuses what the issuer may not sign: beyond its own validity or its path length. */
export function checkIssuerLimits(
  issuer: IssuerContext,
  plan: Pick<CertificatePlan, 'notAfter' | 'profile' | 'pathLength'>,
): void {
  if (issuer.notAfter && plan.notAfter.getTime() > issuer.notAfter.getTime()) {
    throw pkiErrors.validityExceedsIssuer(plan.notAfter, issuer.notAfter);
  }
  if (plan.profile.isCa && issuer.pathLength !== null) {
    if (issuer.pathLength === 0)
      throw pkiErrors.pathLengthExceeded('the issuing CA has path length 0 and cannot sign another CA');
    if (plan.pathLength === null || plan.pathLength >= issuer.pathLength) {
      throw pkiErrors.pathLengthExceeded(`pathLength must be below the issuing CA's ${issuer.pathLength}`);
    }
  }
}

export function buildTbs(issuer: IssuerContext, plan: CertificatePlan, serial: Uint8Array): Buffer {
  const extensions: Uint8Array[] = [
    ...profileExtensions(plan.profile, plan.keyAlgorithm, plan.pathLength),
    ext.subjectKeyIdentifier(keyIdentifier(plan.subjectPublicKeyInfo)),
    ...issuer.issuedExtensions,
  ];
  if (plan.sans.length > 0) extensions.push(ext.subjectAltName(plan.sans, plan.isSubjectEmpty));
  if (plan.profile.hasOcspNoCheck) extensions.push(ext.ocspNoCheck());
  return encodeTbsCertificate({
    serial,
    signatureAlgorithm: issuer.signatureAlgorithm.algorithmIdentifier,
    issuerName: issuer.nameDer,
    notBefore: plan.notBefore,
    notAfter: plan.notAfter,
    subjectName: plan.subjectName,
    subjectPublicKeyInfo: plan.subjectPublicKeyInfo,
    extensions,
  });
}

/** The context of a CA that already has its certificate. */
export function issuerContextFromCertificate(
  ca: { id: string; keyId: string; keyAlgorithm: KeyAlgorithm; certificate: ParsedCertificate },
  endpoints: PublicEndpoints | null,
): IssuerContext {
  const caKeyIdentifier = ca.certificate.subjectKeyIdentifier ?? keyIdentifier(ca.certificate.subjectPublicKeyInfo);
  return {
    caId: ca.id,
    keyId: ca.keyId,
    keyAlgorithm: ca.keyAlgorithm,
    signatureAlgorithm: signatureAlgorithmFor(ca.keyAlgorithm),
    nameDer: ca.certificate.subjectName,
    keyIdentifier: caKeyIdentifier,
    notAfter: ca.certificate.notAfter,
    pathLength: ca.certificate.pathLength,
    issuedExtensions: issuedExtensionsFor(ca.id, caKeyIdentifier, endpoints),
  };
}

/** The context of a root signing itself: its own name and key, no CRL DP or AIA. */
export function selfIssuerContext(ca: {
  id: string;
  keyId: string;
  keyAlgorithm: KeyAlgorithm;
  subjectName: Uint8Array;
  subjectPublicKeyInfo: Uint8Array;
}): IssuerContext {
  const caKeyIdentifier = keyIdentifier(ca.subjectPublicKeyInfo);
  return {
    caId: ca.id,
    keyId: ca.keyId,
    keyAlgorithm: ca.keyAlgorithm,
    signatureAlgorithm: signatureAlgorithmFor(ca.keyAlgorithm),
    nameDer: ca.subjectName,
    keyIdentifier: caKeyIdentifier,
    notAfter: null,
    pathLength: null,
    issuedExtensions: issuedExtensionsFor(ca.id, caKeyIdentifier, null),
  };
}

export interface SignedCertificate {
  der: Buffer;
  serial: Serial;
}

/** Draws a serial, encodes the TBS and has the issuer's key sign it through the KMS. */
export async function signCertificate(
  kms: Pick<PkiKms, 'sign'>,
  ctx: RequestContext,
  issuer: IssuerContext,
  plan: CertificatePlan,
  serial: Serial = randomSerial(),
): Promise<SignedCertificate> {
  const tbs = buildTbs(issuer, plan, serial.bytes);
  const signature = await signTbs(kms, ctx, issuer.keyId, issuer.signatureAlgorithm, tbs);
  return { der: assembleCertificate(tbs, issuer.signatureAlgorithm.algorithmIdentifier, signature), serial };
}
