/**
 * Issue 15: a revocation is done once committed, and its CRL follows. While the key store
 * refuses to sign, `certificates.revoke` still succeeds and says when the CRL is retried;
 * the publisher keeps trying until the CRL lists the serial, and after a restart
 * (`resumePending`) too. Repeating a revocation with the same reason is idempotent.
 */
import { AuditEvidence } from '../audit/custody.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { crlSerials } from '../../test/reliability/crl-serials.js';
import { KmsUnavailable } from '../kms/kmip/errors.js';
import type { KeyStore } from '../kms/key-store.js';
import { createPkiServices } from './index.js';
import { openPkiRepositories } from '../db/pki-repositories.js';
import { openCaHierarchy } from '../../test/harness/ca-hierarchy.js';
import { openPkiHarness } from '../../test/harness/pki-harness.js';
import type { PkiHarness } from '../../test/harness/pki-harness.js';

/** The local store, except that `sign` fails as an unreachable server does while `isDown`. */
function switchableStore(store: KeyStore): { store: KeyStore; setDown(isDown: boolean): void } {
  let isDown = false;
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'sign') {
        return (request: Parameters<KeyStore['sign']>[0]) =>
          isDown
            ? Promise.reject(new KmsUnavailable('key store unreachable (test outage)', { operation: 'sign' }))
            : target.sign(request);
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, setDown: (value) => (isDown = value) };
}

async function until<T>(probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('revocation publishing (issue 15)', () => {
  let h: PkiHarness;
  let outage: ReturnType<typeof switchableStore>;
  let caId: string;

  beforeEach(async () => {
    h = await openPkiHarness({
      wrapKeyStore: (store) => {
        outage = switchableStore(store);
        return outage.store;
      },
    });
    caId = (await openCaHierarchy(h, { root: { name: 'Publication Root' }, issuing: { name: 'Publication CA' } }))
      .issuing.id;
  });
  afterEach(async () => h.cleanup());

  const issue = (name: string) =>
    h.pki.certificates.issueWithServerKey(h.ctx, {
      caId,
      profile: 'tls-client',
      algorithm: 'ec-p256',
      subject: { commonName: name },
      validityDays: 30,
    });
  const listedSerials = async () => crlSerials(await h.pki.crls.getCrl(h.ctx, caId));

  it('answers a committed revocation as done while the key store is down, and the CRL follows', async () => {
    const { certificate } = await issue('outage.example');
    await h.pki.crls.getCrl(h.ctx, caId);
    outage.setDown(true);
    const revoked = await h.pki.certificates.revoke(h.ctx, { id: certificate.id, reason: 'keyCompromise' });
    expect(revoked.status).toBe('revoked');
    expect(revoked.crl.published).toBe(false);
    if (revoked.crl.published) return;
    expect(Date.parse(revoked.crl.retryAt)).toBeGreaterThan(Date.now() - 1000);
    expect(h.pki.certificates.get({ id: certificate.id }).status).toBe('revoked');
    expect(h.pki.crls.pendingCaIds()).toEqual([caId]);
    expect(await listedSerials()).not.toContain(certificate.serialHex);

    outage.setDown(false);
    await until(() => h.pki.crls.pendingCaIds().length === 0);
    expect(await listedSerials()).toContain(certificate.serialHex);
  });

  it('a repeated revocation with the same reason succeeds and makes sure the CRL lists it; another reason is ALREADY_REVOKED', async () => {
    const { certificate } = await issue('repeat.example');
    outage.setDown(true);
    await h.pki.certificates.revoke(h.ctx, { id: certificate.id, reason: 'superseded' });
    outage.setDown(false);
    const again = await h.pki.certificates.revoke(h.ctx, { id: certificate.id, reason: 'superseded' });
    expect(again).toMatchObject({ status: 'revoked', revocationReason: 'superseded', crl: { published: true } });
    expect(h.pki.crls.pendingCaIds()).toEqual([]);
    expect(await listedSerials()).toContain(certificate.serialHex);
    await expect(
      h.pki.certificates.revoke(h.ctx, { id: certificate.id, reason: 'keyCompromise' }),
    ).rejects.toMatchObject({ code: 'ALREADY_REVOKED' });
    const rows = h.temp.database.sqlite
      .prepare("SELECT status, details FROM audit_log WHERE operation = 'certificate.revoke' ORDER BY seq")
      .all() as { status: string; details: string }[];
    expect(rows.map((row) => row.status)).toEqual(['success', 'success', 'failure']);
    expect(JSON.parse(rows[1]?.details ?? '{}')).toMatchObject({ isRepeated: true });
  });

  it('a CRL left behind by a stop is re-signed at the next start', async () => {
    const { certificate } = await issue('restart.example');
    outage.setDown(true);
    await h.pki.certificates.revoke(h.ctx, { id: certificate.id, reason: 'cessationOfOperation' });
    h.pki.close();
    outage.setDown(false);
    // A new process: new services over the same database and key store.
    const restarted = createPkiServices({
      repositories: openPkiRepositories(h.temp.database),
      kms: h.kms,
      audit: h.audit,
      publicUrl: 'http://pki.test:3000',
      crlValiditySeconds: 7 * 86_400,
      log: h.log,
      auditEvidence: new AuditEvidence(h.temp.database),
    });
    try {
      const results = await restarted.crls.resumePending();
      expect(results).toEqual([{ published: true, crlNumber: expect.any(Number) as number }]);
      expect(crlSerials(await restarted.crls.getCrl(h.ctx, caId))).toContain(certificate.serialHex);
    } finally {
      restarted.close();
    }
  });

  it('a CA revocation is done while the key store is down, and both CRLs follow', async () => {
    const { certificate } = await issue('below-revoked-ca.example');
    outage.setDown(true);
    const revoked = await h.pki.cas.revoke(h.ctx, { caId, reason: 'cessationOfOperation' });
    expect(revoked).toMatchObject({ status: 'revoked', crl: { published: false } });
    outage.setDown(false);
    await until(() => h.pki.crls.pendingCaIds().length === 0);
    expect(await listedSerials()).toContain(certificate.serialHex);
    const again = await h.pki.cas.revoke(h.ctx, { caId, reason: 'cessationOfOperation' });
    expect(again.crl.published).toBe(true);
  });
});
