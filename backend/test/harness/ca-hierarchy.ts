/**
 * The CA hierarchy most pki tests start from: a root and an issuing CA below it, made
 * through the real CaService of a harness or through a tRPC caller (tests over HTTP, the
 * benches). Every field has a default; a test names only what it depends on (names it
 * looks up, subjects openssl prints, a path length).
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

/** What creates CAs: the `cas` procedures of a caller, or a harness's CaService bound to its context. */
export interface CaCreator {
  createRoot(input: CreateRootCaInput): Promise<CaSummary>;
  createIntermediate(input: CreateIntermediateCaInput): Promise<CaSummary>;
}

export function openCaHierarchy(h: PkiHarness, options: CaHierarchyOptions): Promise<CaHierarchy> {
  return createCaHierarchy(
    {
      createRoot: (input) => h.pki.cas.createRoot(h.ctx, input),
      createIntermediate: (input) => h.pki.cas.createIntermediate(h.ctx, input),
    },
    options,
  );
}

/** A root CA alone, for tests that issue straight from it: its name is its common name unless given. */
export function createRootCa(
  cas: Pick<CaCreator, 'createRoot'>,
  options: CaHierarchyOptions['root'],
): Promise<CaSummary> {
  return cas.createRoot({ subject: { commonName: options.name }, algorithm: 'ec-p384', validityDays: 365, ...options });
}

export async function createCaHierarchy(cas: CaCreator, options: CaHierarchyOptions): Promise<CaHierarchy> {
  const root = await createRootCa(cas, options.root);
  const issuing = await cas.createIntermediate({
    subject: { commonName: options.issuing.name },
    algorithm: 'rsa-2048',
    validityDays: 300,
    ...options.issuing,
    parentId: root.id,
  });
  return { root, issuing };
}
