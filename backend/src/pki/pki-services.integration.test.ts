/**
 * The CA end to end through its services, KMSService and the local key store, judged by
 * openssl and node:tls: root → intermediate → leaf from an openssl CSR, revocation on the
 * CRL, OCSP good/revoked, PKCS#12 in a real TLS handshake, cascading CA revocation.
 */
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CaSummary } from '@pki/shared';

import { toPem } from './pem.js';
import { openCaHierarchy } from '../../test/harness/ca-hierarchy.js';
import {
  crlCheckArgs,
  ocspResponseArgs,
  opensslCsr,
  opensslSelfSigned,
  run,
  scratchDir,
  verifyArgs,
} from '../../test/harness/openssl.js';
import type { ScratchDir } from '../../test/harness/openssl.js';
import { systemContext } from '../request-context.js';
import { openPkiHarness } from '../../test/harness/pki-harness.js';
import type { PkiHarness } from '../../test/harness/pki-harness.js';

describe('CA services through KMSService (local driver), validated by openssl', () => {
  let h: PkiHarness;
  let dir: ScratchDir;
  let root: CaSummary;
  let intermediate: CaSummary;
  let rootFile: string;
  let intermediateFile: string;

  const auditRows = (operation: string) =>
    h.temp.database.sqlite
      .prepare('SELECT status, entity_id, details FROM audit_log WHERE operation = ? ORDER BY seq')
      .all(operation) as { status: string; entity_id: string | null; details: string }[];

  beforeAll(async () => {
    dir = scratchDir();
    h = await openPkiHarness();
    ({ root, issuing: intermediate } = await openCaHierarchy(h, {
      root: {
        name: 'Services Root',
        subject: { commonName: 'Services Test Root', organization: 'PKI Manager', country: 'FR' },
        validityDays: 3650,
      },
      issuing: {
        name: 'Services Issuing',
        subject: { commonName: 'Services Issuing CA', organization: 'PKI Manager' },
        algorithm: 'rsa-2048',
        validityDays: 1825,
        pathLength: 0,
      },
    }));
    rootFile = dir.write('root.pem', h.pki.cas.getCertificatePem(root.id));
    intermediateFile = dir.write('intermediate.pem', h.pki.cas.getCertificatePem(intermediate.id));
  });
  afterAll(async () => {
    dir.remove();
    await h.cleanup();
  });

  it('creates a root and an intermediate, each audited, the intermediate bounded by its path length', () => {
    expect(root.isRoot).toBe(true);
    expect(intermediate.parentId).toBe(root.id);
    expect(intermediate.pathLength).toBe(0);
    expect(run('openssl', ['verify', '-x509_strict', '-CAfile', rootFile, intermediateFile]).status).toBe(0);
    expect(auditRows('ca.createRoot')).toMatchObject([{ status: 'success', entity_id: root.id }]);
    expect(auditRows('ca.createIntermediate')).toMatchObject([{ status: 'success', entity_id: intermediate.id }]);
    expect(h.pki.cas.get('Services Issuing').id).toBe(intermediate.id);
  });

  it('refuses an intermediate below a path length 0 CA and one outliving its issuer, audited', async () => {
    const refusals = [
      { parentId: intermediate.id, name: 'Too Deep', validityDays: 30, code: 'PATH_LENGTH_EXCEEDED' },
      { parentId: root.id, name: 'Too Long', validityDays: 5000, code: 'VALIDITY_EXCEEDS_ISSUER' },
    ];
    for (const { code, ...input } of refusals) {
      await expect(
        h.pki.cas.createIntermediate(h.ctx, { ...input, subject: { commonName: input.name }, algorithm: 'ec-p256' }),
      ).rejects.toMatchObject({ code });
    }
    expect(auditRows('ca.createIntermediate').filter((row) => row.status === 'failure')).toHaveLength(2);
    expect(h.pki.cas.list()).toHaveLength(2);
  });

  it('issues from an openssl CSR, revokes it, and the CRL and OCSP say so', async () => {
    const { csrPem } = opensslCsr(dir, 'web', {
      key: 'rsa:2048',
      subject: '/CN=web.example.test',
      sans: 'DNS:web.example.test',
    });
    const issued = await h.pki.certificates.issueFromCsr(h.ctx, {
      caId: intermediate.id,
      profile: 'tls-server',
      csr: csrPem,
    });
    const leafFile = dir.write('web.pem', issued.certificatePem);
    const chainFile = dir.write('web-chain.pem', issued.chainPem);
    expect(run('openssl', verifyArgs({ root: rootFile, untrusted: chainFile, leaf: leafFile })).status).toBe(0);
    expect(auditRows('certificate.issue').at(-1)).toMatchObject({
      status: 'success',
      entity_id: issued.certificate.id,
    });

    const ocsp = async (name: string, useNonce: boolean) => {
      const requestFile = `${dir.path}/${name}-req.der`;
      const args = ['ocsp', '-issuer', intermediateFile, '-cert', leafFile, '-reqout', requestFile];
      if (!useNonce) args.push('-no_nonce');
      expect(run('openssl', args).status).toBe(0);
      const response = await h.pki.ocsp.respond(h.ctx, readFileSync(requestFile));
      const responseFile = dir.write(`${name}-resp.der`, response);
      return run(
        'openssl',
        ocspResponseArgs({ request: requestFile, response: responseFile, root: rootFile, untrusted: intermediateFile }),
      );
    };
    const good = await ocsp('good', true);
    expect(good.output).toContain('Response verify OK');
    expect(good.output).not.toContain('Nonce Verify error');
    expect(good.output).toContain('Cert Status: good');
    expect(good.output).toContain(`Serial Number: ${issued.certificate.serialHex.toUpperCase()}`);
    const cachedGood = await ocsp('good-cached', false);
    expect(cachedGood.output).toContain('Cert Status: good');

    await h.pki.certificates.revoke(h.ctx, {
      caId: intermediate.name,
      serialHex: issued.certificate.serialHex.toUpperCase(),
      reason: 'keyCompromise',
    });
    expect(auditRows('certificate.revoke').at(-1)).toMatchObject({
      status: 'success',
      entity_id: issued.certificate.id,
    });

    const crlFile = dir.write('intermediate.crl.pem', await h.pki.crls.getCrlPem(h.ctx, intermediate.id));
    const crlText = run('openssl', ['crl', '-in', crlFile, '-noout', '-text', '-verify', '-CAfile', chainFile]);
    expect(crlText.output).toContain('verify OK');
    expect(crlText.output).toContain(issued.certificate.serialHex.toUpperCase());
    expect(crlText.output).toContain('Key Compromise');
    expect(crlText.output).toMatch(/X509v3 CRL Number:\s+\d+/);
    expect(crlText.output).toContain('X509v3 Authority Key Identifier');
    const crlCheck = run(
      'openssl',
      crlCheckArgs({ root: rootFile, untrusted: intermediateFile, leaf: leafFile }, crlFile),
    );
    expect(crlCheck.output).toContain('certificate revoked');
    expect(crlCheck.status).not.toBe(0);

    // The nonce-less answer was cached as good; revocation must have dropped it.
    const revokedCached = await ocsp('revoked-cached', false);
    expect(revokedCached.output).toContain('Response verify OK');
    expect(revokedCached.output).toContain('Cert Status: revoked');
    expect(revokedCached.output).toContain('Revocation Reason: keyCompromise (0x1)');
    const revokedNonce = await ocsp('revoked-nonce', true);
    expect(revokedNonce.output).toContain('Cert Status: revoked');
    expect(revokedNonce.output).not.toContain('Nonce Verify error');
  });

  it("records each OCSP signature under the asking request's id and actor", async () => {
    const { csrPem } = opensslCsr(dir, 'ocsp-ctx', { key: 'ec:P-256', subject: '/CN=ocsp-ctx.example.test' });
    const issued = await h.pki.certificates.issueFromCsr(h.ctx, {
      caId: intermediate.id,
      profile: 'tls-client',
      csr: csrPem,
    });
    const leafFile = dir.write('ocsp-ctx.pem', issued.certificatePem);
    const requestFile = `${dir.path}/ocsp-ctx-req.der`;
    expect(
      run('openssl', ['ocsp', '-issuer', intermediateFile, '-cert', leafFile, '-reqout', requestFile]).status,
    ).toBe(0);
    const ctx = systemContext('ocsp', 'ocsp-request-1');
    await h.pki.ocsp.respond(ctx, readFileSync(requestFile));
    const rows = h.temp.database.sqlite
      .prepare("SELECT operation, actor, status FROM audit_log WHERE request_id = 'ocsp-request-1'")
      .all();
    expect(rows).toEqual([{ operation: 'kms.sign', actor: 'system:ocsp', status: 'success' }]);
  });

  it('answers garbage with malformedRequest and a foreign issuer with unauthorized, never throwing', async () => {
    const malformed = dir.write('malformed.der', await h.pki.ocsp.respond(h.ctx, Buffer.from('not an OCSP request')));
    expect(run('openssl', ['ocsp', '-respin', malformed, '-resp_text', '-noverify']).output).toContain(
      'malformedrequest (1)',
    );
    const other = scratchDir();
    try {
      const { certFile: otherCaFile } = opensslSelfSigned(other, 'ca', {
        curve: 'P-256',
        subject: '/CN=Other',
        days: 1,
      });
      const requestFile = `${other.path}/req.der`;
      run('openssl', ['ocsp', '-issuer', otherCaFile, '-serial', '0x1234', '-reqout', requestFile]);
      const unauthorized = other.write('resp.der', await h.pki.ocsp.respond(h.ctx, readFileSync(requestFile)));
      expect(run('openssl', ['ocsp', '-respin', unauthorized, '-resp_text', '-noverify']).output).toContain(
        'unauthorized (6)',
      );
    } finally {
      other.remove();
    }
  });

  it('signs OCSP with a delegated responder certificate once one exists', async () => {
    const { csrPem } = opensslCsr(dir, 'api', { key: 'ec:P-256', subject: '/CN=api.example.test' });
    const issued = await h.pki.certificates.issueFromCsr(h.ctx, {
      caId: intermediate.id,
      profile: 'tls-server',
      csr: csrPem,
    });
    const signer = await h.pki.certificates.issueOcspSigner(h.ctx, intermediate.id);
    const signerText = run('openssl', ['x509', '-noout', '-text'], signer.certificatePem).output;
    expect(signerText).toContain('OCSP Signing');
    expect(signerText).toContain('OCSP No Check');
    const leafFile = dir.write('api.pem', issued.certificatePem);
    const requestFile = `${dir.path}/api-req.der`;
    run('openssl', ['ocsp', '-issuer', intermediateFile, '-cert', leafFile, '-reqout', requestFile]);
    const responseFile = dir.write('api-resp.der', await h.pki.ocsp.respond(h.ctx, readFileSync(requestFile)));
    const result = run(
      'openssl',
      ocspResponseArgs({ request: requestFile, response: responseFile, root: rootFile, untrusted: intermediateFile }),
    );
    expect(result.output).toContain('Response verify OK');
    expect(result.output).not.toContain('Nonce Verify error');
    expect(result.output).toContain(`Subject: CN=OCSP responder for ${intermediate.name}`);
    expect(result.output).toContain('Cert Status: good');
  });

  it('a server-key tls-server certificate, downloaded once as PKCS#12, serves TLS to a client trusting only the root', async () => {
    const issued = await h.pki.certificates.issueWithServerKey(h.ctx, {
      caId: intermediate.id,
      profile: 'tls-server',
      algorithm: 'ec-p256',
      subject: { commonName: 'localhost' },
      sans: ['dns:localhost', 'ip:127.0.0.1'],
      isExportable: true,
    });
    expect(issued.certificate.canExportPrivateKey).toBe(true);
    await expect(
      h.pki.certificates.export(h.ctx, { id: issued.certificate.id, format: 'pkcs12' }),
    ).rejects.toMatchObject({ code: 'PASSWORD_REQUIRED' });
    const exported = await h.pki.certificates.export(h.ctx, {
      id: issued.certificate.id,
      format: 'pkcs12',
      password: 'correct horse battery',
    });
    const pfx = Buffer.from(exported.content, 'base64');
    const p12File = dir.write('server.p12', pfx);
    const info = run('openssl', ['pkcs12', '-in', p12File, '-passin', 'pass:correct horse battery', '-nodes', '-info']);
    expect(info.status).toBe(0);
    expect(info.output).toContain('PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC');
    expect(info.output).toContain('Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC');
    expect(info.output).toContain('MAC: sha256');
    await expect(
      h.pki.certificates.export(h.ctx, {
        id: issued.certificate.id,
        format: 'pkcs12',
        password: 'correct horse battery',
      }),
    ).rejects.toMatchObject({ code: 'EXPORT_ALREADY_DONE' });
    expect(h.pki.certificates.get({ id: issued.certificate.id }).canExportPrivateKey).toBe(false);
    expect(auditRows('certificate.exportPrivateKey').map((row) => row.status)).toEqual([
      'failure',
      'success',
      'failure',
    ]);

    const server = createServer({ pfx, passphrase: 'correct horse battery' }, (socket) =>
      socket.end('hello over TLS\n'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const greeting = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(rootFile) }, () => {
          socket.setEncoding('utf8');
          let data = '';
          socket.on('data', (chunk: string) => (data += chunk));
          socket.on('end', () => resolve(data));
        });
        socket.on('error', reject);
      });
      expect(greeting).toBe('hello over TLS\n');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('exports PEM, DER, chain and PKCS#7 that openssl reads', async () => {
    const { items } = h.pki.certificateReads.list({ caId: intermediate.id, profile: 'tls-server', limit: 1 });
    const id = items[0]?.id ?? '';
    const der = await h.pki.certificates.export(h.ctx, { id, format: 'der' });
    expect(
      run('openssl', ['x509', '-inform', 'DER', '-noout', '-subject'], Buffer.from(der.content, 'base64')).status,
    ).toBe(0);
    const chain = await h.pki.certificates.export(h.ctx, { id, format: 'chain' });
    expect(chain.content.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
    const p7 = await h.pki.certificates.export(h.ctx, { id, format: 'pkcs7' });
    const printed = run(
      'openssl',
      ['pkcs7', '-inform', 'DER', '-print_certs', '-noout'],
      Buffer.from(p7.content, 'base64'),
    );
    expect(printed.status).toBe(0);
    expect(printed.output).toContain('subject=O = PKI Manager, CN = Services Issuing CA');
    expect(printed.output).toContain('subject=C = FR, O = PKI Manager, CN = Services Test Root');
  });

  it('lists with keyset pagination and filters', async () => {
    const first = h.pki.certificateReads.list({ limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = h.pki.certificateReads.list({ limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.items.map((item) => item.id)).not.toContain(first.items[0]?.id);
    expect(h.pki.certificateReads.list({ status: 'revoked' }).items.map((item) => item.commonName)).toEqual([
      'web.example.test',
    ]);
    expect(h.pki.certificateReads.list({ search: 'API.EXAMPLE' }).items).toHaveLength(1);
    expect(h.pki.certificateReads.list({ search: 'localhost' }).items[0]?.sans).toEqual([
      'dns:localhost',
      'ip:127.0.0.1',
    ]);
  });

  it('refuses to revoke or destroy a CA key with live certificates unless forced with a reason', async () => {
    const keyId = intermediate.keyId;
    await expect(h.pki.keys.revokeKey(h.ctx, { keyId, reason: 'superseded' })).rejects.toMatchObject({
      code: 'KEY_HAS_LIVE_CERTIFICATES',
    });
    await expect(h.pki.keys.destroyKey(h.ctx, { keyId, reason: 'superseded', isForced: true })).rejects.toMatchObject({
      code: 'FORCE_REASON_REQUIRED',
    });
    expect(auditRows('key.revoke')).toMatchObject([{ status: 'failure' }]);
    expect(h.pki.keys.liveCertificateCount(keyId)).toBeGreaterThan(0);
  });

  it('revoking a CA revokes what it issued and puts the CA certificate on its parent CRL', async () => {
    const sub = await h.pki.cas.createIntermediate(h.ctx, {
      parentId: root.id,
      name: 'Doomed',
      subject: { commonName: 'Doomed CA' },
      algorithm: 'ec-p256',
      validityDays: 365,
    });
    const { csrPem } = opensslCsr(dir, 'doomed-leaf', { key: 'ec:P-256', subject: '/CN=leaf.doomed.test' });
    const leaf = await h.pki.certificates.issueFromCsr(h.ctx, { caId: sub.id, profile: 'tls-server', csr: csrPem });
    await h.pki.cas.revoke(h.ctx, { caId: sub.id, reason: 'keyCompromise' });
    expect(h.pki.cas.get(sub.id).status).toBe('revoked');
    expect(h.pki.certificates.get({ id: leaf.certificate.id })).toMatchObject({
      status: 'revoked',
      revocationReason: 'cACompromise',
    });
    const rootCrl = dir.write('root.crl.pem', await h.pki.crls.getCrlPem(h.ctx, root.id));
    const text = run('openssl', ['crl', '-in', rootCrl, '-noout', '-text', '-verify', '-CAfile', rootFile]).output;
    expect(text).toContain('verify OK');
    expect(text).toContain(sub.serialHex?.toUpperCase() ?? 'missing');
    const subCrl = dir.write('doomed.crl.pem', await h.pki.crls.getCrlPem(h.ctx, sub.id));
    expect(run('openssl', ['crl', '-in', subCrl, '-noout', '-text']).output).toContain('CA Compromise');
    await expect(
      h.pki.certificates.issueFromCsr(h.ctx, { caId: sub.id, profile: 'tls-server', csr: csrPem }),
    ).rejects.toMatchObject({ code: 'CA_NOT_ACTIVE' });
  });

  it('produces a sub-CA CSR for an external root and imports the signed certificate', async () => {
    const { ca, csrPem } = await h.pki.cas.createSubordinateCsr(h.ctx, {
      name: 'External Sub',
      subject: { commonName: 'External Sub CA', organization: 'Example' },
      algorithm: 'ec-p384',
    });
    expect(ca.status).toBe('pending');
    const csrFile = dir.write('external.csr', csrPem);
    expect(run('openssl', ['req', '-in', csrFile, '-noout', '-verify']).output).toMatch(
      /verify OK|Certificate request self-signature verify OK/,
    );
    const externalRoot = opensslSelfSigned(dir, 'ext-root', {
      curve: 'P-384',
      subject: '/CN=External Root',
      days: 3650,
      addext: 'keyUsage=critical,keyCertSign,cRLSign',
    });
    const extFile = dir.write(
      'ext.cnf',
      'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
    );
    const signed = run('openssl', [
      'x509',
      '-req',
      '-in',
      csrFile,
      '-CA',
      externalRoot.certFile,
      '-CAkey',
      externalRoot.keyFile,
      '-CAcreateserial',
      // Longer than the leaf's default validity below, which must end before its issuer's.
      '-days',
      '400',
      '-extfile',
      extFile,
      '-out',
      `${dir.path}/ext-sub.pem`,
    ]);
    expect(signed.status).toBe(0);
    const imported = await h.pki.cas.importSignedCertificate(h.ctx, {
      caId: ca.id,
      certificatePem: readFileSync(`${dir.path}/ext-sub.pem`, 'utf8'),
      issuerChainPem: readFileSync(externalRoot.certFile, 'utf8'),
    });
    expect(imported).toMatchObject({ status: 'active', pathLength: 0, isRoot: false });
    const { csrPem: leafCsr } = opensslCsr(dir, 'ext-leaf', { key: 'ec:P-256', subject: '/CN=Ext Client' });
    const leaf = await h.pki.certificates.issueFromCsr(h.ctx, { caId: ca.id, profile: 'tls-client', csr: leafCsr });
    const leafFile = dir.write('ext-leaf.pem', leaf.certificatePem);
    const chainFile = dir.write('ext-chain.pem', leaf.chainPem);
    const verified = run('openssl', verifyArgs({ root: externalRoot.certFile, untrusted: chainFile, leaf: leafFile }));
    expect(verified.output).toContain(': OK');
    expect(toPem('CERTIFICATE', h.pki.cas.getCertificateDer(ca.id))).toBe(
      readFileSync(`${dir.path}/ext-sub.pem`, 'utf8'),
    );
  });
});
