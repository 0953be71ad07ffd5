/**
 * OCSP as a relying party asks it, without a socket: openssl writes the request, the app's
 * `POST /ocsp` route answers it through `app.inject`, and the test reads the DER answer
 * (with openssl too, in the test's own words).
 */
import { readFileSync } from 'node:fs';

import type { FastifyInstance } from 'fastify';

import { run } from '../harness/openssl.js';

/** A nonce-less OCSP request, written by `openssl ocsp` to `requestFile`, for a serial or a certificate file. */
export function opensslOcspRequest(
  issuerFile: string,
  subject: { serialHex: string } | { certificateFile: string },
  requestFile: string,
): Buffer {
  const target = 'serialHex' in subject ? ['-serial', `0x${subject.serialHex}`] : ['-cert', subject.certificateFile];
  const result = run('openssl', ['ocsp', '-issuer', issuerFile, ...target, '-no_nonce', '-reqout', requestFile]);
  if (result.status !== 0) throw new Error(`openssl ocsp could not write the request: ${result.output}`);
  return readFileSync(requestFile);
}

/** The app's answer to an OCSP request, as `POST /ocsp` gives it. */
export async function postOcsp(app: FastifyInstance, request: Uint8Array): Promise<Buffer> {
  const response = await app.inject({
    method: 'POST',
    url: '/ocsp',
    headers: { 'content-type': 'application/ocsp-request' },
    payload: Buffer.from(request),
  });
  return response.rawPayload;
}
