/**
 * A small audit log with every kind of content an export carries: successes and failures,
 * non-ASCII and quote-laden details, fractions, and a checkpoint recorded after row 10.
 */
import type Database from 'better-sqlite3';

import { AuditRowPages, auditExportLines } from '../../src/audit/audit-export.js';
import type { AuditLog } from '../../src/audit/audit-log.js';
import { CHECKPOINT_ENTITY, CHECKPOINT_OPERATION, signCheckpoint } from '../../src/audit/checkpoint.js';
import type { AuditSigner } from '../../src/audit/checkpoint.js';
import { requestContextOf } from '../../src/request-context.js';
import type { RequestContext } from '../../src/request-context.js';

/** A signed-in user's request, as the audit tests' rows name it. */
export function userContext(requestId: string): RequestContext {
  return requestContextOf({ kind: 'user', actor: 'user:alice', role: 'admin', userId: null }, requestId);
}

export const SAMPLE_CONTEXT: RequestContext = userContext('req-export');

/** Appends `rowCount` rows, with a signed checkpoint recorded after row 10. */
export async function seedAuditLog(
  audit: AuditLog,
  sqlite: Database.Database,
  signer: AuditSigner,
  rowCount = 20,
): Promise<void> {
  for (let index = 0; index < rowCount; index += 1) {
    await audit.record(SAMPLE_CONTEXT, {
      operation: 'test.write',
      entityType: 'thing',
      entityId: `t${index}`,
      status: index % 5 === 4 ? 'failure' : 'success',
      details: { index, note: index === 3 ? 'é "quoted", =SUM(A1)' : 'plain', ratio: index / 8 },
    });
    if (index === 9) {
      const tip = sqlite.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as {
        seq: number;
        hash: string;
      };
      const { statement: _statement, ...details } = await signCheckpoint(SAMPLE_CONTEXT, signer, tip, new Date());
      await audit.record(SAMPLE_CONTEXT, {
        operation: CHECKPOINT_OPERATION,
        entityType: CHECKPOINT_ENTITY,
        entityId: String(tip.seq),
        status: 'success',
        details,
      });
    }
  }
}

/** The NDJSON export of the whole log (or from `fromSeq`), ending with a fresh checkpoint. */
export async function exportNdjson(
  sqlite: Database.Database,
  signer: AuditSigner,
  options: { fromSeq?: number; pageSize?: number } = {},
): Promise<string> {
  let text = '';
  for await (const chunk of auditExportLines(new AuditRowPages(sqlite), {
    format: 'ndjson',
    ...options,
    finalCheckpoint: (last) => signCheckpoint(SAMPLE_CONTEXT, signer, last, new Date()),
  }))
    text += chunk;
  return text;
}
