/**
 * Applies a profile to a request: which subject and SANs reach the certificate, whether
 * the key is acceptable, how long it lives. Pure (no I/O), so every refusal is decided
 * before anything is signed or written.
 */
import { isIP } from 'node:net';

import type { KeyAlgorithm, Subject } from '@pki/shared';

import type { CertificatePlan } from './certificate-template.js';
import { validityWindow } from './certificate-template.js';
import { pkiErrors } from './errors.js';
import { OID } from './asn1/oids.js';
import {
  commonNameOf,
  encodeName,
  formatSan,
  parseSan,
  parseSans,
  sanFromCommonName,
  subjectToAttributes,
} from './names.js';
import type { NameAttribute, SubjectAltName } from './names.js';
import { resolveValidityDays } from './profiles.js';
import type { CertificateProfile } from './profiles.js';

export interface PolicyRequest {
  profile: CertificateProfile;
  keyAlgorithm: KeyAlgorithm;
  subjectPublicKeyInfo: Uint8Array;
  /** What the CSR asked for, if the request came with one. */
  csr?: { subject: readonly NameAttribute[]; sans: readonly SubjectAltName[] };
  /** Explicit subject from the caller; wins over the CSR's. */
  subject?: Subject;
  /** Explicit SANs from the caller; win over the CSR's. */
  sans?: readonly string[];
  validityDays?: number;
  pathLength?: number | null;
  now: Date;
}

export interface PolicyDecision extends CertificatePlan {
  subjectAttributes: NameAttribute[];
}

function selectSubject(request: PolicyRequest): NameAttribute[] {
  if (request.subject) return subjectToAttributes(request.subject);
  const fromCsr = request.csr?.subject ?? [];
  if (request.profile.csrSubject === 'all') return [...fromCsr];
  const commonName = commonNameOf(fromCsr);
  return commonName === null ? [] : [{ oid: OID.commonName, value: commonName }];
}

function selectSans(request: PolicyRequest, subject: readonly NameAttribute[]): SubjectAltName[] {
  const { profile } = request;
  // Counted before parsing or de-duplicating, so a CSR with thousands of names costs no more work.
  const askedCount = request.sans?.length ?? request.csr?.sans.length ?? 0;
  if (askedCount > profile.maxSans) throw pkiErrors.sanLimitExceeded(askedCount, profile.maxSans, profile.id);
  let sans: SubjectAltName[] = request.sans ? parseSans(request.sans) : [...(request.csr?.sans ?? [])];
  if (sans.length === 0 && profile.doesPromoteCommonNameToSan) {
    const commonName = commonNameOf(subject);
    const promoted = commonName === null ? null : sanFromCommonName(commonName);
    if (promoted) sans = [promoted];
  }
  for (const san of sans) {
    if (!profile.allowedSanTypes.includes(san.type)) throw pkiErrors.sanNotAllowed(san.type, profile.id);
  }
  if (profile.requiredSanTypes.length > 0 && !sans.some((san) => profile.requiredSanTypes.includes(san.type))) {
    throw pkiErrors.sanRequired(profile.requiredSanTypes, profile.id);
  }
  if (profile.isCommonNameFromSans) requireCommonNameAmongSans(profile, commonNameOf(subject), sans);
  return sans;
}

function requireCommonNameAmongSans(
  profile: CertificateProfile,
  commonName: string | null,
  sans: readonly SubjectAltName[],
): void {
  if (commonName === null) return;
  let asSan: string;
  try {
    asSan = formatSan(parseSan(isIP(commonName) === 0 ? `dns:${commonName}` : `ip:${commonName}`));
  } catch {
    throw pkiErrors.commonNameNotInSans(profile.id);
  }
  if (!sans.some((san) => formatSan(san) === asSan)) throw pkiErrors.commonNameNotInSans(profile.id);
}

export function applyProfile(request: PolicyRequest): PolicyDecision {
  const { profile } = request;
  if (!profile.allowedKeyAlgorithms.includes(request.keyAlgorithm)) {
    throw pkiErrors.keyAlgorithmNotAllowed(request.keyAlgorithm, profile.id);
  }
  const days = resolveValidityDays(profile, request.validityDays);
  const subjectAttributes = selectSubject(request);
  const sans = selectSans(request, subjectAttributes);
  if (subjectAttributes.length === 0 && sans.length === 0) {
    throw pkiErrors.nameInvalid('subject', 'a subject or at least one subject alternative name is required');
  }
  if (profile.isCa && commonNameOf(subjectAttributes) === null) {
    throw pkiErrors.nameInvalid('subject.CN', 'a CA needs a common name');
  }
  if (!profile.isCa && request.pathLength !== undefined && request.pathLength !== null) {
    throw pkiErrors.pathLengthExceeded(`pathLength only applies to CA profiles, not ${profile.id}`);
  }
  return {
    profile,
    subjectAttributes,
    subjectName: encodeName(subjectAttributes),
    isSubjectEmpty: subjectAttributes.length === 0,
    subjectPublicKeyInfo: request.subjectPublicKeyInfo,
    keyAlgorithm: request.keyAlgorithm,
    sans,
    ...validityWindow(request.now, days),
    pathLength: profile.isCa ? (request.pathLength ?? null) : null,
  };
}
