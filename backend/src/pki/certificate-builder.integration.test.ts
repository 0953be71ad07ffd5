/**
 * Root → intermediate → leaf for every profile, built by our DER builders and signed
 * through KMSService on the local key store, judged by openssl and certtool (never by our own parser).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PROFILE_IDS } from '@pki/shared';
import type { KeyAlgorithm, ProfileId } from '@pki/shared';

import { SYSTEM_CONTEXT } from '../request-context.js';
import { parseCertificateDer } from './certificate-parser.js';
import {
  issuerContextFromCertificate,
  publicEndpoints,
  selfIssuerContext,
  signCertificate,
} from './certificate-template.js';
import type { IssuerContext } from './certificate-template.js';
import { parseCsr } from './csr.js';
import { toPem } from './pem.js';
import { applyProfile } from './profile-policy.js';
import { PROFILES, ROOT_CA_PROFILE } from './profiles.js';
import type { KMSService } from '../kms/service.js';
import { opensslCsr, run, scratchDir, verifyArgs } from '../../test/harness/openssl.js';
import { openPkiHarness } from '../../test/harness/pki-harness.js';
import type { PkiHarness } from '../../test/harness/pki-harness.js';
import type { ScratchDir } from '../../test/harness/openssl.js';

const ctx = SYSTEM_CONTEXT;
const endpoints = publicEndpoints('http://pki.test:3000/');

async function makeCa(
  kms: KMSService,
  algorithm: KeyAlgorithm,
  name: string,
  parent: IssuerContext | null,
  pathLength: number | null,
) {
  const key = await kms.generateKeyPair(ctx, { algorithm, label: name, purpose: 'ca', isExportable: false });
  const id = `${name.toLowerCase().replace(/\s/g, '-')}`;
  const plan = applyProfile({
    profile: parent ? PROFILES['intermediate-ca'] : ROOT_CA_PROFILE,
    keyAlgorithm: algorithm,
    subjectPublicKeyInfo: key.publicKeySpki,
    subject: { commonName: name, organization: 'PKI Manager Tests', country: 'FR' },
    validityDays: parent ? 3000 : 7300,
    pathLength,
    now: new Date(),
  });
  const issuer =
    parent ??
    selfIssuerContext({
      id,
      keyId: key.id,
      keyAlgorithm: algorithm,
      subjectName: plan.subjectName,
      subjectPublicKeyInfo: key.publicKeySpki,
    });
  const signed = await signCertificate(kms, ctx, issuer, plan);
  const certificate = parseCertificateDer(signed.der);
  return {
    der: signed.der,
    context: issuerContextFromCertificate({ id, keyId: key.id, keyAlgorithm: algorithm, certificate }, endpoints),
  };
}

const CSR_FOR_PROFILE: Record<ProfileId, { key: string; subject: string; sans?: string }> = {
  'tls-server': {
    key: 'ec:P-256',
    subject: '/CN=www.example.test/O=Ignored Org',
    sans: 'DNS:www.example.test,DNS:*.api.example.test,IP:192.0.2.10,IP:2001:db8::1',
  },
  'tls-client': {
    key: 'rsa:2048',
    subject: '/CN=client-7/O=Example',
    sans: 'email:ops@example.test,URI:spiffe://example.test/client-7',
  },
  'tls-server-client': {
    key: 'ec:P-384',
    subject: '/CN=node-1.mesh.test',
    sans: 'DNS:node-1.mesh.test,URI:spiffe://mesh.test/node-1',
  },
  'code-signing': { key: 'rsa:3072', subject: '/CN=Example Release Signing/O=Example' },
  'email-protection': { key: 'rsa:2048', subject: '/CN=Alice Example', sans: 'email:alice@example.test' },
  'intermediate-ca': { key: 'ec:P-384', subject: '/CN=Issued Sub CA/O=Example' },
};

const EXPECTED_TEXT: Record<ProfileId, string[]> = {
  'tls-server': [
    'TLS Web Server Authentication',
    'Digital Signature',
    'DNS:*.api.example.test',
    'IP Address:2001:DB8:0:0:0:0:0:1',
  ],
  'tls-client': ['TLS Web Client Authentication', 'email:ops@example.test', 'URI:spiffe://example.test/client-7'],
  'tls-server-client': ['TLS Web Server Authentication, TLS Web Client Authentication'],
  'code-signing': ['Code Signing'],
  'email-protection': ['E-mail Protection', 'Non Repudiation', 'Key Encipherment'],
  'intermediate-ca': ['CA:TRUE, pathlen:0', 'Certificate Sign, CRL Sign'],
};

describe('certificate builder, validated by openssl and certtool', () => {
  let dir: ScratchDir;
  let harness: PkiHarness;
  let kms: KMSService;
  let rootFile: string;
  let intermediateFile: string;
  let intermediate: IssuerContext;

  beforeAll(async () => {
    dir = scratchDir();
    harness = await openPkiHarness();
    kms = harness.kms;
    const root = await makeCa(kms, 'rsa-3072', 'Test Root', null, null);
    const sub = await makeCa(kms, 'rsa-2048', 'Test Issuing CA', root.context, 1);
    intermediate = sub.context;
    rootFile = dir.write('root.pem', toPem('CERTIFICATE', root.der));
    intermediateFile = dir.write('intermediate.pem', toPem('CERTIFICATE', sub.der));
  });
  afterAll(async () => {
    dir.remove();
    await harness.cleanup();
  });

  it('the root and intermediate carry CA extensions, critical where RFC 5280 says', () => {
    const root = run('openssl', ['x509', '-in', rootFile, '-noout', '-text']).output;
    expect(root).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
    expect(root).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    const sub = run('openssl', ['x509', '-in', intermediateFile, '-noout', '-text']).output;
    expect(sub).toMatch(/CA:TRUE, pathlen:1/);
    expect(sub).toContain('URI:http://pki.test:3000/crl/test-root.crl');
    expect(sub).toContain('OCSP - URI:http://pki.test:3000/ocsp');
    expect(sub).toContain('CA Issuers - URI:http://pki.test:3000/ca/test-root.crt');
    expect(run('openssl', ['verify', '-x509_strict', '-CAfile', rootFile, intermediateFile]).status).toBe(0);
  });

  it.each(PROFILE_IDS)(
    '%s: openssl -x509_strict and certtool accept the chain; extensions as the profile says',
    async (profileId) => {
      const spec = CSR_FOR_PROFILE[profileId];
      const { csrPem } = opensslCsr(dir, profileId, spec);
      const csr = parseCsr(csrPem);
      const plan = applyProfile({
        profile: PROFILES[profileId],
        keyAlgorithm: csr.keyAlgorithm,
        subjectPublicKeyInfo: csr.subjectPublicKeyInfo,
        csr,
        pathLength: profileId === 'intermediate-ca' ? 0 : undefined,
        now: new Date(),
      });
      const leaf = await signCertificate(kms, ctx, intermediate, plan);
      const leafFile = dir.write(`${profileId}.pem`, toPem('CERTIFICATE', leaf.der));

      const verify = run('openssl', verifyArgs({ root: rootFile, untrusted: intermediateFile, leaf: leafFile }));
      expect(verify.output).toContain(': OK');
      expect(verify.status).toBe(0);

      const chainFile = dir.write(
        `${profileId}-chain.pem`,
        `${toPem('CERTIFICATE', leaf.der)}${run('cat', [intermediateFile]).output}${run('cat', [rootFile]).output}`,
      );
      const certtool = run('certtool', ['--verify-chain', '--infile', chainFile]);
      expect(certtool.output).toContain('Chain verification output: Verified.');
      expect(certtool.status).toBe(0);

      const text = run('openssl', ['x509', '-in', leafFile, '-noout', '-text']).output;
      expect(text).toMatch(/X509v3 Key Usage: critical/);
      expect(text).toMatch(/X509v3 Basic Constraints: critical/);
      expect(text).toContain('X509v3 Subject Key Identifier');
      expect(text).toContain('X509v3 Authority Key Identifier');
      expect(text).toContain('URI:http://pki.test:3000/crl/test-issuing-ca.crl');
      for (const expected of EXPECTED_TEXT[profileId]) expect(text).toContain(expected);
      expect(run('openssl', ['x509', '-in', leafFile, '-noout', '-serial']).output).toContain(
        leaf.serial.hex.toUpperCase(),
      );
    },
  );

  async function leafFromCsr(name: string, subject: string, profileId: 'tls-server' | 'tls-client', sans: string[]) {
    const { csrPem } = opensslCsr(dir, name, { key: 'ec:P-256', subject });
    const csr = parseCsr(csrPem);
    const plan = applyProfile({
      profile: PROFILES[profileId],
      keyAlgorithm: csr.keyAlgorithm,
      subjectPublicKeyInfo: csr.subjectPublicKeyInfo,
      csr,
      sans,
      now: new Date(),
    });
    const leaf = await signCertificate(kms, ctx, intermediate, plan);
    return dir.write(`${name}.pem`, toPem('CERTIFICATE', leaf.der));
  }

  const subjectOf = (file: string) =>
    run('openssl', ['x509', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253']).output;

  it('tls-server keeps only the CSR common name (profile decides)', async () => {
    const file = await leafFromCsr('cn-only', '/CN=www.example.test/O=Dropped', 'tls-server', ['dns:www.example.test']);
    expect(subjectOf(file)).toContain('CN=www.example.test');
    expect(subjectOf(file)).not.toContain('Dropped');
  });

  // A TLS server profile keeps a CN only when it is one of the SANs, which a non-ASCII name
  // cannot be; tls-client keeps the CSR subject as it is.
  it('tls-client keeps a non-ASCII common name as a UTF8String', async () => {
    const file = await leafFromCsr('utf8-cn', '/CN=só.example.test/O=Kept', 'tls-client', ['dns:example.test']);
    expect(run('openssl', ['asn1parse', '-in', file]).output).toMatch(/UTF8STRING\s+:só\.example\.test/);
    expect(subjectOf(file)).toContain('O=Kept');
  });

  it('encodes notAfter from 2050 on as GeneralizedTime and before as UTCTime', async () => {
    const key = await kms.generateKeyPair(ctx, {
      algorithm: 'ec-p256',
      label: 'long-root',
      purpose: 'ca',
      isExportable: false,
    });
    const plan = applyProfile({
      profile: ROOT_CA_PROFILE,
      keyAlgorithm: 'ec-p256',
      subjectPublicKeyInfo: key.publicKeySpki,
      subject: { commonName: 'Long Root' },
      validityDays: 10_000,
      now: new Date('2026-01-01T00:00:00Z'),
    });
    const signed = await signCertificate(
      kms,
      ctx,
      selfIssuerContext({
        id: 'long',
        keyId: key.id,
        keyAlgorithm: 'ec-p256',
        subjectName: plan.subjectName,
        subjectPublicKeyInfo: key.publicKeySpki,
      }),
      plan,
    );
    const file = dir.write('long.pem', toPem('CERTIFICATE', signed.der));
    const parsed = run('openssl', ['asn1parse', '-in', file]).output;
    expect(parsed).toMatch(/UTCTIME\s+:251231235900Z/);
    expect(parsed).toMatch(/GENERALIZEDTIME\s+:20530519000000Z/);
  });
});
