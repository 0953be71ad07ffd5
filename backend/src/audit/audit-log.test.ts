import { rmSync } from 'node:fs';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { DatabaseHandle } from '../db/client.js';
import { openTempDatabase, silentLogger } from '../../test/harness/temp-local-store.js';
import { ANONYMOUS_PRINCIPAL } from '../request-context.js';
import { AuditLog } from './audit-log.js';
import type { AuditRecord } from './chain.js';
import { verifyAuditChain } from './verify.js';

const ctx = { actor: 'user:alice', requestId: 'req-1', principal: ANONYMOUS_PRINCIPAL };
const subject = { operation: 'test.write', entityType: 'thing' };

describe('AuditLog', () => {
  let database: DatabaseHandle;
  let dataDir: string;
  let audit: AuditLog;
  const committed: AuditRecord[] = [];

  beforeEach(() => {
    ({ database, dataDir } = openTempDatabase('pki-audit-log-'));
    audit = new AuditLog(database, silentLogger());
    committed.length = 0;
    audit.onCommitted((rows) => committed.push(...rows));
  });
  afterEach(() => {
    expect(verifyAuditChain(database)).toMatchObject({ isValid: true });
    database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const rows = () =>
    database.sqlite.prepare('SELECT seq, operation, status, entity_id, details FROM audit_log ORDER BY seq').all() as {
      seq: number;
      operation: string;
      status: string;
      entity_id: string | null;
      details: string;
    }[];

  it('writes the success row with the domain write, and tells listeners only once it is committed', async () => {
    database.sqlite.exec('CREATE TABLE things (id TEXT PRIMARY KEY)');
    const insert = database.sqlite.prepare('INSERT INTO things (id) VALUES (?)');
    const result = await audit.run(ctx, subject, (step) => step.commit('t1', () => insert.run('t1').changes));
    expect(result).toBe(1);
    expect(rows()).toMatchObject([{ seq: 1, operation: 'test.write', status: 'success', entity_id: 't1' }]);
    expect(committed.map((row) => row.seq)).toEqual([1]);
  });

  it('records a failure row with the error code when the work throws, and rethrows', async () => {
    const failure = Object.assign(new Error('no such thing'), { code: 'THING_NOT_FOUND' });
    await expect(
      audit.run(ctx, subject, () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    const [row] = rows();
    expect(row).toMatchObject({ status: 'failure' });
    expect(JSON.parse(row?.details ?? '{}')).toEqual({ errorCode: 'THING_NOT_FOUND', errorMessage: 'no such thing' });
  });

  it('writes nothing of a domain write that throws, then the failure row alone', async () => {
    database.sqlite.exec('CREATE TABLE things (id TEXT PRIMARY KEY)');
    const insert = database.sqlite.prepare('INSERT INTO things (id) VALUES (?)');
    await expect(
      audit.run(ctx, subject, (step) =>
        step.commit('t1', () => {
          insert.run('t1');
          insert.run('t1');
        }),
      ),
    ).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect(database.sqlite.prepare('SELECT count(*) FROM things').pluck().get()).toBe(0);
    expect(rows().map((row) => row.status)).toEqual(['failure']);
    expect(committed.map((row) => row.status)).toEqual(['failure']);
  });

  it('shares one commit between operations in progress together, and tells listeners in seq order', async () => {
    const steps = Array.from({ length: 5 }, (_, index) =>
      audit.begin(
        { actor: 'user:alice', requestId: `req-${index}`, principal: ANONYMOUS_PRINCIPAL },
        { ...subject, entityId: `t${index}` },
      ),
    );
    await Promise.all(steps.map((step) => step.commit(step.entityId)));
    expect(committed.map((row) => row.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(committed.map((row) => row.entityId)).toEqual(['t0', 't1', 't2', 't3', 't4']);
  });

  it('commits a lone operation within the call, without a turn of the event loop', async () => {
    let isSettled = false;
    const pending = audit.record(ctx, { ...subject, status: 'success' }).then(() => (isSettled = true));
    for (let tick = 0; tick < 10; tick += 1) await Promise.resolve();
    expect(isSettled).toBe(true);
    expect(rows()).toHaveLength(1);
    await pending;
  });
});
