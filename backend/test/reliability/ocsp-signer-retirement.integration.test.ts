/**
 * Issue 15: OCSP responder key rotation. After a delegated responder certificate is renewed,
 * the key of the one it replaced must not stay usable in the key store forever: once the
 * replacement has been live for the grace period (a day), the old key is revoked (superseded)
 * and destroyed through KMSService, each step audited under `system:ocsp-signer`, and gone
 * from the key store itself; until then it stays active. A key store that refuses the
 * destruction leaves the key revoked, and the next check destroys it. The responder answers
 * with the new signer throughout, judged by openssl. The clock is moved with the services'
 * `now`; the key store and database are the real local ones.
 */
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CaSummary } from '@pki/shared';

import { KmsUnavailable } from '../../src/kms/errors.js';
import type { KeyStore } from '../../src/kms/key-store.js';
import { OCSP_SIGNING_PROFILE } from '../../src/pki/profiles.js';
import { openCaHierarchy } from '../harness/ca-hierarchy.js';
import { run, scratchDir } from '../harness/openssl.js';
import type { ScratchDir } from '../harness/openssl.js';
import { openPkiHarness } from '../harness/pki-harness.js';
import type { PkiHarness } from '../harness/pki-harness.js';

const DAY_MS = 86_400_000;

/** The local key store, which refuses the next `destroy` of one key as a key store that is away would. */
function refusingNextDestroy(inner: KeyStore): KeyStore & { refuseNextDestroy(privateKeyRef: string): void } {
  let refused: string | undefined;
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'refuseNextDestroy') return (privateKeyRef: string) => (refused = privateKeyRef);
      if (property === 'destroy') {
        return (ref: string) => {
          if (ref !== refused) return target.destroy(ref);
          refused = undefined;
          return Promise.reject(new KmsUnavailable('the key store is away', { operation: 'destroy' }));
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as KeyStore & { refuseNextDestroy(privateKeyRef: string): void };
}

describe('issue 15: a replaced OCSP responder key is retired', () => {
  let h: PkiHarness;
  let store: ReturnType<typeof refusingNextDestroy>;
  let dir: ScratchDir;
  let issuing: CaSummary;
  let clockOffsetMs = 0;
  let leafFile: string;
  let issuingFile: string;
  let chainFile: string;

  /** The responder certificates of the issuing CA with their key's state, oldest first. */
  const signers = () =>
    h.temp.database.sqlite
      .prepare(
        `SELECT c.id, c.key_id AS keyId, k.state, k.private_key_ref AS privateKeyRef FROM certificates c
         JOIN kms_keys k ON k.id = c.key_id WHERE c.ca_id = ? AND c.profile = ? ORDER BY c.not_after`,
      )
      .all(issuing.id, OCSP_SIGNING_PROFILE.id) as {
      id: string;
      keyId: string;
      state: string;
      privateKeyRef: string;
    }[];

  /** A fresh OCSP answer (a nonce forces a signature), verified by openssl; returns the key that signed it. */
  const askOcsp = async (name: string): Promise<{ output: string; signingKeyId: string }> => {
    const requestFile = `${dir.path}/${name}.req.der`;
    run('openssl', ['ocsp', '-issuer', issuingFile, '-cert', leafFile, '-reqout', requestFile]);
    const response = await h.pki.ocsp.respond(h.ctx, readFileSync(requestFile));
    const responseFile = dir.write(`${name}.resp.der`, response);
    const verified = run('openssl', [
      'ocsp',
      '-respin',
      responseFile,
      '-reqin',
      requestFile,
      '-issuer',
      issuingFile,
      '-CAfile',
      chainFile,
      // openssl judges at the services' moved clock: the renewed responder is valid from then.
      '-attime',
      String(Math.floor((Date.now() + clockOffsetMs) / 1000)),
      '-validity_period',
      String(Math.ceil((clockOffsetMs + DAY_MS) / 1000)),
      '-resp_text',
    ]);
    const lastSign = h.temp.database.sqlite
      .prepare("SELECT entity_id AS keyId FROM audit_log WHERE operation = 'kms.sign' ORDER BY seq DESC LIMIT 1")
      .get() as { keyId: string };
    return { output: verified.output, signingKeyId: lastSign.keyId };
  };

  const keyStoreHolds = async (privateKeyRef: string) =>
    (await store.list()).some((key) => key.privateKeyRef === privateKeyRef && key.state !== 'destroyed');

  beforeAll(async () => {
    dir = scratchDir('pki-ocsp-retire-');
    h = await openPkiHarness({
      wrapKeyStore: (inner) => (store = refusingNextDestroy(inner)),
      now: () => new Date(Date.now() + clockOffsetMs),
    });
    let root: CaSummary;
    ({ root, issuing } = await openCaHierarchy(h, {
      root: { name: 'Retire Root', subject: { commonName: 'Retire Root' }, validityDays: 3650 },
      issuing: { name: 'Retire Issuing', subject: { commonName: 'Retire Issuing' }, validityDays: 1825 },
    }));
    issuingFile = dir.write('issuing.pem', h.pki.cas.getCertificatePem(issuing.id));
    chainFile = dir.write(
      'chain.pem',
      `${h.pki.cas.getCertificatePem(issuing.id)}${h.pki.cas.getCertificatePem(root.id)}`,
    );
    const leaf = await h.pki.certificates.issueWithServerKey(h.ctx, {
      caId: issuing.id,
      profile: 'tls-client',
      algorithm: 'ec-p256',
      subject: { commonName: 'retire.example.test' },
      validityDays: 200,
    });
    leafFile = dir.write('leaf.pem', leaf.certificatePem);
  });
  afterAll(async () => {
    dir.remove();
    await h.cleanup();
  });

  it('keeps the old key through the grace period, then revokes and destroys it, audited, retrying a refused destroy', async () => {
    expect((await h.pki.ocspSigners.ensureAll()).get(issuing.id)).toBe('issued');
    const [first] = signers();
    if (!first) throw new Error('no responder certificate issued');
    const initial = await askOcsp('initial');
    expect(initial.output).toContain('Response verify OK');
    expect(initial.signingKeyId).toBe(first.keyId);

    // Renewed 25 days on (ten days before the 30-day certificate ends): the old key still signs nothing, and stays.
    clockOffsetMs = 25 * DAY_MS;
    expect((await h.pki.ocspSigners.ensureAll()).get(issuing.id)).toBe('renewed');
    const renewed = signers();
    expect(renewed.map((signer) => signer.state)).toEqual(['active', 'active']);
    const second = renewed[1];
    if (!second) throw new Error('no replacement responder certificate');
    const afterRenewal = await askOcsp('after-renewal');
    expect(afterRenewal.output).toContain('Response verify OK');
    expect(afterRenewal.output).toContain('Cert Status: good');
    expect(afterRenewal.signingKeyId).toBe(second.keyId);

    // Half a day later: within the grace period, nothing is retired.
    clockOffsetMs = 25.5 * DAY_MS;
    expect((await h.pki.ocspSigners.ensureAll()).get(issuing.id)).toBe('current');
    expect(signers().map((signer) => signer.state)).toEqual(['active', 'active']);
    expect(await keyStoreHolds(first.privateKeyRef)).toBe(true);

    // Past the grace period with the key store refusing the destruction: revoked, not yet destroyed.
    clockOffsetMs = 26.1 * DAY_MS;
    store.refuseNextDestroy(first.privateKeyRef);
    expect((await h.pki.ocspSigners.ensureAll()).get(issuing.id)).toBe('current');
    expect(signers().map((signer) => signer.state)).toEqual(['deactivated', 'active']);

    // The next check destroys it.
    expect((await h.pki.ocspSigners.ensureAll()).get(issuing.id)).toBe('current');
    expect(signers().map((signer) => signer.state)).toEqual(['destroyed', 'active']);
    expect(await keyStoreHolds(first.privateKeyRef)).toBe(false);
    expect(await keyStoreHolds(second.privateKeyRef)).toBe(true);

    const rows = h.temp.database.sqlite
      .prepare(
        "SELECT operation, status, actor, details FROM audit_log WHERE entity_id = ? AND operation IN ('kms.revokeKey', 'kms.destroyKey') ORDER BY seq",
      )
      .all(first.keyId) as { operation: string; status: string; actor: string; details: string }[];
    console.log(
      `retired responder key ${first.keyId}: ${rows.map((row) => `${row.operation}/${row.status}`).join(', ')}`,
    );
    expect(rows.map((row) => [row.operation, row.status, row.actor])).toEqual([
      ['kms.revokeKey', 'success', 'system:ocsp-signer'],
      ['kms.destroyKey', 'failure', 'system:ocsp-signer'],
      ['kms.destroyKey', 'success', 'system:ocsp-signer'],
    ]);
    expect(JSON.parse(rows[0]?.details ?? '{}')).toMatchObject({ reason: 'superseded' });

    // The responder goes on with the new signer, and a further check retires nothing more.
    const afterRetirement = await askOcsp('after-retirement');
    expect(afterRetirement.output).toContain('Response verify OK');
    expect(afterRetirement.output).toContain('Cert Status: good');
    expect(afterRetirement.signingKeyId).toBe(second.keyId);
    expect((await h.pki.ocspSigners.ensureAll()).get(issuing.id)).toBe('current');
    expect(signers().map((signer) => signer.state)).toEqual(['destroyed', 'active']);
  });
});
