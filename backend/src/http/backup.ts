/**
 * `GET /api/backup`: the data directory as one archive (db/backup.ts), for `pki backup`.
 * Admins only (the archive holds the local key store's identity, so it is as secret as the
 * data directory), and audited: a `system.backup` row with the manifest's checksums once
 * the snapshot is taken, or a failure row.
 */
import type { FastifyInstance } from 'fastify';

import type { AuditLog } from '../audit/audit-log.js';
import { auditedError } from '../audit/audit-log.js';
import type { BackupSnapshot } from '../db/backup.js';
import { requestContextOf } from '../request-context.js';
import { authenticateRequest, requirePermission } from './principal.js';

export interface BackupRouteDependencies {
  takeSnapshot: () => Promise<BackupSnapshot>;
  audit: AuditLog;
}

export function registerBackupRoute(app: FastifyInstance, deps: BackupRouteDependencies): void {
  app.get('/api/backup', { preHandler: requirePermission('settings.manage') }, async (request, reply) => {
    const ctx = requestContextOf(authenticateRequest(request).principal, request.id);
    const subject = { operation: 'system.backup', entityType: 'data_dir' };
    let snapshot: BackupSnapshot;
    try {
      snapshot = await deps.takeSnapshot();
    } catch (error) {
      await deps.audit.record(ctx, { ...subject, status: 'failure', details: auditedError(error) });
      throw error;
    }
    await deps.audit.record(ctx, {
      ...subject,
      status: 'success',
      details: { sizeBytes: snapshot.sizeBytes, files: snapshot.manifest.files },
    });
    const stamp = snapshot.manifest.createdAt.replace(/[:.]/g, '-');
    return reply
      .type('application/octet-stream')
      .header('content-length', snapshot.sizeBytes)
      .header('content-disposition', `attachment; filename="pki-backup-${stamp}.pkibackup"`)
      .header('cache-control', 'no-store')
      .send(snapshot.stream());
  });
}
