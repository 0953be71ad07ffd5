/**
 * `GET /audit/export?format=ndjson|csv&from=…&to=…` (docs/AUDIT.md §6): the audit log as a
 * file, for auditors and admins (`audit.read`). A plain route so it can stream: the body is
 * produced a page at a time as the client reads it (a Readable pulled under the socket's
 * backpressure), so memory stays flat at any size. `from` and `to` are ISO 8601 instants,
 * both included. An NDJSON export ends with a fresh signed checkpoint covering its last row.
 */
import { Readable } from 'node:stream';

import type { FastifyInstance } from 'fastify';

import { AuditExportQuery } from '@pki/shared';

import type { AuditIntegrityService } from '../audit/audit-integrity-service.js';
import { ValidationError } from '../errors.js';
import { requestContextOf } from '../request-context.js';
import { authenticateRequest, requirePermission } from './principal.js';

const CONTENT_TYPES = { ndjson: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8' } as const;

export function registerAuditExportRoute(app: FastifyInstance, integrity: AuditIntegrityService): void {
  app.get('/audit/export', { preHandler: requirePermission('audit.read') }, (request, reply) => {
    const parsed = AuditExportQuery.safeParse(request.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ValidationError(
        `${issue?.path.join('.') || 'query'}: ${issue?.message ?? 'invalid'} (format=ndjson|csv, from and to as ISO 8601 instants)`,
      );
    }
    const query = parsed.data;
    const ctx = requestContextOf(authenticateRequest(request).principal, request.id);
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '');
    const body = Readable.from(integrity.exportLines(ctx, query), { objectMode: false });
    return reply
      .type(CONTENT_TYPES[query.format])
      .header('content-disposition', `attachment; filename="pki-audit-${stamp}Z.${query.format}"`)
      .header('cache-control', 'no-store')
      .send(body);
  });
}
