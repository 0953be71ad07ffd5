import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openCaHierarchy } from '../../test/harness/ca-hierarchy.js';
import type { CaHierarchy } from '../../test/harness/ca-hierarchy.js';
import { run } from '../../test/harness/openssl.js';
import { openPkiHarness } from '../../test/harness/pki-harness.js';
import type { PkiHarness } from '../../test/harness/pki-harness.js';

let h: PkiHarness;
let cas: CaHierarchy;

/** What openssl prints for `-noout -<flag>` on the PEM: the independent reading. */
function opensslField(pem: string, flag: string): string {
  const result = run('openssl', ['x509', '-noout', flag], pem);
  expect(result.status, result.output).toBe(0);
  return result.output.trim();
}

beforeAll(async () => {
  h = await openPkiHarness({ publicUrl: 'https://pki.example.test/' });
  cas = await openCaHierarchy(h, {
    root: { name: 'Describe Root', subject: { commonName: 'Describe Root', organization: 'Example' } },
    issuing: { name: 'Describe Issuing', algorithm: 'rsa-3072', pathLength: 0 },
  });
});

afterAll(async () => {
  await h?.cleanup();
});

describe('CaDescriptionService', () => {
  it('decodes the intermediate as openssl reads it: serial, validity, key, fingerprints, extensions', () => {
    const described = h.pki.caDescriptions.describe('Describe Issuing');
    const certificate = described.certificate;
    expect(certificate).not.toBeNull();
    if (certificate === null) return;
    const pem = certificate.certificatePem;

    expect(opensslField(pem, '-serial')).toBe(`serial=${certificate.serialHex.toUpperCase()}`);
    expect(opensslField(pem, '-fingerprint').replace(/^.*=/, '')).toBe(certificate.fingerprints.sha1);
    const sha256 = run('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], pem);
    expect(sha256.output.trim().replace(/^.*=/, '')).toBe(certificate.fingerprints.sha256);
    const notBefore = new Date(opensslField(pem, '-startdate').replace(/^notBefore=/, ''));
    const notAfter = new Date(opensslField(pem, '-enddate').replace(/^notAfter=/, ''));
    expect(certificate.notBefore).toBe(notBefore.toISOString());
    expect(certificate.notAfter).toBe(notAfter.toISOString());

    expect(certificate.subjectDn).toBe('CN=Describe Issuing');
    expect(certificate.issuerDn).toBe('CN=Describe Root,O=Example');
    expect(certificate.publicKey).toMatchObject({ type: 'rsa', size: 3072, curve: null });
    expect(certificate.signatureAlgorithm).toBe('ecdsa-with-SHA384');

    const byName = new Map(certificate.extensions.map((extension) => [extension.name, extension]));
    expect(byName.get('Basic Constraints')).toMatchObject({ isCritical: true, values: ['CA:TRUE', 'pathlen:0'] });
    expect(byName.get('Key Usage')?.values).toEqual(expect.arrayContaining(['Certificate Sign', 'CRL Sign']));
    expect(byName.get('CRL Distribution Points')?.values).toEqual([
      `URI:https://pki.example.test/crl/${cas.root.id}.crl`,
    ]);
    expect(byName.has('Subject Key Identifier')).toBe(true);
    expect(byName.has('Authority Key Identifier')).toBe(true);
    // openssl reads the same constraints from the PEM we return.
    const text = run('openssl', ['x509', '-noout', '-ext', 'basicConstraints,keyUsage,subjectKeyIdentifier'], pem);
    expect(text.output).toContain('CA:TRUE, pathlen:0');
  });

  it('gives the public addresses of the CA and its latest published CRL, and publishes none itself', async () => {
    // A read must not sign: before anyone fetched the CRL there is none to report.
    expect(h.pki.caDescriptions.describe(cas.issuing.id).crl).toBeNull();
    expect(h.pki.caDescriptions.describe(cas.issuing.id).crl).toBeNull();
    const served = await h.pki.crls.getCrl(h.ctx, cas.issuing.id);
    const described = h.pki.caDescriptions.describe(cas.issuing.id);
    expect(described.ca).toEqual(h.pki.cas.get(cas.issuing.id));
    expect(described.urls).toEqual({
      crl: `https://pki.example.test/crl/${cas.issuing.id}.crl`,
      ocsp: 'https://pki.example.test/ocsp',
      caCertificate: `https://pki.example.test/ca/${cas.issuing.id}.crt`,
    });
    const crl = described.crl;
    expect(crl).not.toBeNull();
    if (crl === null) return;
    expect(crl.entryCount).toBe(0);
    expect(Date.parse(crl.nextUpdate) - Date.parse(crl.thisUpdate)).toBe(7 * 86_400_000);
    // The number and next update of the CRL relying parties are served, as openssl reads it.
    const text = run('openssl', ['crl', '-inform', 'DER', '-noout', '-crlnumber', '-nextupdate'], served).output;
    expect(text).toContain(`crlNumber=0x${crl.crlNumber.toString(16).toUpperCase().padStart(2, '0')}`);
    const nextUpdate = /nextUpdate=(.*)/.exec(text)?.[1] ?? '';
    expect(new Date(nextUpdate).toISOString()).toBe(crl.nextUpdate);
  });

  it('follows the CRL as revocations re-sign it', async () => {
    await h.pki.crls.getCrl(h.ctx, cas.root.id);
    const before = h.pki.caDescriptions.describe(cas.root.id).crl;
    const leaf = await h.pki.cas.createIntermediate(h.ctx, {
      parentId: cas.root.id,
      name: 'Describe Revoked',
      subject: { commonName: 'Describe Revoked' },
      algorithm: 'ec-p256',
      validityDays: 30,
    });
    await h.pki.cas.revoke(h.ctx, { caId: leaf.id, reason: 'cessationOfOperation' });
    const after = h.pki.caDescriptions.describe(cas.root.id).crl;
    expect(after?.crlNumber).toBeGreaterThan(before?.crlNumber ?? 0);
    expect(after?.entryCount).toBe(1);
  });

  it('describes a sub-CA awaiting its external signature without a certificate', async () => {
    const { ca } = await h.pki.cas.createSubordinateCsr(h.ctx, {
      name: 'Describe Pending',
      subject: { commonName: 'Describe Pending' },
      algorithm: 'ec-p256',
    });
    const described = h.pki.caDescriptions.describe(ca.id);
    expect(described.ca.status).toBe('pending');
    expect(described.certificate).toBeNull();
    expect(described.crl).toBeNull();
  });

  it('refuses an unknown CA with CA_NOT_FOUND', () => {
    expect(() => h.pki.caDescriptions.describe('no-such-ca')).toThrow(
      expect.objectContaining({ code: 'CA_NOT_FOUND' }),
    );
  });
});
