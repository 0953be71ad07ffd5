import { rmSync } from 'node:fs';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { AUDIT_SUMMARY_LIST_LIMIT, auditSummaryCsv } from '@pki/shared';

import type { DatabaseHandle } from '../db/client.js';
import { openTempDatabase } from '../../test/harness/temp-local-store.js';
import { AuditLogReader } from './audit-log-reader.js';
import { AuditChain } from './chain.js';

const START = Date.parse('2026-11-01T00:00:00Z');

describe('audit summary', () => {
  let database: DatabaseHandle;
  let cleanup: () => void;

  beforeEach(() => {
    const temp = openTempDatabase('pki-audit-summary-');
    database = temp.database;
    cleanup = () => {
      database.close();
      rmSync(temp.dataDir, { recursive: true, force: true });
    };
  });
  afterEach(() => cleanup());

  function append(
    rows: { operation: string; status?: 'success' | 'failure' | 'denied'; actor?: string; minute: number }[],
  ) {
    const chain = new AuditChain(database.sqlite);
    chain.transaction(() => {
      for (const row of rows) {
        chain.append({
          actor: row.actor ?? 'user:alice',
          operation: row.operation,
          entityType: row.operation.startsWith('ca.') ? 'certificate_authority' : 'kms_key',
          entityId: `${row.operation}-${row.minute}`,
          status: row.status ?? 'success',
          details: row.status === 'failure' ? { errorCode: 'KMS_UNAVAILABLE' } : {},
          timestamp: START + row.minute * 60_000,
        });
      }
    });
  }

  it('counts and lists only the period, by the lifecycle operations', () => {
    append([
      { operation: 'kms.generateKeyPair', minute: 0 },
      { operation: 'kms.generateKeyPair', minute: 10 },
      { operation: 'kms.generateKeyPair', minute: 11, status: 'failure' },
      { operation: 'ca.createRoot', minute: 12 },
      { operation: 'kms.sign', minute: 13, actor: 'system:ocsp' },
      { operation: 'kms.revokeKey', minute: 14 },
      { operation: 'kms.destroyKey', minute: 15 },
      { operation: 'ca.revoke', minute: 16 },
      { operation: 'auth.signIn', minute: 17, status: 'denied', actor: 'anonymous' },
      { operation: 'kms.generateKeyPair', minute: 30 },
    ]);
    const reader = new AuditLogReader(database);
    const summary = reader.summary({
      since: new Date(START + 10 * 60_000).toISOString(),
      until: new Date(START + 20 * 60_000).toISOString(),
    });
    expect(summary).toMatchObject({ firstSeq: 2, lastSeq: 9, rowCount: 8 });
    expect(summary.byOperation[0]).toEqual({ name: 'kms.generateKeyPair', count: 2 });
    expect(summary.byActor).toEqual([
      { name: 'user:alice', count: 6 },
      { name: 'anonymous', count: 1 },
      { name: 'system:ocsp', count: 1 },
    ]);
    expect(summary.byStatus).toEqual([
      { name: 'success', count: 6 },
      { name: 'denied', count: 1 },
      { name: 'failure', count: 1 },
    ]);
    expect(summary.unsuccessful.items.map((row) => row.operation)).toEqual(['kms.generateKeyPair', 'auth.signIn']);
    // A failed generation created no key.
    expect(summary.keysCreated).toMatchObject({ total: 1, items: [{ seq: 2 }] });
    expect(summary.keysRevoked.total).toBe(1);
    expect(summary.keysDestroyed.total).toBe(1);
    expect(summary.casCreated.items.map((row) => row.entityId)).toEqual(['ca.createRoot-12']);
    expect(summary.casRevoked.total).toBe(1);
    const csv = auditSummaryCsv(summary);
    expect(csv).toContain('\r\nunsuccessful,,,3,');
    expect(csv).toContain(',failure,KMS_UNAVAILABLE\r\n');
    expect(csv).toContain('\r\ntotal,key created,1,');
  });

  it('bounds each list and keeps the total', () => {
    append(
      Array.from({ length: AUDIT_SUMMARY_LIST_LIMIT + 3 }, (_, minute) => ({
        operation: 'auth.signIn',
        status: 'denied' as const,
        minute,
      })),
    );
    const summary = new AuditLogReader(database).summary(
      { since: new Date(START).toISOString() },
      new Date(START + 10 ** 9),
    );
    expect(summary.unsuccessful.total).toBe(AUDIT_SUMMARY_LIST_LIMIT + 3);
    expect(summary.unsuccessful.items).toHaveLength(AUDIT_SUMMARY_LIST_LIMIT);
  });

  it('reads the lists through the partial indexes within the period', () => {
    append([{ operation: 'kms.sign', minute: 1 }]);
    const plan = (source: string) =>
      (database.sqlite.prepare(`EXPLAIN QUERY PLAN ${source}`).all() as { detail: string }[])
        .map((row) => row.detail)
        .join(' | ');
    expect(
      plan(
        "SELECT * FROM audit_log WHERE seq >= 1 AND seq < 9 AND status IN ('failure', 'denied') AND status <> 'success' ORDER BY seq LIMIT 500",
      ),
    ).toMatch(/USING INDEX audit_log_unsuccessful_idx \(status=\? AND rowid>\? AND rowid<\?\)/);
    expect(
      plan(
        "SELECT * FROM audit_log WHERE seq >= 1 AND seq < 9 AND operation IN ('ca.createRoot', 'ca.createIntermediate') AND operation <> 'kms.sign' AND status = 'success' ORDER BY seq LIMIT 500",
      ),
    ).toMatch(/USING INDEX audit_log_operation_unsigned_idx \(operation=\? AND rowid>\? AND rowid<\?\)/);
  });
});
