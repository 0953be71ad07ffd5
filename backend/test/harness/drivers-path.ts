/**
 * One CA path — root → intermediate → leaf from an openssl CSR → revocation → CRL → OCSP —
 * run on a listening app whose key store is a real external back end (PyKMIP, SoftHSM2),
 * judged by openssl and certtool only. The app builds its own driver from PKI_* variables,
 * exactly as `pnpm start` would, and PKI_PUBLIC_URL is the listening address, so the CRL
 * distribution point and the OCSP URL printed in the leaf are the ones the validators use.
 *
 * That the CA keys live in the back end, and nowhere else, is shown by the back end's own
 * tooling in another process (`witness`): it signs a challenge with the key the CA record
 * points at, and openssl checks that signature against the public key in the CA
 * certificate. That every signature went through the driver is shown by the audit rows.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CaSummary, CreateRootCaInput, KeyAlgorithm, KmsBackend } from '@pki/shared';

import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { verifyAuditChain } from '../../src/audit/verify.js';
import { KMS_AUDIT_OPERATIONS } from '../../src/kms/service.js';
import { silentLogger } from './temp-local-store.js';
import { systemContext } from '../../src/request-context.js';
import type { RequestContext } from '../../src/request-context.js';
import { signatureAlgorithmFor } from '../../src/pki/kms-signer.js';
import { freePort } from './ports.js';
import { crlCheckArgs, opensslCsr, scratchDir, verifyArgs } from './openssl.js';
import type { ScratchDir, ToolResult } from './openssl.js';

export interface DriverPathCase {
  rootAlgorithm: CreateRootCaInput['algorithm'];
  intermediateAlgorithm: KeyAlgorithm;
  /** openssl genpkey spelling of the leaf key: `rsa:2048`, `ec:P-256`. */
  leafKey: string;
}

/** A CA key as the witness needs it: where it lives in the back end and what it should match. */
export interface CaKeyUnderTest {
  keyId: string;
  privateKeyRef: string;
  /** The label the driver was asked for (it prefixes the namespace itself). */
  label: string;
  algorithm: KeyAlgorithm;
  /** openssl digest name of the CA's signatures: `sha256`, `sha384`. */
  digest: string;
}

export interface DriverWitness {
  /** PKI_KMS_BACKEND and the driver's PKI_* variables, as an operator would set them. */
  env: Record<string, string>;
  /**
   * Signs `dataFile` with the key by the back end's own client in another process and
   * writes a DER signature (PKCS#1 v1.5 or ECDSA-Sig-Value) to `signatureFile`.
   */
  signOutside(key: CaKeyUnderTest, dataFile: string, signatureFile: string): Promise<void>;
  /** Asserts what the back end itself reports about the key (e.g. never extractable). */
  inspect(key: CaKeyUnderTest): Promise<void>;
  /** Secret bytes of the key when the back end shows them to a test (PyKMIP does, a token never). */
  secretsOf?(key: CaKeyUnderTest): Promise<Buffer[]>;
  /** Sign operations counted by the back end itself (PyKMIP's log), to compare with our audit rows. */
  countSignOperations?(): Promise<number>;
}

export interface DriverPathOptions {
  backend: Exclude<KmsBackend, 'local'>;
  /** Called in beforeAll, after the file's own hooks have started the back end. */
  witness: () => DriverWitness;
  cases: readonly DriverPathCase[];
  /** When set, the suite is skipped and the reason is printed in its title. */
  unavailableReason?: string | undefined;
}

/**
 * Asynchronous on purpose: the server answering `openssl ocsp -url` runs in this process.
 * Children inherit this process's environment, SOFTHSM2_CONF included.
 */
export function tool(command: string, args: readonly string[]): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(new Error(`${command} could not run: ${error.message}`));
        else resolve({ status: typeof error?.code === 'number' ? error.code : 0, output: `${stdout}${stderr}` });
      },
    );
  });
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const SIGNATURE_ALGORITHM_NAMES: Record<KeyAlgorithm, string> = {
  'rsa-2048': 'sha256WithRSAEncryption',
  'rsa-3072': 'sha256WithRSAEncryption',
  'rsa-4096': 'sha384WithRSAEncryption',
  'ec-p256': 'ecdsa-with-SHA256',
  'ec-p384': 'ecdsa-with-SHA384',
};

export function describeDriverPath(options: DriverPathOptions): void {
  const { backend, cases } = options;
  const skipped = options.unavailableReason === undefined ? '' : ` (skipped: ${options.unavailableReason})`;

  describe.skipIf(options.unavailableReason !== undefined)(
    `CA path on the ${backend} driver, judged by openssl and certtool${skipped}`,
    () => {
      let witness: DriverWitness;
      let app: Awaited<ReturnType<typeof buildApp>>;
      let dataDir: ScratchDir;
      let dir: ScratchDir;
      let baseUrl: string;
      const ctx: RequestContext = systemContext(`drivers-path-${backend}`);
      const caKeyIds = new Set<string>();
      /** Artifacts openssl verified against a CA certificate: each one is a signature we made. */
      let verifiedSignatures = 0;
      /** Signatures the witness made itself, which the back end counts too. */
      let outsideSignatures = 0;

      const auditRows = (operation: string) =>
        app.services.database.sqlite
          .prepare('SELECT status, entity_id, details FROM audit_log WHERE operation = ? ORDER BY seq')
          .all(operation) as { status: string; entity_id: string | null; details: string }[];

      const caKey = (keyId: string, label: string): CaKeyUnderTest => {
        const row = app.services.database.sqlite
          .prepare('SELECT private_key_ref, algorithm, backend FROM kms_keys WHERE id = ?')
          .get(keyId) as { private_key_ref: string; algorithm: KeyAlgorithm; backend: string } | undefined;
        if (row === undefined) throw new Error(`no kms_keys row for ${keyId}`);
        expect(row.backend).toBe(backend);
        return {
          keyId,
          privateKeyRef: row.private_key_ref,
          label,
          algorithm: row.algorithm,
          digest: signatureAlgorithmFor(row.algorithm).hash.replace('-', ''),
        };
      };

      beforeAll(async () => {
        witness = options.witness();
        dataDir = scratchDir('pki-drivers-path-data-');
        dir = scratchDir('pki-drivers-path-');
        const port = await freePort();
        baseUrl = `http://127.0.0.1:${port}`;
        const config = loadConfig({
          PKI_MODE: 'test',
          PKI_DATA_DIR: dataDir.path,
          PKI_HOST: '127.0.0.1',
          PKI_PORT: String(port),
          PKI_PUBLIC_URL: baseUrl,
          PKI_KMS_NAMESPACE: `drivers-path-${backend}`,
          ...witness.env,
        });
        expect(config.kms.backend).toBe(backend);
        app = await buildApp(config, { logger: silentLogger() });
        await app.listen({ host: '127.0.0.1', port });
      });

      afterAll(async () => {
        await app?.close();
        dataDir?.remove();
        dir?.remove();
      });

      describe.each(cases)('root $rootAlgorithm → intermediate $intermediateAlgorithm → leaf $leafKey', (path) => {
        const prefix = `${path.rootAlgorithm}-${path.intermediateAlgorithm}`;
        let root: CaSummary;
        let intermediate: CaSummary;
        let rootFile: string;
        let intermediateFile: string;
        let chainFile: string;

        beforeAll(async () => {
          root = await app.services.pki.cas.createRoot(ctx, {
            name: `${prefix} root`,
            subject: { commonName: `${backend} ${path.rootAlgorithm} Root`, organization: 'PKI Manager' },
            algorithm: path.rootAlgorithm,
            validityDays: 3650,
          });
          intermediate = await app.services.pki.cas.createIntermediate(ctx, {
            parentId: root.id,
            name: `${prefix} issuing`,
            subject: { commonName: `${backend} ${path.intermediateAlgorithm} Issuing CA`, organization: 'PKI Manager' },
            algorithm: path.intermediateAlgorithm,
            validityDays: 1825,
            pathLength: 0,
          });
          caKeyIds.add(root.keyId);
          caKeyIds.add(intermediate.keyId);
          rootFile = dir.write(`${prefix}-root.pem`, app.services.pki.cas.getCertificatePem(root.id));
          intermediateFile = dir.write(
            `${prefix}-intermediate.pem`,
            app.services.pki.cas.getCertificatePem(intermediate.id),
          );
          chainFile = dir.write(
            `${prefix}-chain.pem`,
            readFileSync(intermediateFile, 'utf8') + readFileSync(rootFile, 'utf8'),
          );
        });

        it('CA keys are generated in the back end, usable there by its own client, and absent from our data directory', async () => {
          const rootText = await tool('openssl', ['x509', '-in', rootFile, '-noout', '-text']);
          expect(rootText.output).toContain(`Signature Algorithm: ${SIGNATURE_ALGORITHM_NAMES[path.rootAlgorithm]}`);
          expect((await tool('openssl', ['verify', '-x509_strict', '-CAfile', rootFile, rootFile])).status).toBe(0);
          const intermediateCheck = await tool('openssl', [
            'verify',
            '-x509_strict',
            '-CAfile',
            rootFile,
            intermediateFile,
          ]);
          expect(intermediateCheck.output).toContain(': OK');
          verifiedSignatures += 2;

          for (const [ca, certificateFile] of [
            [root, rootFile],
            [intermediate, intermediateFile],
          ] as const) {
            const key = caKey(ca.keyId, `ca-${ca.id}`);
            expect(key.algorithm).toBe(ca.id === root.id ? path.rootAlgorithm : path.intermediateAlgorithm);
            // Our record, and the state the driver reports for it now.
            const described = await app.services.kms.describeKey(ctx, { keyId: ca.keyId });
            expect(described.key).toMatchObject({ backend, purpose: 'ca', isExportable: false, state: 'active' });
            expect(described.kms?.state).toBe('active');
            await witness.inspect(key);

            const challengeFile = dir.write(
              `${ca.id}-challenge.bin`,
              `signed outside PKI Manager by the key of ${ca.id}`,
            );
            const signatureFile = join(dir.path, `${ca.id}-challenge.sig`);
            await witness.signOutside(key, challengeFile, signatureFile);
            outsideSignatures += 1;
            const publicKeyFile = join(dir.path, `${ca.id}-public.pem`);
            expect(
              (await tool('openssl', ['x509', '-in', certificateFile, '-noout', '-pubkey', '-out', publicKeyFile]))
                .status,
            ).toBe(0);
            const outside = await tool('openssl', [
              'dgst',
              `-${key.digest}`,
              '-verify',
              publicKeyFile,
              '-signature',
              signatureFile,
              challengeFile,
            ]);
            expect(outside.output.trim()).toBe('Verified OK');

            if (witness.secretsOf) {
              const secrets = await witness.secretsOf(key);
              expect(secrets.length).toBeGreaterThan(0);
              app.services.database.sqlite.pragma('wal_checkpoint(PASSIVE)');
              for (const file of filesUnder(dataDir.path)) {
                const content = readFileSync(file);
                for (const secret of secrets)
                  expect(content.indexOf(secret), `${file} holds private key material`).toBe(-1);
              }
            }
          }
          // The local driver's sealed-key table is the only place our database could hold one.
          expect(app.services.database.sqlite.prepare('SELECT count(*) AS n FROM local_kms_keys').get()).toEqual({
            n: 0,
          });
        });

        it('a tls-server leaf from an openssl CSR: openssl -x509_strict and certtool accept the chain; CRL and OCSP say revoked after revocation', async () => {
          const { csrPem } = opensslCsr(dir, `${prefix}-leaf`, {
            key: path.leafKey,
            subject: `/CN=${prefix}.${backend}.example.test`,
            sans: `DNS:${prefix}.${backend}.example.test`,
          });
          const issued = await app.services.pki.certificates.issueFromCsr(ctx, {
            caId: intermediate.id,
            profile: 'tls-server',
            csr: csrPem,
          });
          const serial = issued.certificate.serialHex.toUpperCase();
          const leafFile = dir.write(`${prefix}-leaf.pem`, issued.certificatePem);

          const chain = { root: rootFile, untrusted: intermediateFile, leaf: leafFile };
          const verified = await tool('openssl', verifyArgs(chain));
          expect(verified.output).toContain(`${leafFile}: OK`);
          expect(verified.status).toBe(0);
          verifiedSignatures += 1;
          const fullChainFile = dir.write(
            `${prefix}-full-chain.pem`,
            issued.certificatePem + readFileSync(chainFile, 'utf8'),
          );
          const certtool = await tool('certtool', ['--verify-chain', '--infile', fullChainFile]);
          expect(certtool.output).toContain('Chain verification output: Verified.');
          expect(certtool.status).toBe(0);

          const leafText = (await tool('openssl', ['x509', '-in', leafFile, '-noout', '-text'])).output;
          expect(leafText).toContain(`Signature Algorithm: ${SIGNATURE_ALGORITHM_NAMES[path.intermediateAlgorithm]}`);
          expect(leafText).toContain('TLS Web Server Authentication');
          // The URLs printed in the leaf are the listening app's: the validators below follow them.
          const ocspUrl = (await tool('openssl', ['x509', '-in', leafFile, '-noout', '-ocsp_uri'])).output.trim();
          expect(ocspUrl).toBe(`${baseUrl}/ocsp`);
          const crlUrl = /URI:(\S+\.crl)/.exec(leafText)?.[1];
          expect(crlUrl).toBe(`${baseUrl}/crl/${intermediate.id}.crl`);

          const ocsp = () =>
            tool('openssl', [
              'ocsp',
              '-issuer',
              intermediateFile,
              '-cert',
              leafFile,
              '-url',
              ocspUrl,
              '-CAfile',
              chainFile,
            ]);
          const good = await ocsp();
          expect(good.output).toContain('Response verify OK');
          expect(good.output).toContain(`${leafFile}: good`);
          verifiedSignatures += 1;

          await app.services.pki.certificates.revoke(ctx, {
            caId: intermediate.id,
            serialHex: serial,
            reason: 'keyCompromise',
          });

          const response = await fetch(crlUrl ?? '');
          expect(response.status).toBe(200);
          expect(response.headers.get('content-type')).toBe('application/pkix-crl');
          const crlFile = dir.write(`${prefix}-intermediate.crl`, Buffer.from(await response.arrayBuffer()));
          const crl = await tool('openssl', [
            'crl',
            '-inform',
            'DER',
            '-in',
            crlFile,
            '-CAfile',
            chainFile,
            '-verify',
            '-noout',
            '-text',
          ]);
          expect(crl.output).toContain('verify OK');
          expect(crl.output).toContain(`Signature Algorithm: ${SIGNATURE_ALGORITHM_NAMES[path.intermediateAlgorithm]}`);
          expect(crl.output).toContain(`Serial Number: ${serial}`);
          expect(crl.output).toContain('Key Compromise');
          expect(crl.output).toMatch(/X509v3 CRL Number:\s+\d+/);
          verifiedSignatures += 1;
          const crlCheck = await tool('openssl', crlCheckArgs(chain, crlFile));
          expect(crlCheck.output).toContain('certificate revoked');
          expect(crlCheck.status).not.toBe(0);

          const revoked = await ocsp();
          expect(revoked.output).toContain('Response verify OK');
          expect(revoked.output).toContain(`${leafFile}: revoked`);
          expect(revoked.output).toContain('Reason: keyCompromise');
          verifiedSignatures += 1;
        });
      });

      it(`every signature went through the ${backend} driver, each audited, the audit chain intact`, async () => {
        const signatures = auditRows(KMS_AUDIT_OPERATIONS.sign);
        expect(signatures.length).toBeGreaterThanOrEqual(verifiedSignatures);
        for (const row of signatures) {
          expect(row.status).toBe('success');
          expect(JSON.parse(row.details)).toMatchObject({ backend });
          expect(caKeyIds.has(row.entity_id ?? '')).toBe(true);
        }
        const generations = auditRows(KMS_AUDIT_OPERATIONS.generateKeyPair);
        expect(generations).toHaveLength(caKeyIds.size);
        for (const row of generations)
          expect(JSON.parse(row.details)).toMatchObject({ backend, purpose: 'ca', isExportable: false });
        if (witness.countSignOperations)
          expect(await witness.countSignOperations()).toBe(signatures.length + outsideSignatures);
        expect(verifyAuditChain(app.services.database)).toMatchObject({ isValid: true });
      });
    },
  );
}
