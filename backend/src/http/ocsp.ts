/**
 * The OCSP responder's HTTP binding (RFC 6960 Appendix A.1): `POST /ocsp` with a DER
 * OCSPRequest body, and `GET /ocsp/{url-encoded base64 of the DER request}`. Every answer is
 * an OCSPResponse with HTTP 200 and `application/ocsp-response`, whatever went wrong: a
 * relying party must get something it can parse, never our JSON error body or a 500.
 * The responder caches answers per serial itself, so HTTP caches are told not to keep them:
 * a revocation must show at once.
 *
 * Each client (by address) has a request budget (pki/ocsp-client-limiter.ts). Beyond it the
 * answer is the OCSP status tryLater, still HTTP 200, not HTTP 429: OCSP clients (openssl,
 * NSS, CryptoAPI, Go's x/crypto/ocsp) parse an OCSPResponse and know tryLater (RFC 6960 §2.3)
 * as "ask again", while a 429 is to most of them an unexplained transport failure; a
 * `Retry-After` header tells HTTP-aware clients when. The refusal costs no parsing, no
 * database read and no signature.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { mapError } from '../error-mapping.js';
import { OcspClientLimiter } from '../pki/ocsp-client-limiter.js';
import type { OcspClientLimits } from '../pki/ocsp-client-limiter.js';
import { systemContext } from '../request-context.js';
import type { OcspSource } from './pki-ports.js';

/** A request names a few certificates and perhaps a nonce: a few hundred bytes. */
export const MAX_OCSP_REQUEST_BYTES = 16 * 1024;

/**
 * OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, … } with no responseBytes: what
 * RFC 6960 §4.2.1 prescribes for the unsuccessful statuses, e.g. 30 03 0A 01 01.
 */
export const OCSP_UNSUCCESSFUL = {
  malformedRequest: Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x01]),
  internalError: Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x02]),
  tryLater: Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x03]),
} as const;

const CONTENT_TYPE = 'application/ocsp-response';

export interface OcspRouteOptions {
  /** Per-client limits; DEFAULT_OCSP_CLIENT_LIMITS otherwise. */
  clientLimits?: OcspClientLimits;
}

/** Seconds a limited client is told to wait: a bucket refills within about that. */
const RETRY_AFTER_SECONDS = '1';

export async function registerOcspRoutes(
  app: FastifyInstance,
  source: OcspSource,
  options: OcspRouteOptions = {},
): Promise<void> {
  const limiter = new OcspClientLimiter(options.clientLimits);
  const isAdmitted = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (limiter.tryAdmit(request.ip)) return true;
    source.countRefused?.('clientLimited');
    void reply.header('retry-after', RETRY_AFTER_SECONDS);
    return false;
  };
  // Own scope: its body parser and error handler apply to the OCSP routes only.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // RFC 6960 names application/ocsp-request, but a wrong or missing type is still answered in OCSP terms.
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: MAX_OCSP_REQUEST_BYTES },
      (_request, body, done) => {
        done(null, body);
      },
    );
    scope.setErrorHandler((error, request, reply) => {
      const mapped = mapError(error);
      const clientStatus = (error as { statusCode?: number }).statusCode;
      const isClientFault =
        !mapped.isServerFault || (clientStatus !== undefined && clientStatus >= 400 && clientStatus < 500);
      if (isClientFault) {
        request.log.info({ code: mapped.appCode }, 'malformed OCSP request');
        return sendUnsuccessful(reply, 'malformedRequest');
      }
      request.log.error({ err: error }, 'OCSP responder failed');
      const isOutage =
        mapped.trpcCode === 'SERVICE_UNAVAILABLE' ||
        mapped.trpcCode === 'GATEWAY_TIMEOUT' ||
        mapped.trpcCode === 'TOO_MANY_REQUESTS';
      return sendUnsuccessful(reply, isOutage ? 'tryLater' : 'internalError');
    });

    scope.post('/ocsp', async (request, reply) => {
      if (!isAdmitted(request, reply)) return sendUnsuccessful(reply, 'tryLater');
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) return sendUnsuccessful(reply, 'malformedRequest');
      return sendAnswer(reply, await source.respond(systemContext('ocsp', request.id), body));
    });

    const answerGet = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!isAdmitted(request, reply)) return sendUnsuccessful(reply, 'tryLater');
      const requestDer = decodeGetPath(request.url);
      if (requestDer === undefined) return sendUnsuccessful(reply, 'malformedRequest');
      return sendAnswer(reply, await source.respond(systemContext('ocsp', request.id), requestDer));
    };
    scope.get('/ocsp', answerGet);
    scope.get('/ocsp/*', answerGet);
  });
}

/**
 * For Fastify's `frameworkErrors`: a URL too broken for the router to decode (e.g.
 * `/ocsp/%%%`) never reaches the OCSP scope, so it is answered here in OCSP terms.
 * Returns false for any other path, which keeps Fastify's own 400.
 */
export function answerUnroutableOcspRequest(url: string, reply: FastifyReply): boolean {
  if (!(url === '/ocsp' || url.startsWith('/ocsp/') || url.startsWith('/ocsp?'))) return false;
  void sendUnsuccessful(reply, 'malformedRequest');
  return true;
}

function sendUnsuccessful(reply: FastifyReply, status: keyof typeof OCSP_UNSUCCESSFUL) {
  return reply.code(200).type(CONTENT_TYPE).header('cache-control', 'no-store').send(OCSP_UNSUCCESSFUL[status]);
}

function sendAnswer(reply: FastifyReply, der: Uint8Array) {
  return reply.code(200).type(CONTENT_TYPE).header('cache-control', 'no-store').send(Buffer.from(der));
}

/**
 * The path after /ocsp/ is the URL-encoded base64 of the DER request (RFC 6960 A.1). Clients
 * differ in what they escape, so both escaped and raw "/" and "+" work, and base64url too.
 */
export function decodeGetPath(url: string): Buffer | undefined {
  const path = url.split('?')[0] ?? '';
  const encoded = path.startsWith('/ocsp/') ? path.slice('/ocsp/'.length) : '';
  let text: string;
  try {
    text = decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  if (base64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length > (MAX_OCSP_REQUEST_BYTES * 4) / 3 + 4) {
    return undefined;
  }
  const der = Buffer.from(base64, 'base64');
  return der.length === 0 ? undefined : der;
}
