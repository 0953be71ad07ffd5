/**
 * The audit rows of a certificate's key-custody evidence (pki/custody-service.ts composes them
 * with the key store's answer): the row that recorded its issuance, the `kms.sign` row of the
 * signature over it, and the first checkpoint covering that row.
 *
 * How a certificate is tied to its signature: issuance signs the TBS through KMSService, which
 * commits the `kms.sign` row (the CA's key as entity, the request's id) before the issuance row
 * commits with the certificate. So the signature row is the newest successful `kms.sign` of the
 * CA's key, in the same request, before the issuance row, over exactly as many bytes as the
 * certificate's TBS. Every lookup is an index walk: the entity index, the request-id index,
 * the operation index without signatures (checkpoints).
 */
import { and, asc, desc, eq, gt, lt, ne } from 'drizzle-orm';

import type { AuditEntry } from '@pki/shared';

import type { DatabaseHandle } from '../db/client.js';
import { AUDIT_SIGN_OPERATION, AUDIT_SUCCESS_STATUS, auditLog } from '../db/schema.js';
import { toAuditEntry } from './audit-log-reader.js';
import { CHECKPOINT_OPERATION } from './checkpoint.js';

/** Candidates looked at per lookup: a retried serial signs again in the same request. */
const SIGNATURE_CANDIDATES = 16;
const CHECKPOINT_PAGE = 16;

export interface SignatureQuery {
  /** The issuance row; the signature precedes it in the same request. */
  issuance: AuditEntry;
  /** Our id of the CA's key (the `kms.sign` row's entity). */
  caKeyId: string;
  /** Byte length of the certificate's TBS, what was signed. */
  signedLength: number;
}

export class AuditEvidence {
  constructor(private readonly database: DatabaseHandle) {}

  /** The first successful row of the certificate that names its serial: its issuance. */
  issuanceOf(certificateId: string, serialHex: string): AuditEntry | null {
    const rows = this.database.db
      .select()
      .from(auditLog)
      .where(
        and(
          eq(auditLog.entityType, 'certificate'),
          eq(auditLog.entityId, certificateId),
          eq(auditLog.status, AUDIT_SUCCESS_STATUS),
        ),
      )
      .orderBy(asc(auditLog.seq))
      .limit(SIGNATURE_CANDIDATES)
      .all();
    const row = rows.find((candidate) => candidate.details.serialHex === serialHex);
    return row === undefined ? null : toAuditEntry(row);
  }

  signatureOf(query: SignatureQuery): AuditEntry | null {
    const { issuance } = query;
    if (issuance.requestId === null) return null;
    const rows = this.database.db
      .select()
      .from(auditLog)
      .where(
        and(
          eq(auditLog.requestId, issuance.requestId),
          eq(auditLog.entityType, 'kms_key'),
          eq(auditLog.entityId, query.caKeyId),
          eq(auditLog.operation, AUDIT_SIGN_OPERATION),
          eq(auditLog.status, AUDIT_SUCCESS_STATUS),
          lt(auditLog.seq, issuance.seq),
        ),
      )
      .orderBy(desc(auditLog.seq))
      .limit(SIGNATURE_CANDIDATES)
      .all();
    const row = rows.find((candidate) => candidate.details.dataLength === query.signedLength);
    return row === undefined ? null : toAuditEntry(row);
  }

  /**
   * The first checkpoint row whose covered `seq` is at or past `seq`; null when none is yet.
   * A checkpoint row follows the rows it covers but may be recorded after later rows, so the
   * first one after `seq` is not always one that covers it.
   */
  checkpointCovering(seq: number): AuditEntry | null {
    let after = seq;
    for (;;) {
      const rows = this.database.db
        .select()
        .from(auditLog)
        .where(
          and(
            eq(auditLog.operation, CHECKPOINT_OPERATION),
            // The operation index leaves signatures out; stating it lets SQLite use the index.
            ne(auditLog.operation, AUDIT_SIGN_OPERATION),
            gt(auditLog.seq, after),
          ),
        )
        .orderBy(asc(auditLog.seq))
        .limit(CHECKPOINT_PAGE)
        .all();
      const covering = rows.find((row) => row.status === AUDIT_SUCCESS_STATUS && Number(row.details.seq) >= seq);
      if (covering !== undefined) return toAuditEntry(covering);
      const last = rows.at(-1);
      if (last === undefined || rows.length < CHECKPOINT_PAGE) return null;
      after = last.seq;
    }
  }
}
