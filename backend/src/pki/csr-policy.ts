/**
 * The profile's decision for a CSR with the caller's overrides: the one function issueFromCsr
 * and the wizard's CSR preview both call, so a preview refuses exactly what issuance refuses.
 */
import type { IssueFromCsrInput } from '@pki/shared';

import type { ParsedCsr } from './csr.js';
import { applyProfile } from './profile-policy.js';
import type { PolicyDecision } from './profile-policy.js';
import { getProfile } from './profiles.js';

export type CsrRequestOptions = Pick<IssueFromCsrInput, 'profile' | 'subject' | 'sans' | 'validityDays' | 'pathLength'>;

export function decideForCsr(input: CsrRequestOptions, csr: ParsedCsr, now: Date): PolicyDecision {
  return applyProfile({
    profile: getProfile(input.profile),
    keyAlgorithm: csr.keyAlgorithm,
    subjectPublicKeyInfo: csr.subjectPublicKeyInfo,
    csr,
    ...(input.subject ? { subject: input.subject } : {}),
    ...(input.sans ? { sans: input.sans } : {}),
    ...(input.validityDays !== undefined ? { validityDays: input.validityDays } : {}),
    ...(input.pathLength !== undefined ? { pathLength: input.pathLength } : {}),
    now,
  });
}
