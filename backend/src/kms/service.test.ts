import { createPrivateKey, createPublicKey, verify } from 'node:crypto';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ConflictError } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import { verifyAuditChain } from '../audit/verify.js';
import {
  KmsInvalidRequest,
  KmsNotFound,
  KmsPermissionDenied,
  KmsProtocolError,
  KmsUnavailable,
} from './kmip/errors.js';
import type { SignRequest } from './key-store.js';
import type { KMSService, SignInput } from './service.js';
import { openAuditedKms, openTempLocalStore } from '../../test/harness/temp-local-store.js';
import type { TempLocalStore } from '../../test/harness/temp-local-store.js';

const ctx: RequestContext = {
  actor: 'alice',
  requestId: 'req-42',
  principal: { kind: 'user', actor: 'alice', role: 'admin', userId: 'alice' },
};
const DATA = new TextEncoder().encode('to be signed');
/** The signature most cases ask for: what is under test is the audit around it. */
const ecdsaSignInput = (keyId: string): SignInput => ({ keyId, scheme: 'ecdsa', hash: 'sha-256', data: DATA });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface AuditRowView {
  seq: number;
  actor: string;
  operation: string;
  entity_type: string;
  entity_id: string | null;
  status: string;
  details: Record<string, unknown>;
  kms_operation_id: string;
  request_id: string | null;
}

describe('KMSService', () => {
  let temp: TempLocalStore;
  let kms: KMSService;
  let lastSeenSeq = 0;

  beforeEach(async () => {
    temp = await openTempLocalStore();
    ({ kms } = openAuditedKms(temp.store, temp.database));
    lastSeenSeq = 0;
  });
  afterEach(async () => {
    expect(verifyAuditChain(temp.database)).toMatchObject({ isValid: true });
    await temp.cleanup();
  });

  /** The rows written since the previous call. */
  function newAuditRows(): AuditRowView[] {
    const rows = temp.database.sqlite
      .prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq')
      .all(lastSeenSeq) as (Omit<AuditRowView, 'details'> & { details: string })[];
    lastSeenSeq = rows.at(-1)?.seq ?? lastSeenSeq;
    return rows.map((row) => ({ ...row, details: JSON.parse(row.details) as Record<string, unknown> }));
  }

  /** Exactly one new row, with the fields every KMSService row carries. */
  function expectOneAuditRow(expected: {
    operation: string;
    status: 'success' | 'failure';
    entityId: string | null;
    errorCode?: string;
  }) {
    const rows = newAuditRows();
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({
      actor: 'alice',
      request_id: 'req-42',
      operation: expected.operation,
      entity_type: 'kms_key',
      entity_id: expected.entityId,
      status: expected.status,
      kms_operation_id: expect.stringMatching(UUID),
    });
    expect(row?.details).toMatchObject({ backend: 'local', durationMs: expect.any(Number) });
    if (expected.status === 'failure') {
      expect(row?.details).toMatchObject({ errorCode: expected.errorCode, errorMessage: expect.any(String) });
    } else {
      expect(row?.details.errorCode).toBeUndefined();
    }
    return row as AuditRowView;
  }

  /** A refused call: it rejects with `errorClass` and writes exactly one failure row with its code. */
  async function expectAuditedFailure(
    call: Promise<unknown>,
    errorClass: abstract new (...args: never[]) => Error,
    expected: { operation: string; entityId: string | null; errorCode: string },
  ) {
    await expect(call).rejects.toBeInstanceOf(errorClass);
    return expectOneAuditRow({ ...expected, status: 'failure' });
  }

  async function activeKey(algorithm: 'rsa-2048' | 'ec-p256' = 'ec-p256', isExportable = false) {
    const key = await kms.generateKeyPair(ctx, {
      algorithm,
      label: `key-${Math.random()}`,
      purpose: 'ca',
      isExportable,
    });
    newAuditRows();
    return key;
  }

  describe('generateKeyPair', () => {
    it('records the key and one success row', async () => {
      const key = await kms.generateKeyPair(ctx, {
        algorithm: 'rsa-2048',
        label: 'root-ca',
        purpose: 'ca',
        isExportable: false,
      });
      expect(key).toMatchObject({
        id: expect.stringMatching(UUID),
        backend: 'local',
        algorithm: 'rsa-2048',
        label: 'root-ca',
        purpose: 'ca',
        state: 'active',
        isExportable: false,
        exportedAt: null,
      });
      expect(
        createPublicKey({ key: key.publicKeySpki, format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength,
      ).toBe(2048);
      const row = expectOneAuditRow({ operation: 'kms.generateKeyPair', status: 'success', entityId: key.id });
      expect(row.details).toMatchObject({
        algorithm: 'rsa-2048',
        keyId: key.id,
        privateKeyRef: key.privateKeyRef,
        label: 'root-ca',
      });
    });

    it('refuses a label already in the database, before asking the key store', async () => {
      await activeKey();
      const [existing] = await kms.listKeys(ctx);
      newAuditRows();
      const error = await kms
        .generateKeyPair(ctx, {
          algorithm: 'ec-p256',
          label: existing?.label ?? '',
          purpose: 'ca',
          isExportable: false,
        })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ConflictError).code).toBe('KMS_KEY_LABEL_TAKEN');
      expectOneAuditRow({
        operation: 'kms.generateKeyPair',
        status: 'failure',
        entityId: null,
        errorCode: 'KMS_KEY_LABEL_TAKEN',
      });
      expect(await temp.store.list()).toHaveLength(1);
    });

    it('audits a key store refusal with its normalized code', async () => {
      // The key store knows the label (created behind our back), the database does not.
      await temp.store.generateKeyPair({ algorithm: 'ec-p256', label: 'orphan', isExportable: false });
      await expectAuditedFailure(
        kms.generateKeyPair(ctx, { algorithm: 'ec-p256', label: 'orphan', purpose: 'ca', isExportable: false }),
        KmsInvalidRequest,
        { operation: 'kms.generateKeyPair', entityId: null, errorCode: 'KMS_INVALID_REQUEST' },
      );
    });

    it('compensates when the database refuses a key the key store created: no live key, two rows', async () => {
      temp.database.sqlite.exec(
        "CREATE TRIGGER test_refuse_kms_keys BEFORE INSERT ON kms_keys BEGIN SELECT RAISE(ABORT, 'forced database failure'); END",
      );
      await expect(
        kms.generateKeyPair(ctx, { algorithm: 'ec-p256', label: 'doomed', purpose: 'ca', isExportable: false }),
      ).rejects.toThrow('forced database failure');

      expect(await temp.store.list()).toEqual([]);
      const tombstone = temp.database.sqlite
        .prepare("SELECT state, sealed_private_key FROM local_kms_keys WHERE label = 'pki-test/doomed'")
        .get();
      expect(tombstone).toEqual({ state: 'destroyed', sealed_private_key: null });

      const rows = newAuditRows();
      expect(rows.map((row) => [row.operation, row.status])).toEqual([
        ['kms.generateKeyPair', 'failure'],
        ['kms.compensate', 'success'],
      ]);
      const [failed, compensation] = rows;
      expect(failed?.details).toMatchObject({
        errorCode: 'SQLITE_CONSTRAINT_TRIGGER',
        isCompensated: true,
        label: 'doomed',
      });
      expect(compensation?.details).toMatchObject({
        isRevoked: true,
        isDestroyed: true,
        privateKeyRef: failed?.details.privateKeyRef,
      });
      expect(compensation?.kms_operation_id).toBe(failed?.kms_operation_id);
      expect(compensation).toMatchObject({ actor: 'alice', request_id: 'req-42' });
    });
  });

  describe('sign', () => {
    it('returns a Uint8Array signature that verifies and writes one success row', async () => {
      const key = await activeKey('rsa-2048');
      const signature = await kms.sign(ctx, { keyId: key.id, scheme: 'rsa-pss', hash: 'sha-256', data: DATA });
      expect(signature).toBeInstanceOf(Uint8Array);
      const publicKey = createPublicKey({ key: key.publicKeySpki, format: 'der', type: 'spki' });
      expect(verify('sha256', DATA, { key: publicKey, padding: 6, saltLength: 32 }, signature)).toBe(true);
      const row = expectOneAuditRow({ operation: 'kms.sign', status: 'success', entityId: key.id });
      expect(row.details).toMatchObject({
        scheme: 'rsa-pss',
        hash: 'sha-256',
        dataLength: DATA.byteLength,
        algorithm: 'rsa-2048',
      });
    });

    it('never hands out a signature that does not verify with the key: KmsProtocolError, failure audited', async () => {
      // A key store that answers Sign with another key's signature (the wrong object behind
      // a reference, or a server that hashes the digest again): real signatures, wrong key.
      const wrongKey = await temp.store.generateKeyPair({ algorithm: 'ec-p256', label: 'other', isExportable: false });
      const signsWithAnotherKey = new Proxy(temp.store, {
        get(store, property) {
          if (property === 'sign')
            return (request: SignRequest) => store.sign({ ...request, privateKeyRef: wrongKey.privateKeyRef });
          const value: unknown = Reflect.get(store, property, store);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(store) : value;
        },
      });
      const faulty = openAuditedKms(signsWithAnotherKey, temp.database);
      const key = await faulty.kms.generateKeyPair(ctx, {
        algorithm: 'ec-p256',
        label: 'victim',
        purpose: 'ca',
        isExportable: false,
      });
      newAuditRows();
      await expectAuditedFailure(faulty.kms.sign(ctx, ecdsaSignInput(key.id)), KmsProtocolError, {
        operation: 'kms.sign',
        entityId: key.id,
        errorCode: 'KMS_PROTOCOL_ERROR',
      });
    });

    it('audits an unknown key id', async () => {
      await expectAuditedFailure(kms.sign(ctx, ecdsaSignInput('no-such-key')), KmsNotFound, {
        operation: 'kms.sign',
        entityId: 'no-such-key',
        errorCode: 'KMS_NOT_FOUND',
      });
    });

    it('audits a scheme the key cannot use', async () => {
      const key = await activeKey('ec-p256');
      await expectAuditedFailure(
        kms.sign(ctx, { keyId: key.id, scheme: 'rsa-pss', hash: 'sha-256', data: DATA }),
        KmsInvalidRequest,
        { operation: 'kms.sign', entityId: key.id, errorCode: 'KMS_INVALID_REQUEST' },
      );
    });

    it('refuses a revoked key even after its reference was cached', async () => {
      const key = await activeKey();
      await kms.sign(ctx, ecdsaSignInput(key.id));
      await kms.revokeKey(ctx, { keyId: key.id, reason: 'superseded' });
      newAuditRows();
      await expectAuditedFailure(kms.sign(ctx, ecdsaSignInput(key.id)), KmsInvalidRequest, {
        operation: 'kms.sign',
        entityId: key.id,
        errorCode: 'KMS_INVALID_REQUEST',
      });
    });

    it('refuses a key the key store revoked behind our back', async () => {
      const key = await activeKey();
      await kms.sign(ctx, ecdsaSignInput(key.id));
      await temp.store.revoke({ privateKeyRef: key.privateKeyRef, reason: 'keyCompromise' });
      newAuditRows();
      await expectAuditedFailure(kms.sign(ctx, ecdsaSignInput(key.id)), KmsInvalidRequest, {
        operation: 'kms.sign',
        entityId: key.id,
        errorCode: 'KMS_INVALID_REQUEST',
      });
    });

    it('8 concurrent signatures, one failing: 8 rows in one unbroken chain, each signature valid', async () => {
      const key = await activeKey('rsa-2048');
      const publicKey = createPublicKey({ key: key.publicKeySpki, format: 'der', type: 'spki' });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, index) =>
          kms.sign(ctx, {
            keyId: key.id,
            scheme: index === 5 ? 'ecdsa' : 'rsa-pkcs1-v1_5',
            hash: 'sha-256',
            data: DATA,
          }),
        ),
      );
      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') expect(verify('sha256', DATA, publicKey, outcome.value)).toBe(true);
      }
      const rows = newAuditRows();
      expect(rows.map((row) => `${row.operation} ${row.status}`).sort()).toEqual([
        'kms.sign failure',
        ...Array.from({ length: 7 }, () => 'kms.sign success'),
      ]);
      expect(new Set(rows.map((row) => row.kms_operation_id)).size).toBe(8);
      // afterEach verifies the whole chain.
    });

    it('hands out a signature only once its row is committed: another connection sees it', async () => {
      const key = await activeKey();
      const reader = new Database(temp.databasePath, { readonly: true });
      try {
        const signRowsSeenByReader = () =>
          reader.prepare("SELECT count(*) FROM audit_log WHERE operation = 'kms.sign'").pluck().get();
        await kms.sign(ctx, ecdsaSignInput(key.id));
        expect(signRowsSeenByReader()).toBe(1);
        await Promise.all([1, 2, 3].map(() => kms.sign(ctx, ecdsaSignInput(key.id))));
        expect(signRowsSeenByReader()).toBe(4);
      } finally {
        reader.close();
      }
    });

    describe('with a store that signs inline (one core)', () => {
      let inline: TempLocalStore;
      let inlineKms: KMSService;
      beforeEach(async () => {
        inline = await openTempLocalStore({ availableCores: 1 });
        ({ kms: inlineKms } = openAuditedKms(inline.store, inline.database));
      });
      afterEach(async () => {
        await inlineKms.close();
        await inline.cleanup();
      });
      const inlineKey = () =>
        inlineKms.generateKeyPair(ctx, { algorithm: 'ec-p256', label: 'inline', purpose: 'ca', isExportable: false });
      const signRows = () =>
        inline.database.sqlite.prepare("SELECT count(*) FROM audit_log WHERE operation = 'kms.sign'").pluck().get();
      /** Frames SQLite wrote to the WAL since `resetWal`: each commit writes every page it changed. */
      const walFrames = () =>
        (inline.database.sqlite.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]?.log ?? -1;
      const resetWal = () => inline.database.sqlite.pragma('wal_checkpoint(TRUNCATE)');

      it('signs and commits a lone signature within the call, without a turn of the event loop', async () => {
        const key = await inlineKey();
        let isSettled = false;
        const pending = inlineKms.sign(ctx, ecdsaSignInput(key.id));
        void pending.then(() => (isSettled = true));
        for (let tick = 0; tick < 10; tick += 1) await Promise.resolve();
        expect(isSettled).toBe(true);
        expect(signRows()).toBe(1);
        await pending;
      });

      it('commits the rows of signatures started together in one transaction', async () => {
        const key = await inlineKey();
        resetWal();
        await inlineKms.sign(ctx, ecdsaSignInput(key.id));
        const framesOfOneSignature = walFrames();
        resetWal();
        await Promise.all(Array.from({ length: 8 }, () => inlineKms.sign(ctx, ecdsaSignInput(key.id))));
        expect(signRows()).toBe(9);
        // Eight commits would write the changed pages eight times; one writes them once, plus
        // the pages eight rows fill and split (4 frames for one row, 8 for eight, here).
        expect(walFrames()).toBeLessThan(framesOfOneSignature * 3);
        expect(verifyAuditChain(inline.database)).toMatchObject({ isValid: true, rowCount: 10 });
      });
    });

    it('withholds only the signature whose audit row could not be written', async () => {
      const key = await activeKey();
      // A real SQLite refusal of one row of the batch (the 20-byte message), not a mock.
      temp.database.sqlite.exec(`CREATE TRIGGER refuse_one_sign BEFORE INSERT ON audit_log
        WHEN NEW.operation = 'kms.sign' AND json_extract(NEW.details, '$.dataLength') = 20
        BEGIN SELECT RAISE(ABORT, 'audit disk full (simulated by trigger)'); END`);
      const outcomes = await Promise.allSettled(
        [12, 20, 12, 12].map((length) =>
          kms.sign(ctx, { keyId: key.id, scheme: 'ecdsa', hash: 'sha-256', data: new Uint8Array(length) }),
        ),
      );
      // Whichever signatures shared its commit, only the poisoned call fails: its batch is
      // rolled back and the other rows are written again (db/group-commit.ts).
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect(outcomes[1]?.status === 'rejected' && String(outcomes[1].reason)).toMatch(/audit disk full/);
      const rows = newAuditRows();
      expect(rows).toHaveLength(3);
      expect(rows.every((row) => row.status === 'success' && row.details.dataLength === 12)).toBe(true);
      temp.database.sqlite.exec('DROP TRIGGER refuse_one_sign');
      await kms.sign(ctx, ecdsaSignInput(key.id));
      expectOneAuditRow({ operation: 'kms.sign', status: 'success', entityId: key.id });
    });
  });

  describe('getPublicKey', () => {
    it('returns the SPKI from the key store', async () => {
      const key = await activeKey();
      expect(Buffer.from(await kms.getPublicKey(ctx, { keyId: key.id })).equals(key.publicKeySpki)).toBe(true);
      expectOneAuditRow({ operation: 'kms.getPublicKey', status: 'success', entityId: key.id });
    });

    it("answers a revoked key's public key from our record, whatever the key store's rule", async () => {
      const key = await activeKey();
      await kms.revokeKey(ctx, { keyId: key.id, reason: 'keyCompromise' });
      // Gone from the key store too: the answer cannot come from there.
      await temp.store.destroy(key.privateKeyRef);
      newAuditRows();
      expect(Buffer.from(await kms.getPublicKey(ctx, { keyId: key.id })).equals(key.publicKeySpki)).toBe(true);
      const row = expectOneAuditRow({ operation: 'kms.getPublicKey', status: 'success', entityId: key.id });
      expect(row.details).toMatchObject({ source: 'database' });
    });

    it('audits an unknown key id', async () => {
      await expectAuditedFailure(kms.getPublicKey(ctx, { keyId: 'nope' }), KmsNotFound, {
        operation: 'kms.getPublicKey',
        entityId: 'nope',
        errorCode: 'KMS_NOT_FOUND',
      });
    });
  });

  describe('revokeKey', () => {
    it('moves the key to the KMIP state of the reason, in the database and the key store', async () => {
      const key = await activeKey();
      const revoked = await kms.revokeKey(ctx, { keyId: key.id, reason: 'keyCompromise', message: 'laptop stolen' });
      expect(revoked).toMatchObject({
        state: 'compromised',
        revocationReason: 'keyCompromise',
        revokedAt: expect.any(Date),
      });
      expect((await temp.store.describe(key.privateKeyRef)).state).toBe('compromised');
      const row = expectOneAuditRow({ operation: 'kms.revokeKey', status: 'success', entityId: key.id });
      expect(row.details).toMatchObject({ reason: 'keyCompromise', state: 'compromised', previousState: 'active' });
      expect(JSON.stringify(row.details)).not.toContain('laptop stolen');
    });

    it('audits an unknown key id', async () => {
      await expectAuditedFailure(kms.revokeKey(ctx, { keyId: 'nope', reason: 'superseded' }), KmsNotFound, {
        operation: 'kms.revokeKey',
        entityId: 'nope',
        errorCode: 'KMS_NOT_FOUND',
      });
    });
  });

  describe('destroyKey', () => {
    it('destroys a revoked key; the row stays as a tombstone', async () => {
      const key = await activeKey();
      await kms.revokeKey(ctx, { keyId: key.id, reason: 'cessationOfOperation' });
      newAuditRows();
      const destroyed = await kms.destroyKey(ctx, { keyId: key.id });
      expect(destroyed).toMatchObject({ state: 'destroyed', destroyedAt: expect.any(Date) });
      await expect(temp.store.describe(key.privateKeyRef)).rejects.toBeInstanceOf(KmsNotFound);
      expectOneAuditRow({ operation: 'kms.destroyKey', status: 'success', entityId: key.id });
      await expectAuditedFailure(kms.sign(ctx, ecdsaSignInput(key.id)), KmsNotFound, {
        operation: 'kms.sign',
        entityId: key.id,
        errorCode: 'KMS_NOT_FOUND',
      });
    });

    it('refuses an active key', async () => {
      const key = await activeKey();
      await expectAuditedFailure(kms.destroyKey(ctx, { keyId: key.id }), KmsInvalidRequest, {
        operation: 'kms.destroyKey',
        entityId: key.id,
        errorCode: 'KMS_INVALID_REQUEST',
      });
      expect((await temp.store.describe(key.privateKeyRef)).state).toBe('active');
    });

    it('records a key already gone from the key store as destroyed', async () => {
      const key = await activeKey();
      await kms.revokeKey(ctx, { keyId: key.id, reason: 'superseded' });
      await temp.store.destroy(key.privateKeyRef);
      newAuditRows();
      expect(await kms.destroyKey(ctx, { keyId: key.id })).toMatchObject({ state: 'destroyed' });
      const row = expectOneAuditRow({ operation: 'kms.destroyKey', status: 'success', entityId: key.id });
      expect(row.details.wasAlreadyGoneFromKms).toBe(true);
    });
  });

  describe('describeKey', () => {
    it('joins our record with what the key store says, and writes no audit row', async () => {
      const key = await activeKey();
      newAuditRows();
      const described = await kms.describeKey(ctx, { keyId: key.id });
      expect(described.key.id).toBe(key.id);
      expect(described.kms).toMatchObject({ privateKeyRef: key.privateKeyRef, state: 'active', label: key.label });
      expect(newAuditRows()).toEqual([]);
    });

    it('refuses an unknown key id without writing a failure row', async () => {
      newAuditRows();
      await expect(kms.describeKey(ctx, { keyId: 'nope' })).rejects.toBeInstanceOf(KmsNotFound);
      expect(newAuditRows()).toEqual([]);
    });
  });

  describe('listKeys', () => {
    it('lists and filters our keys without writing audit rows', async () => {
      const first = await activeKey();
      const second = await activeKey();
      await kms.revokeKey(ctx, { keyId: second.id, reason: 'superseded' });
      newAuditRows();
      expect((await kms.listKeys(ctx)).map((key) => key.id).sort()).toEqual([first.id, second.id].sort());
      expect((await kms.listKeys(ctx, { state: 'active' })).map((key) => key.id)).toEqual([first.id]);
      expect(newAuditRows()).toEqual([]);
    });

    it('rejects when the database cannot be read, and writes nothing', async () => {
      newAuditRows();
      temp.database.sqlite.exec('ALTER TABLE kms_keys RENAME TO kms_keys_hidden');
      await expect(kms.listKeys(ctx)).rejects.toThrow(/no such table/);
      temp.database.sqlite.exec('ALTER TABLE kms_keys_hidden RENAME TO kms_keys');
      expect(newAuditRows()).toEqual([]);
    });
  });

  describe('exportPrivateKey', () => {
    it('exports an exportable key once, then never again', async () => {
      const key = await activeKey('ec-p256', true);
      const pkcs8 = await kms.exportPrivateKey(ctx, { keyId: key.id });
      const derived = createPublicKey(createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }));
      expect(derived.export({ type: 'spki', format: 'der' }).equals(key.publicKeySpki)).toBe(true);
      expectOneAuditRow({ operation: 'kms.exportPrivateKey', status: 'success', entityId: key.id });
      const [record] = await kms.listKeys(ctx);
      expect(record?.exportedAt).toBeInstanceOf(Date);
      newAuditRows();

      await expectAuditedFailure(kms.exportPrivateKey(ctx, { keyId: key.id }), KmsPermissionDenied, {
        operation: 'kms.exportPrivateKey',
        entityId: key.id,
        errorCode: 'KMS_PERMISSION_DENIED',
      });
    });

    it('lets only one of two racing exports through', async () => {
      const key = await activeKey('ec-p256', true);
      const results = await Promise.allSettled([
        kms.exportPrivateKey(ctx, { keyId: key.id }),
        kms.exportPrivateKey(ctx, { keyId: key.id }),
      ]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((result) => result.status === 'rejected');
      expect(rejected?.reason).toBeInstanceOf(KmsPermissionDenied);
      expect(
        newAuditRows()
          .map((row) => row.status)
          .sort(),
      ).toEqual(['failure', 'success']);
    });

    it('refuses a non-exportable key', async () => {
      const key = await activeKey('ec-p256', false);
      await expectAuditedFailure(kms.exportPrivateKey(ctx, { keyId: key.id }), KmsPermissionDenied, {
        operation: 'kms.exportPrivateKey',
        entityId: key.id,
        errorCode: 'KMS_PERMISSION_DENIED',
      });
    });
  });

  describe('reconcile', () => {
    it('reports keys under our namespace unknown to the database, and live keys missing from the key store', async () => {
      const known = await activeKey();
      const lost = await activeKey();
      await temp.store.revoke({ privateKeyRef: lost.privateKeyRef, reason: 'superseded' });
      await temp.store.destroy(lost.privateKeyRef);
      const stray = await temp.store.generateKeyPair({ algorithm: 'ec-p256', label: 'stray', isExportable: false });

      const report = await kms.reconcile(ctx);
      expect(report.unknownKeys.map((key) => key.privateKeyRef)).toEqual([stray.privateKeyRef]);
      expect(report.missingKeyIds).toEqual([lost.id]);
      const row = expectOneAuditRow({ operation: 'kms.reconcile', status: 'success', entityId: null });
      expect(row.details).toMatchObject({
        unknownCount: 1,
        unknownKeyRefs: [stray.privateKeyRef],
        missingKeyIds: [lost.id],
      });
      expect(known.id).not.toBe(lost.id);
    });

    it('audits a key store that cannot list', async () => {
      temp.database.sqlite.exec('ALTER TABLE local_kms_keys RENAME TO local_kms_keys_hidden');
      await expectAuditedFailure(kms.reconcile(ctx), KmsUnavailable, {
        operation: 'kms.reconcile',
        entityId: null,
        errorCode: 'KMS_UNAVAILABLE',
      });
      temp.database.sqlite.exec('ALTER TABLE local_kms_keys_hidden RENAME TO local_kms_keys');
    });
  });

  it('health() reports the key store and writes no audit row (polled by /readyz)', async () => {
    expect(await kms.health()).toEqual({ isHealthy: true });
    expect(newAuditRows()).toEqual([]);
  });
});
