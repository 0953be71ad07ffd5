/**
 * Issue 15: the one-time PKCS#12 export is claimed in the step that delivers it. A key
 * store that hands back key bytes the PKCS#12 cannot be built from fails the export, and
 * the export is still there for the next try; once delivered it is gone.
 */
import { spawnSync } from 'node:child_process';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { KeyStore } from '../kms/key-store.js';
import { openCaHierarchy } from '../../test/harness/ca-hierarchy.js';
import { openPkiHarness } from '../../test/harness/pki-harness.js';
import type { PkiHarness } from '../../test/harness/pki-harness.js';

/** The local store, but the next export returns a truncated PKCS#8 while `isBroken`. */
function truncatingStore(store: KeyStore): { store: KeyStore; setBroken(isBroken: boolean): void } {
  let isBroken = false;
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'exportPrivateKey' && target.exportPrivateKey) {
        const exportPrivateKey = target.exportPrivateKey.bind(target);
        return async (privateKeyRef: string) => {
          const pkcs8 = await exportPrivateKey(privateKeyRef);
          return isBroken ? pkcs8.subarray(0, Math.floor(pkcs8.length / 2)) : pkcs8;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, setBroken: (value) => (isBroken = value) };
}

describe('one-time PKCS#12 export (issue 15)', () => {
  let h: PkiHarness;
  let fault: ReturnType<typeof truncatingStore>;

  beforeEach(async () => {
    h = await openPkiHarness({
      wrapKeyStore: (store) => {
        fault = truncatingStore(store);
        return fault.store;
      },
    });
  });
  afterEach(async () => h.cleanup());

  it('a failed build leaves the export available; the delivered one is the only one', async () => {
    const { issuing } = await openCaHierarchy(h, { root: { name: 'Export Root' }, issuing: { name: 'Export CA' } });
    const issued = await h.pki.certificates.issueWithServerKey(h.ctx, {
      caId: issuing.id,
      profile: 'tls-client',
      algorithm: 'ec-p256',
      subject: { commonName: 'export.example' },
      validityDays: 30,
      isExportable: true,
    });
    const request = { id: issued.certificate.id, format: 'pkcs12' as const, password: 'correct horse battery' };

    fault.setBroken(true);
    await expect(h.pki.certificates.export(h.ctx, request)).rejects.toThrow();
    expect(h.pki.certificates.get({ id: issued.certificate.id }).canExportPrivateKey).toBe(true);
    const keyId = issued.certificate.keyId ?? '';
    expect(h.kms.findKey(keyId)?.exportedAt).toBeNull();

    fault.setBroken(false);
    const file = await h.pki.certificates.export(h.ctx, request);
    const parsed = spawnSync('openssl', ['pkcs12', '-noout', '-passin', `pass:${request.password}`], {
      input: Buffer.from(file.content, 'base64'),
    });
    expect(parsed.status, parsed.stderr.toString()).toBe(0);
    expect(h.kms.findKey(keyId)?.exportedAt).toBeInstanceOf(Date);
    await expect(h.pki.certificates.export(h.ctx, request)).rejects.toMatchObject({ code: 'EXPORT_ALREADY_DONE' });

    const rows = h.temp.database.sqlite
      .prepare(
        "SELECT operation, status FROM audit_log WHERE operation IN ('kms.exportPrivateKey', 'certificate.exportPrivateKey') ORDER BY seq",
      )
      .all();
    expect(rows).toEqual([
      { operation: 'kms.exportPrivateKey', status: 'failure' },
      { operation: 'certificate.exportPrivateKey', status: 'failure' },
      { operation: 'kms.exportPrivateKey', status: 'success' },
      { operation: 'certificate.exportPrivateKey', status: 'success' },
      { operation: 'certificate.exportPrivateKey', status: 'failure' },
    ]);
  });
});
