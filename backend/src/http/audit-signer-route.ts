/**
 * `GET /audit/signer.pem`: the audit signer's self-signed certificate (docs/AUDIT.md §5),
 * what an auditor passes to `pki audit verify --file … --signer signer.pem`. Public, like
 * a CA certificate: it proves nothing by itself, and whoever verifies pins its fingerprint.
 */
import type { FastifyInstance } from 'fastify';

import type { AuditIntegrityService } from '../audit/audit-integrity-service.js';

export function registerAuditSignerRoute(app: FastifyInstance, integrity: AuditIntegrityService): void {
  app.get('/audit/signer.pem', async (_request, reply) => {
    const signer = await integrity.signerInfo();
    return reply
      .type('application/x-pem-file')
      .header('cache-control', 'public, max-age=300')
      .header('x-pki-fingerprint-sha256', signer.fingerprint)
      .send(signer.certificatePem);
  });
}
