/**
 * The CA hierarchy most pki tests start from: a root and an issuing CA below it, made
 * through the real CaService of a harness. Every field has a default; a test names only
 * what it depends on (names it looks up, subjects openssl prints, a path length).
 */
import type { CaSummary, CreateIntermediateCaInput, CreateRootCaInput } from '@pki/shared';

import type { PkiHarness } from './pki-harness.js';

export interface CaHierarchyOptions {
  root: Partial<CreateRootCaInput> & { name: string };
  issuing: Partial<Omit<CreateIntermediateCaInput, 'parentId'>> & { name: string };
}

export interface CaHierarchy {
  root: CaSummary;
  issuing: CaSummary;
}

export async function openCaHierarchy(h: PkiHarness, options: CaHierarchyOptions): Promise<CaHierarchy> {
  const root = await h.pki.cas.createRoot(h.ctx, {
    subject: { commonName: options.root.name },
    algorithm: 'ec-p384',
    validityDays: 365,
    ...options.root,
  });
  const issuing = await h.pki.cas.createIntermediate(h.ctx, {
    subject: { commonName: options.issuing.name },
    algorithm: 'rsa-2048',
    validityDays: 300,
    ...options.issuing,
    parentId: root.id,
  });
  return { root, issuing };
}
