/**
 * Issue 15: OCSP that a flood cannot turn into a weapon. The responder over the real
 * KMSService and local key store, its answers judged by `openssl ocsp`: a delegated
 * responder certificate per CA (issued and renewed by OcspSignerRenewal), pre-signed
 * answers that cost no signature, nonces within a budget, a revoked serial never `good`
 * from the cache, tryLater while the key store is away, aggregated audit rows.
 */
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CaSummary } from '@pki/shared';

import { KmsUnavailable } from '../kms/errors.js';
import type { KeyStore, SignRequest, SignResult } from '../kms/key-store.js';
import { openCaHierarchy } from '../../test/harness/ca-hierarchy.js';
import { opensslCsr, run, scratchDir } from '../../test/harness/openssl.js';
import type { ScratchDir } from '../../test/harness/openssl.js';
import { openPkiHarness } from '../../test/harness/pki-harness.js';
import type { PkiHarness } from '../../test/harness/pki-harness.js';

/** The local key store, whose signing a test can suspend (a slow key store) or fail (one that is away). */
class ControllableSigningStore implements KeyStore {
  isUnavailable = false;
  #gate: Promise<void> | undefined;
  #releaseGate: (() => void) | undefined;

  constructor(readonly inner: KeyStore) {}

  get backend() {
    return this.inner.backend;
  }
  get namespace() {
    return this.inner.namespace;
  }
  /** The next signature waits until `release()`. */
  holdNextSignature(): { release: () => void } {
    this.#gate = new Promise((resolve) => (this.#releaseGate = resolve));
    return { release: () => this.#releaseGate?.() };
  }
  capabilities() {
    return this.inner.capabilities();
  }
  generateKeyPair(request: Parameters<KeyStore['generateKeyPair']>[0]) {
    return this.inner.generateKeyPair(request);
  }
  getPublicKey(ref: string) {
    return this.inner.getPublicKey(ref);
  }
  async sign(request: SignRequest): Promise<SignResult> {
    if (this.isUnavailable) throw new KmsUnavailable('the key store stand-in is away', { operation: 'sign' });
    const gate = this.#gate;
    this.#gate = undefined;
    if (gate) await gate;
    return this.inner.sign(request);
  }
  revoke(request: Parameters<KeyStore['revoke']>[0]) {
    return this.inner.revoke(request);
  }
  destroy(ref: string) {
    return this.inner.destroy(ref);
  }
  describe(ref: string) {
    return this.inner.describe(ref);
  }
  list() {
    return this.inner.list();
  }
  health() {
    return this.inner.health();
  }
  close() {
    return this.inner.close();
  }
}

describe('issue 15: the OCSP responder under load and faults (local driver, judged by openssl)', () => {
  let h: PkiHarness;
  let store: ControllableSigningStore;
  let dir: ScratchDir;
  let root: CaSummary;
  let issuing: CaSummary;
  let rootFile: string;
  let issuingFile: string;
  let chainFile: string;
  let csrPem: string;
  let clockOffsetMs = 0;

  const signatureCount = () =>
    (
      h.temp.database.sqlite.prepare("SELECT count(*) AS n FROM audit_log WHERE operation = 'kms.sign'").get() as {
        n: number;
      }
    ).n;

  const issueLeaf = async (name: string) => {
    const issued = await h.pki.certificates.issueFromCsr(h.ctx, {
      caId: issuing.id,
      profile: 'tls-client',
      csr: csrPem,
    });
    return { issued, leafFile: dir.write(`${name}.pem`, issued.certificatePem) };
  };

  /** An OCSP request made by openssl for the leaf (or a bare serial), answered by the responder, read back by openssl. */
  const ask = async (name: string, target: { leafFile: string } | { serial: string }, useNonce: boolean) => {
    const requestFile = `${dir.path}/${name}-req.der`;
    const args = ['ocsp', '-issuer', issuingFile, '-reqout', requestFile];
    args.push(...('leafFile' in target ? ['-cert', target.leafFile] : ['-serial', target.serial]));
    if (!useNonce) args.push('-no_nonce');
    expect(run('openssl', args).status).toBe(0);
    const response = await h.pki.ocsp.respond(h.ctx, readFileSync(requestFile));
    const responseFile = dir.write(`${name}-resp.der`, response);
    // Trust anchor only: the delegated responder's certificate travels in the response.
    const verified = run('openssl', [
      'ocsp',
      '-reqin',
      requestFile,
      '-respin',
      responseFile,
      '-issuer',
      issuingFile,
      '-CAfile',
      chainFile,
      '-resp_text',
    ]);
    return { response: Buffer.from(response), output: verified.output };
  };

  beforeAll(async () => {
    dir = scratchDir('pki-ocsp-');
    h = await openPkiHarness({
      wrapKeyStore: (inner) => (store = new ControllableSigningStore(inner)),
      ocspBudgets: {
        signing: { capacity: 40, refillPerSecond: 0.001 },
        nonce: { capacity: 3, refillPerSecond: 0.001 },
      },
      now: () => new Date(Date.now() + clockOffsetMs),
    });
    ({ root, issuing } = await openCaHierarchy(h, {
      root: { name: 'OCSP Root', subject: { commonName: 'OCSP Test Root' }, validityDays: 3650 },
      issuing: { name: 'OCSP Issuing', subject: { commonName: 'OCSP Issuing CA' }, validityDays: 1825 },
    }));
    rootFile = dir.write('root.pem', h.pki.cas.getCertificatePem(root.id));
    issuingFile = dir.write('issuing.pem', h.pki.cas.getCertificatePem(issuing.id));
    chainFile = dir.write('chain.pem', `${readFileSync(issuingFile, 'utf8')}${readFileSync(rootFile, 'utf8')}`);
    ({ csrPem } = opensslCsr(dir, 'client', { key: 'ec:P-256', subject: '/CN=client.example.test' }));
  });
  afterAll(async () => {
    dir.remove();
    await h.cleanup();
  });

  it('gives every CA a delegated responder (OCSPSigning, ocsp-nocheck, 30 days) whose answers openssl verifies', async () => {
    const checks = await h.pki.ocspSigners.ensureAll();
    expect(Object.fromEntries(checks)).toEqual({ [root.id]: 'issued', [issuing.id]: 'issued' });
    expect(Object.fromEntries(await h.pki.ocspSigners.ensureAll())).toEqual({
      [root.id]: 'current',
      [issuing.id]: 'current',
    });
    const rows = h.temp.database.sqlite
      .prepare("SELECT actor, status, details FROM audit_log WHERE operation = 'ca.createOcspSigner' ORDER BY seq")
      .all() as { actor: string; status: string; details: string }[];
    expect(rows.map((row) => [row.actor, row.status, JSON.parse(row.details).reason])).toEqual([
      ['system:ocsp-signer', 'success', 'initial'],
      ['system:ocsp-signer', 'success', 'initial'],
    ]);

    const { issued, leafFile } = await issueLeaf('delegated');
    const answer = await ask('delegated', { leafFile }, true);
    expect(answer.output).toContain('Response verify OK');
    expect(answer.output).toContain(`Responder Id: `);
    expect(answer.output).toContain(`Subject: CN=OCSP responder for ${issuing.name}`);
    expect(answer.output).toContain('OCSP Signing');
    expect(answer.output).toContain('OCSP No Check');
    expect(answer.output).toContain('Cert Status: good');
    expect(answer.output).not.toContain('Nonce Verify error');
    expect(answer.output).toContain(`Serial Number: ${issued.certificate.serialHex.toUpperCase()}`);
    const signerText = run('openssl', ['x509', '-noout', '-dates'], extractFirstCertificatePem(answer.output)).output;
    const [, notBefore = '', notAfter = ''] = /notBefore=(.*)\nnotAfter=(.*)/.exec(signerText) ?? [];
    const days = (Date.parse(notAfter) - Date.parse(notBefore)) / 86_400_000;
    expect(Math.round(days)).toBe(30);
  });

  it('answers a repeated question from the pre-signed cache: no signature, same bytes', async () => {
    const { leafFile } = await issueLeaf('cached');
    const first = await ask('cached-1', { leafFile }, false);
    expect(first.output).toContain('Cert Status: good');
    const signaturesBefore = signatureCount();
    for (let index = 0; index < 20; index++) {
      const again = await ask(`cached-${index + 2}`, { leafFile }, false);
      expect(again.response.equals(first.response)).toBe(true);
    }
    expect(signatureCount()).toBe(signaturesBefore);
  });

  it('honours nonces within the nonce budget and answers from the cache without one beyond it', async () => {
    const { leafFile } = await issueLeaf('nonce');
    const honoured: boolean[] = [];
    for (let index = 0; index < 6; index++) {
      const answer = await ask(`nonce-${index}`, { leafFile }, true);
      expect(answer.output).toContain('Response verify OK');
      expect(answer.output).toContain('Cert Status: good');
      expect(answer.output).not.toContain('Nonce Verify error');
      honoured.push(!answer.output.includes('WARNING: no nonce in response'));
    }
    // A budget of 3, one spent by the first test: two honoured, then answered without the nonce.
    expect(honoured).toEqual([true, true, false, false, false, false]);
  });

  it('never serves a revoked serial as good from the cache, even when a signature was in flight', async () => {
    const { issued, leafFile } = await issueLeaf('revoked');
    expect((await ask('revoked-before', { leafFile }, false)).output).toContain('Cert Status: good');
    await h.pki.certificates.revoke(h.ctx, {
      caId: issuing.id,
      serialHex: issued.certificate.serialHex,
      reason: 'keyCompromise',
    });
    const after = await ask('revoked-after', { leafFile }, false);
    expect(after.output).toContain('Response verify OK');
    expect(after.output).toContain('Cert Status: revoked');

    // A signature for a good answer is under way when the revocation commits: the good
    // answer it produces goes to the one who asked before, never into the cache.
    const racing = await issueLeaf('racing');
    const hold = store.holdNextSignature();
    const inFlight = ask('racing-before', racing, false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const revocation = h.pki.certificates.revoke(h.ctx, {
      caId: issuing.id,
      serialHex: racing.issued.certificate.serialHex,
      reason: 'superseded',
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    hold.release();
    expect((await inFlight).output).toContain('Cert Status: good');
    await revocation;
    for (let index = 0; index < 3; index++) {
      expect((await ask(`racing-after-${index}`, racing, false)).output).toContain('Cert Status: revoked');
    }
  });

  it('answers from the cache while the key store is away, tryLater (not internalError) when it has no answer', async () => {
    const { leafFile: cachedLeaf } = await issueLeaf('outage-cached');
    const { leafFile: uncachedLeaf } = await issueLeaf('outage-uncached');
    expect((await ask('outage-warm', { leafFile: cachedLeaf }, false)).output).toContain('Cert Status: good');
    store.isUnavailable = true;
    try {
      const cached = await ask('outage-cached', { leafFile: cachedLeaf }, true);
      expect(cached.output).toContain('Response verify OK');
      expect(cached.output).toContain('Cert Status: good');
      const uncached = await ask('outage-uncached', { leafFile: uncachedLeaf }, false);
      expect(uncached.output).toContain('trylater (3)');
    } finally {
      store.isUnavailable = false;
    }
    expect((await ask('outage-over', { leafFile: uncachedLeaf }, false)).output).toContain('Cert Status: good');
  });

  it('answers serials we never issued unauthorized, unsigned; beyond the signing budget tryLater for ours', async () => {
    const { leafFile: warmLeaf } = await issueLeaf('budget-warm');
    expect((await ask('budget-warm', { leafFile: warmLeaf }, false)).output).toContain('Cert Status: good');
    const signaturesBefore = signatureCount();
    for (let index = 0; index < 5; index++) {
      const answer = await ask(`foreign-serial-${index}`, { serial: `0x${(0x7000 + index).toString(16)}` }, true);
      expect(answer.output).toContain('unauthorized (6)');
    }
    expect(signatureCount()).toBe(signaturesBefore);
    const outcomes: string[] = [];
    for (let index = 0; index < 30; index++) {
      const { leafFile } = await issueLeaf(`budget-${index}`);
      const answer = await ask(`budget-${index}`, { leafFile }, false);
      outcomes.push(
        answer.output.includes('trylater (3)')
          ? 'tryLater'
          : answer.output.includes('Cert Status: good')
            ? 'good'
            : answer.output,
      );
    }
    expect(outcomes.slice(0, 3)).toEqual(['good', 'good', 'good']);
    expect(outcomes.at(-1)).toBe('tryLater');
    expect(new Set(outcomes)).toEqual(new Set(['good', 'tryLater']));
    // What is cached still flows.
    expect((await ask('budget-warm-again', { leafFile: warmLeaf }, false)).output).toContain('Cert Status: good');
  });

  it('renews a responder certificate nearing its end, audited as a renewal', async () => {
    clockOffsetMs = 25 * 86_400_000;
    try {
      const checks = await h.pki.ocspSigners.ensureAll();
      expect(checks.get(issuing.id)).toBe('renewed');
      const row = h.temp.database.sqlite
        .prepare(
          "SELECT actor, details FROM audit_log WHERE operation = 'ca.createOcspSigner' AND status = 'success' ORDER BY seq DESC LIMIT 1",
        )
        .get() as { actor: string; details: string };
      expect(row.actor).toBe('system:ocsp-signer');
      expect(JSON.parse(row.details)).toMatchObject({ reason: 'renewal', replacesCertificateId: expect.any(String) });
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('writes OCSP activity as one aggregated row per CA, not one per request', async () => {
    const before = h.temp.database.sqlite.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number };
    await h.pki.ocsp.flushActivity();
    const rows = h.temp.database.sqlite
      .prepare("SELECT actor, entity_id, details FROM audit_log WHERE operation = 'ocsp.responses'")
      .all() as { actor: string; entity_id: string | null; details: string }[];
    expect(rows.length).toBeLessThanOrEqual(2);
    const issuingRow = rows.find((row) => row.entity_id === issuing.id);
    expect(issuingRow?.actor).toBe('system:ocsp');
    const details = JSON.parse(issuingRow?.details ?? '{}') as { total: number; counts: Record<string, number> };
    expect(details.total).toBeGreaterThan(50);
    expect(details.counts).toMatchObject({
      cached: expect.any(Number),
      nonceSigned: expect.any(Number),
      nonceOmitted: expect.any(Number),
      tryLater: expect.any(Number),
      unauthorized: expect.any(Number),
    });
    const after = h.temp.database.sqlite.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number };
    expect(after.n - before.n).toBe(rows.length);
  });
});

function extractFirstCertificatePem(text: string): string {
  const match = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text);
  if (!match) throw new Error(`no certificate in openssl output:\n${text}`);
  return `${match[0]}\n`;
}
