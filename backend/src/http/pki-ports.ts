/**
 * What the public PKI routes need from the certificate authority's services. Narrow on
 * purpose: CaService, CrlPublisher and OcspResponder satisfy these structurally, and
 * the routes stay ignorant of how CRLs and OCSP responses are produced or cached.
 * `ctx` is the HTTP request, whose id the audit rows of the work it causes carry.
 */
import type { RequestContext } from '../request-context.js';

export interface CrlSource {
  /** The CA's current full CRL, DER (by id or name); throws NotFoundError for an unknown CA. */
  getCrl(ctx: RequestContext, caRef: string): Promise<Uint8Array>;
  /** The same CRL, PEM. */
  getCrlPem(ctx: RequestContext, caRef: string): Promise<string>;
}

export interface CaCertificateSource {
  /** The CA's own certificate DER (by id or name); throws for an unknown or still pending CA. */
  getCertificateDer(caRef: string): Uint8Array;
  /** The same certificate, PEM. */
  getCertificatePem(caRef: string): string;
}

export interface OcspSource {
  /**
   * Answers one DER OCSPRequest with a complete DER OCSPResponse, whatever its status; a
   * request it cannot parse gets malformedRequest. If it throws anyway, the route answers.
   */
  respond(ctx: RequestContext, requestDer: Uint8Array): Promise<Uint8Array>;
  /** Counts a request the route refused before asking (the per-client limit), for the aggregated audit row. */
  countRefused?(outcome: 'clientLimited'): void;
}
