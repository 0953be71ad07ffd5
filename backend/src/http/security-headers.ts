/**
 * The security headers every answer carries: helmet's set, with a strict CSP (the built
 * console needs nothing inline and nothing from elsewhere) and a permissions policy.
 *
 * helmet's middleware is built once here. The Fastify plugin (@fastify/helmet) rebuilds it
 * — parsing the CSP directives again — on every request, to support per-route options and
 * CSP nonces that nothing here uses.
 */
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/** Features the console never uses, refused to any page that would frame or script it. */
const PERMISSIONS_POLICY =
  'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), bluetooth=(), interest-cohort=()';

export function registerSecurityHeaders(app: FastifyInstance, options: { publicUrl: string }): void {
  const applyHelmet = helmet({
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    // HSTS only means something when the public URL is HTTPS (TLS is terminated in front of us).
    strictTransportSecurity: options.publicUrl.startsWith('https://'),
    crossOriginEmbedderPolicy: false,
    // DENY says what CSP frame-ancestors 'none' says, for browsers that only read this header.
    xFrameOptions: { action: 'deny' },
  });
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('permissions-policy', PERMISSIONS_POLICY);
    // helmet writes on the raw response, as the Fastify plugin does; it never fails with this configuration.
    applyHelmet(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
}
