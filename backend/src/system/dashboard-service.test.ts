import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DashboardRepository } from '../db/dashboard-repository.js';
import { openCaHierarchy } from '../../test/harness/ca-hierarchy.js';
import type { CaHierarchy } from '../../test/harness/ca-hierarchy.js';
import { openPkiHarness } from '../../test/harness/pki-harness.js';
import type { PkiHarness } from '../../test/harness/pki-harness.js';
import { DashboardService } from './dashboard-service.js';

const DAY_MS = 86_400_000;
let h: PkiHarness;
let hierarchy: CaHierarchy;

async function issue(validityDays: number, name: string) {
  const { certificate } = await h.pki.certificates.issueWithServerKey(h.ctx, {
    caId: hierarchy.issuing.id,
    profile: 'tls-server',
    algorithm: 'ec-p256',
    subject: { commonName: name },
    sans: [`dns:${name}`],
    validityDays,
  });
  return certificate;
}

beforeEach(async () => {
  h = await openPkiHarness();
  hierarchy = await openCaHierarchy(h, { root: { name: 'Dashboard Root' }, issuing: { name: 'Dashboard Issuing' } });
});

afterEach(async () => {
  await h.cleanup();
});

describe('DashboardService', () => {
  it('counts certificates, CAs and keys by state and buckets expiries by week', async () => {
    await issue(10, 'ten.example.test');
    await issue(20, 'twenty.example.test');
    await issue(60, 'sixty.example.test');
    await issue(200, 'later.example.test');
    const revoked = await issue(5, 'revoked.example.test');
    await h.pki.certificates.revoke(h.ctx, { id: revoked.id, reason: 'superseded' });

    const now = new Date();
    const summary = new DashboardService({
      repository: new DashboardRepository(h.temp.database),
      now: () => now,
    }).summary();

    // The issuing CA's own certificate (300 days) is a live certificate too.
    expect(summary.certificates).toEqual({ active: 5, expiringSoon: 2, revoked: 1, expired: 0 });
    expect(summary.cas).toEqual([
      { state: 'active', count: 2 },
      { state: 'pending', count: 0 },
      { state: 'revoked', count: 0 },
    ]);
    // Two CA keys and five certificate keys, none retired.
    expect(summary.keys.find((row) => row.state === 'active')?.count).toBe(7);

    expect(summary.expiryHistogram).toHaveLength(13);
    expect(summary.expiryHistogram[0]?.start).toBe(now.toISOString());
    expect(summary.expiryHistogram.at(-1)?.end).toBe(new Date(now.getTime() + 90 * DAY_MS).toISOString());
    const counted = summary.expiryHistogram.map((bucket) => bucket.count);
    // 10 days → week 1, 20 days → week 2, 60 days → week 8; 200 days is beyond the chart.
    expect(counted).toEqual([0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
  });

  it('counts an active row past its notAfter as expired, not active', async () => {
    await issue(10, 'soon-expired.example.test');
    const later = new Date(Date.now() + 11 * DAY_MS);
    const summary = new DashboardService({
      repository: new DashboardRepository(h.temp.database),
      now: () => later,
    }).summary();
    // Still active: the issuing CA's own certificate.
    expect(summary.certificates).toEqual({ active: 1, expiringSoon: 0, revoked: 0, expired: 1 });
  });
});

describe('CaRevocationImpactService', () => {
  it('counts the live certificates and sub-CAs below a CA', async () => {
    await issue(30, 'one.example.test');
    await issue(30, 'two.example.test');
    const third = await issue(30, 'three.example.test');
    await h.pki.certificates.revoke(h.ctx, { id: third.id, reason: 'superseded' });

    expect(h.pki.casRevocationImpact.impact(hierarchy.root.id)).toEqual({
      caId: hierarchy.root.id,
      // The two leaves and the issuing CA's own certificate.
      liveCertificates: 3,
      subordinateCas: 1,
    });
    expect(h.pki.casRevocationImpact.impact(hierarchy.issuing.id)).toEqual({
      caId: hierarchy.issuing.id,
      liveCertificates: 2,
      subordinateCas: 0,
    });
    expect(() => h.pki.casRevocationImpact.impact('no-such-ca')).toThrow(/no CA/);
  });
});
