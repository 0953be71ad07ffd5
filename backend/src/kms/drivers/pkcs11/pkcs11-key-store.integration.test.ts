/**
 * The pkcs11 driver against a real SoftHSM2 token made in a temp dir by the harness. What the
 * shared contract suite cannot see is tested here: non-extractability as seen by the token and
 * by pkcs11-tool, the PIN and module errors, namespaces, lost sessions, and restarts.
 */
import { execFile } from 'node:child_process';
import { constants as cryptoConstants, createPublicKey, verify } from 'node:crypto';
import { promisify } from 'node:util';

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createSoftHsmToken, softHsmUnavailableReason, type SoftHsmToken } from '../../../../test/harness/softhsm.js';
import type { KmsError } from '../../kmip/errors.js';
import { KmsInvalidRequest, KmsNotFound, KmsPermissionDenied, KmsUnavailable } from '../../kmip/errors.js';
import type { GenerateKeyPairResult } from '../../key-store.js';
import { Pkcs11KeyStore, type Pkcs11KeyStoreOptions } from './pkcs11-key-store.js';
import { acquireModule } from './pkcs11-module.js';

const execFileAsync = promisify(execFile);
const log = pino({ level: 'silent' });
const DATA = Buffer.from('to be signed by a key that never leaves the token');
const unavailable = softHsmUnavailableReason();

let token: SoftHsmToken;

function optionsFor(overrides: Partial<Pkcs11KeyStoreOptions> = {}): Pkcs11KeyStoreOptions {
  return {
    modulePath: token.modulePath,
    tokenLabel: token.tokenLabel,
    pin: token.pin,
    namespace: 'pki-test',
    ...overrides,
  };
}

function verifyWith(key: GenerateKeyPairResult, algorithm: string, signature: Uint8Array, padding?: object): boolean {
  const publicKey = createPublicKey({ key: Buffer.from(key.publicKeySpki), format: 'der', type: 'spki' });
  return verify(algorithm, DATA, { key: publicKey, ...padding }, signature);
}

async function captureError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal, but the call succeeded');
}

describe.skipIf(unavailable !== undefined)(
  `pkcs11 key store on SoftHSM2${unavailable === undefined ? '' : ` (skipped: ${unavailable})`}`,
  () => {
    beforeAll(async () => {
      token = await createSoftHsmToken();
    });
    afterAll(async () => {
      await token?.cleanup();
    });

    describe('with a logged-in store', () => {
      let store: Pkcs11KeyStore;
      beforeAll(() => {
        store = new Pkcs11KeyStore(optionsFor(), log);
      });
      afterAll(async () => {
        await store?.close();
      });

      it('rsa-2048: sign, verify with node, revoke, sign refused, destroy, not found', async () => {
        const key = await store.generateKeyPair({ algorithm: 'rsa-2048', label: 'lifecycle', isExportable: false });
        expect(key.privateKeyRef).toMatch(/^[0-9a-f]{32}$/);
        expect(key.publicKeyRef).toBe(key.privateKeyRef);

        const { signature } = await store.sign({
          privateKeyRef: key.privateKeyRef,
          scheme: 'rsa-pkcs1-v1_5',
          hash: 'sha-256',
          data: DATA,
        });
        expect(verifyWith(key, 'sha256', signature)).toBe(true);
        expect(await store.describe(key.privateKeyRef)).toMatchObject({
          label: 'lifecycle',
          state: 'active',
          algorithm: 'rsa-2048',
        });

        await store.revoke({ privateKeyRef: key.privateKeyRef, reason: 'superseded' });
        expect((await store.describe(key.privateKeyRef)).state).toBe('deactivated');
        const refused = await captureError(
          store.sign({ privateKeyRef: key.privateKeyRef, scheme: 'rsa-pkcs1-v1_5', hash: 'sha-256', data: DATA }),
        );
        expect(refused).toBeInstanceOf(KmsInvalidRequest);

        await store.destroy(key.privateKeyRef);
        for (const call of [
          store.describe(key.privateKeyRef),
          store.getPublicKey(key.privateKeyRef),
          store.destroy(key.privateKeyRef),
          store.sign({ privateKeyRef: key.privateKeyRef, scheme: 'rsa-pkcs1-v1_5', hash: 'sha-256', data: DATA }),
        ]) {
          await expect(call).rejects.toBeInstanceOf(KmsNotFound);
        }
      });

      it('the token itself refuses to sign with a revoked key (CKA_SIGN is cleared, not just our label)', async () => {
        const key = await store.generateKeyPair({ algorithm: 'ec-p256', label: 'token-enforced', isExportable: false });
        await store.revoke({ privateKeyRef: key.privateKeyRef, reason: 'keyCompromise' });
        // A second store has no cached handle and no knowledge of the revocation but what is on the token.
        const lease = await acquireModule(token.modulePath);
        try {
          const slot = findSlot(lease, token.tokenLabel);
          const session = slot.open(lease.graphene.SessionFlag.RW_SESSION | lease.graphene.SessionFlag.SERIAL_SESSION);
          try {
            const privateKey = session
              .find({ class: lease.graphene.ObjectClass.PRIVATE_KEY, id: Buffer.from(key.privateKeyRef, 'hex') })
              .items(0);
            expect(privateKey.getAttribute({ sign: null }).sign).toBe(false);
            expect(() => session.createSign('ECDSA', privateKey.toType()).once(Buffer.alloc(32))).toThrow(
              /CKR_KEY_FUNCTION_NOT_PERMITTED/,
            );
          } finally {
            session.close();
          }
        } finally {
          lease.release();
        }
        expect((await store.describe(key.privateKeyRef)).state).toBe('compromised');
        // A milder reason later does not hide the compromise.
        await store.revoke({ privateKeyRef: key.privateKeyRef, reason: 'superseded' });
        expect((await store.describe(key.privateKeyRef)).state).toBe('compromised');
      });

      it.each([
        { algorithm: 'ec-p256', hash: 'sha-256', node: 'sha256', curve: 'prime256v1' },
        { algorithm: 'ec-p384', hash: 'sha-384', node: 'sha384', curve: 'secp384r1' },
        { algorithm: 'ec-p384', hash: 'sha-512', node: 'sha512', curve: 'secp384r1' },
      ] as const)(
        '$algorithm signs ECDSA with $hash as DER that node verifies',
        async ({ algorithm, hash, node, curve }) => {
          const key = await store.generateKeyPair({ algorithm, label: `ec-${algorithm}-${hash}`, isExportable: false });
          const publicKey = createPublicKey({ key: Buffer.from(key.publicKeySpki), format: 'der', type: 'spki' });
          expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe(curve);
          for (let round = 0; round < 5; round += 1) {
            const { signature } = await store.sign({
              privateKeyRef: key.privateKeyRef,
              scheme: 'ecdsa',
              hash,
              data: DATA,
            });
            expect(signature[0]).toBe(0x30);
            expect(verifyWith(key, node, signature)).toBe(true);
          }
          expect((await store.describe(key.privateKeyRef)).algorithm).toBe(algorithm);
        },
      );

      it('rsa-pss signs with MGF1 of the same hash and a salt as long as the hash', async () => {
        const key = await store.generateKeyPair({ algorithm: 'rsa-2048', label: 'pss', isExportable: false });
        for (const [hash, node] of [
          ['sha-256', 'sha256'],
          ['sha-384', 'sha384'],
          ['sha-512', 'sha512'],
        ] as const) {
          const { signature } = await store.sign({
            privateKeyRef: key.privateKeyRef,
            scheme: 'rsa-pss',
            hash,
            data: DATA,
          });
          const strict = {
            padding: cryptoConstants.RSA_PKCS1_PSS_PADDING,
            saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST,
          };
          expect(verifyWith(key, node, signature, strict), hash).toBe(true);
        }
      });

      it('private keys are sensitive and never extractable, as the token and pkcs11-tool report', async () => {
        const rsa = await store.generateKeyPair({ algorithm: 'rsa-2048', label: 'sealed-rsa', isExportable: false });
        const ec = await store.generateKeyPair({ algorithm: 'ec-p256', label: 'sealed-ec', isExportable: false });
        const lease = await acquireModule(token.modulePath);
        try {
          const slot = findSlot(lease, token.tokenLabel);
          const session = slot.open(lease.graphene.SessionFlag.SERIAL_SESSION);
          try {
            const { ObjectClass } = lease.graphene;
            const rsaKey = session
              .find({ class: ObjectClass.PRIVATE_KEY, id: Buffer.from(rsa.privateKeyRef, 'hex') })
              .items(0);
            const ecKey = session
              .find({ class: ObjectClass.PRIVATE_KEY, id: Buffer.from(ec.privateKeyRef, 'hex') })
              .items(0);
            for (const key of [rsaKey, ecKey]) {
              expect(
                key.getAttribute({
                  sensitive: null,
                  extractable: null,
                  alwaysSensitive: null,
                  neverExtractable: null,
                  token: null,
                }),
              ).toEqual({
                sensitive: true,
                extractable: false,
                alwaysSensitive: true,
                neverExtractable: true,
                token: true,
              });
              expect(() => key.setAttribute({ extractable: true })).toThrow(/CKR_/);
            }
            expect(() => rsaKey.getAttribute({ privateExponent: null })).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
            expect(() => rsaKey.getAttribute({ prime1: null })).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
            expect(() => ecKey.getAttribute({ value: null })).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
          } finally {
            session.close();
          }
        } finally {
          lease.release();
        }

        // An independent PKCS#11 client in another process sees the same flags.
        const tool = ['--module', token.modulePath, '--token-label', token.tokenLabel, '--login', '--pin', token.pin];
        const listing = await execFileAsync(
          'pkcs11-tool',
          [...tool, '--list-objects', '--type', 'privkey', '--id', rsa.privateKeyRef],
          {
            env: { ...process.env, ...token.env },
          },
        );
        expect(listing.stdout).toMatch(/Access:\s+sensitive, always sensitive, never extractable, local/);
        expect(listing.stdout).toContain('label:      pki-test/sealed-rsa');
      });

      it('refuses isExportable, a duplicate label and a scheme that does not fit the key', async () => {
        await expect(
          store.generateKeyPair({ algorithm: 'rsa-2048', label: 'exportable', isExportable: true }),
        ).rejects.toBeInstanceOf(KmsInvalidRequest);
        const key = await store.generateKeyPair({ algorithm: 'rsa-2048', label: 'unique', isExportable: false });
        await expect(
          store.generateKeyPair({ algorithm: 'ec-p256', label: 'unique', isExportable: false }),
        ).rejects.toBeInstanceOf(KmsInvalidRequest);
        const misfit = await captureError(
          store.sign({ privateKeyRef: key.privateKeyRef, scheme: 'ecdsa', hash: 'sha-256', data: DATA }),
        );
        expect(misfit, String(misfit)).toBeInstanceOf(KmsInvalidRequest);
      });

      it('sees only keys under its namespace', async () => {
        const ours = await store.generateKeyPair({ algorithm: 'ec-p256', label: 'mine', isExportable: false });
        const neighbour = new Pkcs11KeyStore(optionsFor({ namespace: 'someone-else' }), log);
        try {
          const theirs = await neighbour.generateKeyPair({
            algorithm: 'ec-p256',
            label: 'theirs',
            isExportable: false,
          });
          await expect(neighbour.describe(ours.privateKeyRef)).rejects.toBeInstanceOf(KmsNotFound);
          await expect(neighbour.destroy(ours.privateKeyRef)).rejects.toBeInstanceOf(KmsNotFound);
          await expect(store.describe(theirs.privateKeyRef)).rejects.toBeInstanceOf(KmsNotFound);
          expect((await neighbour.list()).map((entry) => entry.label)).toEqual(['theirs']);
          const ourLabels = (await store.list()).map((entry) => entry.label);
          expect(ourLabels).toContain('mine');
          expect(ourLabels).not.toContain('theirs');
        } finally {
          await neighbour.close();
        }
        // Closing the neighbour must not log out or finalize under the first store.
        const { signature } = await store.sign({
          privateKeyRef: ours.privateKeyRef,
          scheme: 'ecdsa',
          hash: 'sha-256',
          data: DATA,
        });
        expect(verifyWith(ours, 'sha256', signature)).toBe(true);
      });

      it('reopens and logs in again after its sessions were closed under it', async () => {
        const key = await store.generateKeyPair({ algorithm: 'ec-p256', label: 'survivor', isExportable: false });
        const lease = await acquireModule(token.modulePath);
        try {
          // C_CloseAllSessions also ends the login: a real fault, as when an HSM drops its clients.
          findSlot(lease, token.tokenLabel).closeAll();
        } finally {
          lease.release();
        }
        const { signature } = await store.sign({
          privateKeyRef: key.privateKeyRef,
          scheme: 'ecdsa',
          hash: 'sha-256',
          data: DATA,
        });
        expect(verifyWith(key, 'sha256', signature)).toBe(true);
      });

      it('signs in parallel on several sessions', async () => {
        const key = await store.generateKeyPair({ algorithm: 'rsa-2048', label: 'parallel', isExportable: false });
        const signatures = await Promise.all(
          Array.from({ length: 24 }, () =>
            store.sign({ privateKeyRef: key.privateKeyRef, scheme: 'rsa-pkcs1-v1_5', hash: 'sha-256', data: DATA }),
          ),
        );
        for (const { signature } of signatures) expect(verifyWith(key, 'sha256', signature)).toBe(true);
      });

      it('reports healthy with the token model', async () => {
        const health = await store.health();
        expect(health).toMatchObject({ isHealthy: true });
        expect(health.serverVersion).toMatch(/SoftHSM/);
      });
    });

    describe('across restarts and with bad configuration', () => {
      it('references survive closing every store and re-initializing the module', async () => {
        const first = new Pkcs11KeyStore(optionsFor({ namespace: 'restart' }), log);
        const key = await first.generateKeyPair({ algorithm: 'rsa-2048', label: 'persistent', isExportable: false });
        await first.close();
        await expect(first.describe(key.privateKeyRef)).rejects.toBeInstanceOf(KmsUnavailable);

        const second = new Pkcs11KeyStore(optionsFor({ namespace: 'restart' }), log);
        try {
          const { signature } = await second.sign({
            privateKeyRef: key.privateKeyRef,
            scheme: 'rsa-pkcs1-v1_5',
            hash: 'sha-256',
            data: DATA,
          });
          expect(verifyWith(key, 'sha256', signature)).toBe(true);
          expect(Buffer.from(await second.getPublicKey(key.privateKeyRef)).equals(Buffer.from(key.publicKeySpki))).toBe(
            true,
          );
        } finally {
          await second.close();
        }
      });

      // Runs with no other store open: the login is per process, so an open store would let a wrong PIN ride on it.
      it('a wrong PIN is KmsPermissionDenied, and is not tried again', async () => {
        const store = new Pkcs11KeyStore(optionsFor({ pin: '0000' }), log);
        try {
          const first = await captureError(store.list());
          expect(first).toBeInstanceOf(KmsPermissionDenied);
          expect((first as KmsError).serverReason).toBe('CKR_PIN_INCORRECT');
          expect((first as Error).message).not.toContain('0000');
          const second = await captureError(
            store.generateKeyPair({ algorithm: 'ec-p256', label: 'never', isExportable: false }),
          );
          expect(second).toBe(first);
          expect(await store.health()).toMatchObject({ isHealthy: false });
        } finally {
          await store.close();
        }
      });

      it('a missing module is a clear KmsUnavailable naming the path and the variable', async () => {
        const store = new Pkcs11KeyStore(optionsFor({ modulePath: '/nonexistent/libpkcs11.so' }), log);
        const error = await captureError(store.list());
        expect(error).toBeInstanceOf(KmsUnavailable);
        expect((error as KmsError).serverReason).toBe('PKCS11_MODULE_NOT_FOUND');
        expect((error as Error).message).toMatch(/\/nonexistent\/libpkcs11\.so.*PKI_PKCS11_MODULE/);
        expect(await store.health()).toMatchObject({
          isHealthy: false,
          detail: expect.stringContaining('PKI_PKCS11_MODULE'),
        });
        await store.close();
      });

      it('a file that is not a PKCS#11 library is KmsUnavailable', async () => {
        const store = new Pkcs11KeyStore(optionsFor({ modulePath: '/etc/hostname' }), log);
        const error = await captureError(store.list());
        expect(error).toBeInstanceOf(KmsUnavailable);
        expect((error as KmsError).serverReason).toBe('PKCS11_MODULE_LOAD_FAILED');
        await store.close();
      });

      it('an unknown token label is KmsUnavailable listing the tokens present', async () => {
        const store = new Pkcs11KeyStore(optionsFor({ tokenLabel: 'no-such-token' }), log);
        const error = await captureError(store.list());
        expect(error).toBeInstanceOf(KmsUnavailable);
        expect((error as Error).message).toContain(`"${token.tokenLabel}"`);
        await store.close();
      });
    });
  },
);

type Lease = Awaited<ReturnType<typeof acquireModule>>;

function findSlot(lease: Lease, tokenLabel: string) {
  const slots = lease.module.getSlots(true);
  for (let index = 0; index < slots.length; index += 1) {
    const slot = slots.items(index);
    if (slot.getToken().label.trim() === tokenLabel) return slot;
  }
  throw new Error(`token ${tokenLabel} not found`);
}
