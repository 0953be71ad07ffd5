import { createHook } from 'node:async_hooks';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { KmsInvalidRequest, KmsNotFound } from '../../kmip/errors.js';
import { capturingLogger, openTempLocalStore, silentLogger } from '../../../../test/harness/temp-local-store.js';
import type { TempLocalStore } from '../../../../test/harness/temp-local-store.js';
import { LocalKeyStore } from './local-key-store.js';

const DATA = Buffer.from('tbs certificate bytes');

/**
 * Counts the signatures whose result came back from libuv's thread pool: node:crypto makes a
 * SIGNREQUEST async resource for every signature, and only the callback form calls back.
 */
function watchThreadPoolSignatures(): { readonly count: number; stop(): void } {
  const signRequests = new Set<number>();
  let count = 0;
  const hook = createHook({
    init: (asyncId, type) => {
      if (type === 'SIGNREQUEST') signRequests.add(asyncId);
    },
    before: (asyncId) => {
      if (signRequests.has(asyncId)) count += 1;
    },
  });
  hook.enable();
  return {
    get count() {
      return count;
    },
    stop: () => hook.disable(),
  };
}

describe('local key store', () => {
  let temp: TempLocalStore | undefined;
  afterEach(async () => {
    await temp?.cleanup();
    temp = undefined;
  });

  it('creates the identity 0600 in a 0700 kms directory, in age-keygen format', async () => {
    temp = await openTempLocalStore();
    const kmsDir = join(temp.dataDir, 'kms');
    expect(statSync(kmsDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(kmsDir, 'identity.age')).mode & 0o777).toBe(0o600);
    const identity = readFileSync(join(kmsDir, 'identity.age'), 'utf8');
    expect(identity).toMatch(/^# created: .+\n# public key: age1[0-9a-z]+\nAGE-SECRET-KEY-1[0-9A-Z]+\n$/);
  });

  it('seals private keys so that the age command-line tool opens them with the identity', async () => {
    temp = await openTempLocalStore();
    const key = await temp.store.generateKeyPair({ algorithm: 'ec-p256', label: 'age-cli', isExportable: false });
    const sealed = await temp.sealedKeys.find(key.privateKeyRef);
    expect(sealed?.label).toBe('pki-test/age-cli');
    const sealedBytes = Buffer.from(sealed?.sealedPrivateKey ?? []);
    expect(sealedBytes.subarray(0, 21).toString()).toBe('age-encryption.org/v1');

    const sealedPath = join(temp.dataDir, 'sealed.age');
    writeFileSync(sealedPath, sealedBytes);
    const pkcs8 = execFileSync('age', ['-d', '-i', join(temp.dataDir, 'kms', 'identity.age'), sealedPath]);
    const derivedSpki = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({
      type: 'spki',
      format: 'der',
    });
    expect(derivedSpki.equals(Buffer.from(key.publicKeySpki))).toBe(true);
  });

  it('reopens with the same identity and signs with a key unsealed from the database', async () => {
    temp = await openTempLocalStore();
    const key = await temp.store.generateKeyPair({ algorithm: 'rsa-2048', label: 'restart', isExportable: false });
    const identityBefore = readFileSync(join(temp.dataDir, 'kms', 'identity.age'), 'utf8');

    const reopened = await LocalKeyStore.open(
      { dataDir: temp.dataDir, namespace: 'pki-test', isProduction: false, storage: temp.sealedKeys },
      silentLogger(),
    );
    expect(readFileSync(join(temp.dataDir, 'kms', 'identity.age'), 'utf8')).toBe(identityBefore);
    const signatures = await Promise.all(
      [1, 2, 3].map(() =>
        reopened.sign({ privateKeyRef: key.privateKeyRef, scheme: 'rsa-pss', hash: 'sha-384', data: DATA }),
      ),
    );
    for (const { signature } of signatures) {
      const publicKey = createPublicKey({ key: Buffer.from(key.publicKeySpki), format: 'der', type: 'spki' });
      expect(verify('sha384', DATA, { key: publicKey, padding: 6, saltLength: -1 }, signature)).toBe(true);
    }
    await reopened.close();
  });

  it('signs concurrently on the thread pool, each signature over its own data, and refuses once revoked', async () => {
    temp = await openTempLocalStore();
    const store = temp.store;
    const rsa = await store.generateKeyPair({ algorithm: 'rsa-2048', label: 'pool-rsa', isExportable: false });
    const ec = await store.generateKeyPair({ algorithm: 'ec-p256', label: 'pool-ec', isExportable: false });
    const requests = Array.from({ length: 24 }, (_, index) => ({
      key: index % 2 === 0 ? rsa : ec,
      scheme: index % 2 === 0 ? ('rsa-pkcs1-v1_5' as const) : ('ecdsa' as const),
      data: Buffer.from(`tbs ${index}`),
    }));
    const signatures = await Promise.all(
      requests.map((request) =>
        store.sign({
          privateKeyRef: request.key.privateKeyRef,
          scheme: request.scheme,
          hash: 'sha-256',
          data: request.data,
        }),
      ),
    );
    signatures.forEach(({ signature }, index) => {
      const request = requests[index] as (typeof requests)[number];
      const publicKey = createPublicKey({ key: Buffer.from(request.key.publicKeySpki), format: 'der', type: 'spki' });
      const keyInput = request.scheme === 'ecdsa' ? { key: publicKey, dsaEncoding: 'der' as const } : publicKey;
      expect(verify('sha256', request.data, keyInput, signature), `signature ${index}`).toBe(true);
      const other = requests[(index + 2) % requests.length] as (typeof requests)[number];
      expect(verify('sha256', other.data, keyInput, signature), `signature ${index} over another request's data`).toBe(
        false,
      );
    });

    await store.revoke({ privateKeyRef: rsa.privateKeyRef, reason: 'keyCompromise' });
    await expect(
      store.sign({ privateKeyRef: rsa.privateKeyRef, scheme: 'rsa-pkcs1-v1_5', hash: 'sha-256', data: DATA }),
    ).rejects.toBeInstanceOf(KmsInvalidRequest);
  });

  it('signs a lone signature inline and signatures that meet on the thread pool', async () => {
    temp = await openTempLocalStore({ availableCores: 2 });
    const key = await temp.store.generateKeyPair({
      algorithm: 'rsa-2048',
      label: 'inline-or-pool',
      isExportable: false,
    });
    const publicKey = createPublicKey({ key: Buffer.from(key.publicKeySpki), format: 'der', type: 'spki' });
    const signOnce = (data: Buffer) =>
      temp!.store.sign({ privateKeyRef: key.privateKeyRef, scheme: 'rsa-pkcs1-v1_5', hash: 'sha-256', data });
    const verifies = async (data: Buffer, pending: Promise<{ signature: Uint8Array }>) =>
      verify('sha256', data, publicKey, (await pending).signature);

    const threadPool = watchThreadPoolSignatures();
    try {
      expect(await verifies(Buffer.from('tbs alone'), signOnce(Buffer.from('tbs alone')))).toBe(true);
      expect(threadPool.count, 'a lone signature').toBe(0);

      const together = [Buffer.from('tbs together 1'), Buffer.from('tbs together 2')];
      const pendingTogether = together.map((data) => signOnce(data));
      // Runs right after the two were placed, before a pool job can report back (poll phase).
      const joining = Buffer.from('tbs joining the pool');
      const { pendingJoining } = await new Promise<{ pendingJoining: Promise<{ signature: Uint8Array }> }>((resolve) =>
        setImmediate(() => resolve({ pendingJoining: signOnce(joining) })),
      );
      for (const [index, data] of together.entries()) {
        expect(await verifies(data, pendingTogether[index] as Promise<{ signature: Uint8Array }>)).toBe(true);
      }
      expect(await verifies(joining, pendingJoining)).toBe(true);
      expect(threadPool.count, 'two asked for in one turn, and one asked for while they were on the pool').toBe(3);

      expect(await verifies(Buffer.from('tbs alone again'), signOnce(Buffer.from('tbs alone again')))).toBe(true);
      expect(threadPool.count, 'alone again once the pool is empty').toBe(3);
    } finally {
      threadPool.stop();
    }
  });

  it('with one core, signs inline at once however many signatures meet', async () => {
    temp = await openTempLocalStore({ availableCores: 1 });
    const key = await temp.store.generateKeyPair({ algorithm: 'ec-p256', label: 'one-core', isExportable: false });
    const pending = [1, 2, 3].map((index) =>
      temp!.store.sign({
        privateKeyRef: key.privateKeyRef,
        scheme: 'ecdsa',
        hash: 'sha-256',
        data: Buffer.from(`tbs ${index}`),
      }),
    );
    let settled = 0;
    for (const each of pending) void each.then(() => (settled += 1));
    for (let tick = 0; tick < 10; tick += 1) await Promise.resolve();
    expect(settled, 'settled without a turn of the event loop').toBe(3);
  });

  it('refuses a duplicate label and keeps namespaces apart', async () => {
    temp = await openTempLocalStore();
    await temp.store.generateKeyPair({ algorithm: 'ec-p256', label: 'twice', isExportable: false });
    await expect(
      temp.store.generateKeyPair({ algorithm: 'ec-p256', label: 'twice', isExportable: false }),
    ).rejects.toBeInstanceOf(KmsInvalidRequest);

    const other = await LocalKeyStore.open(
      { dataDir: temp.dataDir, namespace: 'other-app', isProduction: false, storage: temp.sealedKeys },
      silentLogger(),
    );
    const otherKey = await other.generateKeyPair({ algorithm: 'ec-p256', label: 'twice', isExportable: false });
    expect((await other.list()).map((entry) => entry.label)).toEqual(['twice']);
    expect((await temp.store.list()).map((entry) => entry.privateKeyRef)).not.toContain(otherKey.privateKeyRef);
    await expect(temp.store.describe(otherKey.privateKeyRef)).rejects.toBeInstanceOf(KmsNotFound);
  });

  it('destroy removes the key material and keeps a tombstone; an active key must be revoked first', async () => {
    temp = await openTempLocalStore();
    const key = await temp.store.generateKeyPair({ algorithm: 'ec-p384', label: 'doomed', isExportable: true });
    await expect(temp.store.destroy(key.privateKeyRef)).rejects.toBeInstanceOf(KmsInvalidRequest);

    await temp.store.revoke({ privateKeyRef: key.privateKeyRef, reason: 'cessationOfOperation' });
    await temp.store.destroy(key.privateKeyRef);
    expect(await temp.sealedKeys.find(key.privateKeyRef)).toMatchObject({
      state: 'destroyed',
      sealedPrivateKey: null,
      publicKeySpki: null,
    });
    await expect(temp.store.exportPrivateKey(key.privateKeyRef)).rejects.toBeInstanceOf(KmsNotFound);
    await expect(temp.store.destroy(key.privateKeyRef)).rejects.toBeInstanceOf(KmsNotFound);
  });

  it('warns at start in production mode, and only then', async () => {
    const production = capturingLogger();
    temp = await openTempLocalStore({ isProduction: true, log: production.log });
    expect(production.lines.filter((line) => line.level === 40).map((line) => line.msg)).toEqual([
      expect.stringContaining('local key store is for development'),
    ]);

    const development = capturingLogger();
    await LocalKeyStore.open(
      { dataDir: temp.dataDir, namespace: 'pki-test', isProduction: false, storage: temp.sealedKeys },
      development.log,
    );
    expect(development.lines.filter((line) => line.level >= 40)).toEqual([]);
  });

  it('never writes key material to the log', async () => {
    const { log, lines } = capturingLogger();
    temp = await openTempLocalStore({ log });
    const identity = readFileSync(join(temp.dataDir, 'kms', 'identity.age'), 'utf8');
    const secretKey = identity.split('\n').find((line) => line.startsWith('AGE-SECRET-KEY-1')) ?? 'missing';
    expect(JSON.stringify(lines)).not.toContain(secretKey);
    expect(JSON.stringify(lines)).not.toContain(secretKey.toLowerCase());
  });
});
