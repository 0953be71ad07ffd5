// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import type { CsrPreview, ProfileSummary } from '@pki/shared';

import { CsrPreviewPanel } from './csr-preview.js';

afterEach(cleanup);

const PARSED: CsrPreview = {
  isParsed: true,
  subjectDn: 'CN=web.example.test,O=Example',
  commonName: 'web.example.test',
  subject: [{ name: 'CN', value: 'web.example.test' }],
  sans: ['dns:web.example.test', 'ip:192.0.2.10'],
  keyType: 'ec',
  keySize: 256,
  keyAlgorithm: 'ec-p256',
  signatureAlgorithm: 'ecdsa-with-SHA256',
  isSignatureValid: true,
  sha256: 'ab',
  profileCheck: null,
  problems: [],
};

const TLS_SERVER: ProfileSummary = {
  id: 'tls-server',
  displayName: 'TLS server',
  description: '',
  keyUsage: ['digitalSignature'],
  extendedKeyUsage: ['serverAuth'],
  isCa: false,
  allowedKeyAlgorithms: ['ec-p256'],
  allowedSanTypes: ['dns', 'ip'],
  requiredSanTypes: ['dns', 'ip'],
  defaultValidityDays: 90,
  maxValidityDays: 398,
  canExportPrivateKey: false,
};

describe('CsrPreviewPanel', () => {
  it('shows subject, SANs, key and a valid signature, and what the profile allows', () => {
    render(<CsrPreviewPanel preview={PARSED} profile={TLS_SERVER} />);
    expect(screen.getByText('CN=web.example.test,O=Example')).toBeTruthy();
    expect(screen.getByText('dns:web.example.test, ip:192.0.2.10')).toBeTruthy();
    expect(screen.getByText('EC 256')).toBeTruthy();
    expect(screen.getByText('valid')).toBeTruthy();
    expect(screen.getByText('398 days')).toBeTruthy();
    expect(screen.getByText('serverAuth')).toBeTruthy();
  });

  it("shows the server's refusal for the chosen profile", () => {
    const refusal = { code: 'SAN_NOT_ALLOWED', message: 'SAN type dns is not allowed by profile email-protection' };
    render(
      <CsrPreviewPanel
        preview={{
          ...PARSED,
          profileCheck: {
            profile: 'email-protection',
            isAccepted: false,
            subjectDn: null,
            sans: [],
            notAfter: null,
            refusal,
          },
        }}
      />,
    );
    expect(screen.getByRole('status').textContent).toContain(refusal.message);
  });

  it('says when the signature does not verify, with the parser message', () => {
    render(
      <CsrPreviewPanel
        preview={{
          ...PARSED,
          isSignatureValid: false,
          problems: [{ code: 'CSR_BAD_SIGNATURE', message: 'CSR signature does not verify with its own public key' }],
        }}
      />,
    );
    expect(screen.getByText('does not verify')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('CSR_BAD_SIGNATURE');
  });
});
