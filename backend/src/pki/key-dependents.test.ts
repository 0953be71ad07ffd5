/**
 * keys.dependents on the real app (local key store, SQLite in a temporary directory): the CA a
 * key signs for and its live certificate count, which falls as certificates are revoked, and
 * nothing for a key that signs no CA.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { actAs, callerFor } from '../../test/harness/act-as.js';

let testApp: TestApp;
let admin: ReturnType<typeof callerFor>;
let caId: string;
let caKeyId: string;

beforeAll(async () => {
  testApp = await buildTestApp();
  const { principal } = await actAs(testApp.app.services, 'admin');
  admin = callerFor(testApp.app.services, principal, 'req-dependents');
  const root = await admin.cas.createRoot({
    name: 'Dependents Root',
    subject: { commonName: 'Dependents Root' },
    algorithm: 'ec-p384',
    validityDays: 365,
  });
  caId = root.id;
  caKeyId = root.keyId;
});

afterAll(async () => {
  await testApp?.close();
});

describe('keys.dependents', () => {
  it('names the CA a key signs for with its live certificates, and counts a revocation out', async () => {
    expect(await admin.keys.dependents({ keyId: caKeyId })).toEqual({
      keyId: caKeyId,
      cas: [{ id: caId, name: 'Dependents Root', status: 'active', liveCertificateCount: 0 }],
    });

    const issue = (commonName: string) =>
      admin.certificates.issueWithServerKey({
        caId,
        profile: 'tls-server',
        algorithm: 'ec-p256',
        subject: { commonName },
        sans: [`dns:${commonName}`],
      });
    const first = await issue('one.dependents.test');
    await issue('two.dependents.test');
    expect((await admin.keys.dependents({ keyId: caKeyId })).cas[0]?.liveCertificateCount).toBe(2);

    await admin.certificates.revoke({ id: first.certificate.id, reason: 'superseded' });
    expect((await admin.keys.dependents({ keyId: caKeyId })).cas[0]?.liveCertificateCount).toBe(1);
  });

  it('has no dependents for a key that signs no CA, and operators may read it', async () => {
    const endEntityKey = (await admin.keys.list({ purpose: 'end-entity' }))[0];
    expect(endEntityKey).toBeDefined();
    const { principal } = await actAs(testApp.app.services, 'operator');
    const operator = callerFor(testApp.app.services, principal, 'req-operator');
    expect(await operator.keys.dependents({ keyId: endEntityKey?.id ?? '' })).toEqual({
      keyId: endEntityKey?.id,
      cas: [],
    });
  });
});
