/**
 * The plain statement of what revoking or destroying a key stops, from keys.dependents: the
 * person confirming must read what breaks, not a key id.
 */
import type { RouterOutputs } from '../../trpc.js';

export type KeyDependents = RouterOutputs['keys']['dependents'];

export type KeyAction = 'revoke' | 'destroy';

function certificates(count: number): string {
  return count === 1 ? '1 unexpired, unrevoked certificate' : `${count} unexpired, unrevoked certificates`;
}

/** One sentence per consequence, most serious first. */
export function describeKeyImpact(dependents: KeyDependents, action: KeyAction): string[] {
  if (dependents.cas.length === 0) {
    return [
      action === 'destroy'
        ? 'No CA signs with this key. Anything that uses it through the key store stops working, for good.'
        : 'No CA signs with this key. The key store will refuse to sign with it from now on.',
    ];
  }
  return dependents.cas.flatMap((ca) => {
    const lines = [`CA ${ca.name} can no longer sign: no new certificates, no CRL, no OCSP.`];
    if (ca.liveCertificateCount > 0) {
      lines.push(
        `Its ${certificates(ca.liveCertificateCount)} can no longer be revoked, and relying parties will see its last CRL go stale.`,
      );
    }
    if (action === 'destroy') lines.push('This cannot be undone: the key cannot be recovered.');
    return lines;
  });
}

/** Live certificates below the key's CAs: the server refuses unless forced with a reason. */
export function liveCertificatesOf(dependents: KeyDependents | undefined): number {
  return dependents?.cas.reduce((total, ca) => total + ca.liveCertificateCount, 0) ?? 0;
}
