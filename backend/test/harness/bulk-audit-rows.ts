/**
 * A faithful bulk path for large logs (tests and benchmarks): rows appended through the real
 * AuditChain — same hashing, same ordering, same INSERT — in large transactions instead of
 * one commit per request, so a million rows take seconds and still form a valid chain.
 */
import type Database from 'better-sqlite3';

import { AuditChain } from '../../src/audit/chain.js';

export function appendBulkAuditRows(sqlite: Database.Database, count: number, batchSize = 20_000): void {
  const chain = new AuditChain(sqlite);
  for (let done = 0; done < count; done += batchSize) {
    const size = Math.min(batchSize, count - done);
    chain.transaction(() => {
      for (let offset = 0; offset < size; offset += 1) {
        const index = done + offset;
        // Shaped like a kms.sign row, the most common one.
        chain.append({
          actor: 'user:bulk',
          operation: 'test.bulk',
          entityType: 'kms_key',
          entityId: `key-${index % 100}`,
          status: index % 50 === 49 ? 'failure' : 'success',
          details: { algorithm: 'ec-p256', backend: 'local', dataLength: 512 + (index % 256), index },
          requestId: `bulk-${index}`,
        });
      }
    });
  }
}
