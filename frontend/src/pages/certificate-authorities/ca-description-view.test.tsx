// @vitest-environment happy-dom
import { cleanup, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';

import type { CaDescription, CaSummary } from '@pki/shared';

import { CaDescriptionView } from './ca-description-view.js';

afterEach(cleanup);

const ROOT: CaSummary = {
  id: 'root-1',
  name: 'Example Root',
  parentId: null,
  keyId: 'key-root',
  keyAlgorithm: 'ec-p384',
  subjectDn: 'CN=Example Root',
  serialHex: '11',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2046-01-01T00:00:00.000Z',
  pathLength: null,
  status: 'active',
  isRoot: true,
  revocationReason: null,
  revokedAt: null,
  crlNumber: 3,
  createdAt: '2026-01-01T00:00:00.000Z',
};

const ISSUING: CaDescription = {
  ca: {
    ...ROOT,
    id: 'issuing-1',
    name: 'Example Issuing',
    parentId: 'root-1',
    isRoot: false,
    keyAlgorithm: 'rsa-3072',
  },
  certificate: {
    subjectDn: 'CN=Example Issuing',
    issuerDn: 'CN=Example Root',
    serialHex: '3af1c2',
    notBefore: '2026-01-02T00:00:00.000Z',
    notAfter: '2031-01-02T00:00:00.000Z',
    publicKey: { type: 'rsa', size: 3072, curve: null, spkiSha256: 'ab' },
    signatureAlgorithm: 'ecdsa-with-SHA384',
    fingerprints: { sha256: 'AA:BB:CC', sha1: '11:22:33' },
    extensions: [
      { oid: '2.5.29.19', name: 'Basic Constraints', isCritical: true, values: ['CA:TRUE', 'pathlen:0'] },
      { oid: '2.5.29.15', name: 'Key Usage', isCritical: true, values: ['Certificate Sign', 'CRL Sign'] },
      {
        oid: '2.5.29.31',
        name: 'CRL Distribution Points',
        isCritical: false,
        values: ['URI:https://pki.example.test/crl/root-1.crl'],
      },
      {
        oid: '1.3.6.1.5.5.7.1.1',
        name: 'Authority Information Access',
        isCritical: false,
        values: ['OCSP - URI:https://pki.example.test/ocsp', 'CA Issuers - URI:https://pki.example.test/ca/root-1.crt'],
      },
    ],
    certificatePem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
  },
  urls: {
    crl: 'https://pki.example.test/crl/issuing-1.crl',
    ocsp: 'https://pki.example.test/ocsp',
    caCertificate: 'https://pki.example.test/ca/issuing-1.crt',
  },
  crl: {
    crlNumber: 7,
    thisUpdate: '2026-03-01T00:00:00.000Z',
    nextUpdate: '2026-03-08T00:00:00.000Z',
    entryCount: 2,
  },
};

function renderView(description: CaDescription, parent: CaSummary | undefined) {
  render(
    <MemoryRouter>
      <CaDescriptionView description={description} parent={parent} />
    </MemoryRouter>,
  );
}

/** The description shown beside a term of a definition list. */
function valueOf(term: string, scope: HTMLElement = document.body): string {
  const dt = within(scope).getByText(term, { selector: 'dt' });
  return dt.nextElementSibling?.textContent ?? '';
}

/** The text of an extension's card: its name, the page's note on it, its values. */
function extensionText(name: string, scope: HTMLElement): string {
  return within(scope).getByText(name, { exact: false }).closest('li')?.textContent ?? '';
}

describe('CaDescriptionView', () => {
  it('shows the decoded certificate: names, serial, validity, key, both fingerprints, every extension', () => {
    renderView(ISSUING, ROOT);
    const certificate = screen.getByRole('region', { name: 'Certificate' });
    expect(valueOf('Subject', certificate)).toBe('CN=Example Issuing');
    expect(valueOf('Issuer', certificate)).toContain('CN=Example Root');
    expect(within(certificate).getByRole('link', { name: 'Example Root' }).getAttribute('href')).toBe(
      '/certificate-authorities/root-1',
    );
    expect(valueOf('Serial', certificate)).toBe('3af1c2');
    expect(valueOf('Valid from', certificate)).not.toBe('—');
    expect(valueOf('Valid until', certificate)).toContain('2031');
    expect(valueOf('Key algorithm', certificate)).toBe('RSA 3072 bits');
    expect(valueOf('SHA-256 fingerprint', certificate)).toBe('AA:BB:CC');
    expect(valueOf('SHA-1 fingerprint', certificate)).toBe('11:22:33');
    for (const name of ['Basic Constraints', 'Key Usage', 'CRL Distribution Points', 'Authority Information Access']) {
      expect(within(certificate).getByText(name, { exact: false })).toBeTruthy();
    }
    expect(within(certificate).getByText('pathlen:0')).toBeTruthy();
    expect(within(certificate).getAllByText('(critical)')).toHaveLength(2);
    expect(within(certificate).getByRole('button', { name: 'Download certificate' })).toBeTruthy();
  });

  it('shows where relying parties fetch revocation state, the CRL number and next update, and a CRL download', () => {
    renderView(ISSUING, ROOT);
    const revocation = screen.getByRole('region', { name: 'Revocation information' });
    expect(valueOf('CRL of certificates this CA issues', revocation)).toBe(
      'https://pki.example.test/crl/issuing-1.crl',
    );
    expect(valueOf('OCSP URL', revocation)).toBe('https://pki.example.test/ocsp');
    expect(valueOf("This CA's certificate URL", revocation)).toBe('https://pki.example.test/ca/issuing-1.crt');
    expect(valueOf('CRL number', revocation)).toBe('7');
    expect(valueOf('Next update', revocation)).toContain('2026');
    expect(valueOf('Revoked entries', revocation)).toBe('2');
    expect(within(revocation).getByRole('button', { name: 'Download CRL' })).toBeTruthy();
  });

  it("tells the CA's two CRLs apart: its issuer's CRL in its certificate, its own CRL for what it issues", () => {
    renderView(ISSUING, ROOT);
    const certificate = screen.getByRole('region', { name: 'Certificate' });
    const distributionPoint = extensionText('CRL Distribution Points', certificate);
    expect(distributionPoint).toContain('The CRL that covers this CA itself, published by its issuer.');
    expect(distributionPoint).toContain('URI:https://pki.example.test/crl/root-1.crl');
    expect(extensionText('Key Usage', certificate)).not.toContain('covers this CA');
    const revocation = screen.getByRole('region', { name: 'Revocation information' });
    expect(within(revocation).queryByText('root-1.crl', { exact: false })).toBeNull();
  });

  it("tells the CA's two certificate addresses apart: its issuer's in CA Issuers, its own for what it issues", () => {
    renderView(ISSUING, ROOT);
    const certificate = screen.getByRole('region', { name: 'Certificate' });
    const authorityAccess = extensionText('Authority Information Access', certificate);
    expect(authorityAccess).toContain("CA Issuers is the certificate of this CA's issuer.");
    expect(authorityAccess).toContain('CA Issuers - URI:https://pki.example.test/ca/root-1.crt');
    expect(extensionText('CRL Distribution Points', certificate)).not.toContain('CA Issuers');
    const revocation = screen.getByRole('region', { name: 'Revocation information' });
    expect(within(revocation).queryByText('root-1.crt', { exact: false })).toBeNull();
  });

  it('says when no CRL was published yet rather than showing a number', () => {
    renderView({ ...ISSUING, crl: null }, ROOT);
    const revocation = screen.getByRole('region', { name: 'Revocation information' });
    expect(within(revocation).queryByText('CRL number')).toBeNull();
    expect(valueOf('CRL', revocation)).toMatch(/not published yet/i);
  });

  it('shows a sub-CA awaiting its signed certificate without fingerprints or a CRL', () => {
    renderView(
      {
        ...ISSUING,
        ca: { ...ISSUING.ca, status: 'pending', parentId: 'external', serialHex: null },
        certificate: null,
        crl: null,
      },
      undefined,
    );
    expect(valueOf('Issuer')).toBe('External root');
    expect(valueOf('Serial')).toBe('—');
    expect(screen.queryByText('SHA-256 fingerprint')).toBeNull();
    expect(screen.queryByRole('region', { name: 'Revocation information' })).toBeNull();
    expect(screen.getByText(/no certificate yet/)).toBeTruthy();
  });
});
