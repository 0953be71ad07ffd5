/**
 * How the HTTPS transport maps Cosmian's plain-text error bodies (a failed bare operation
 * on `/kmip/2_1` is an HTTP status plus its error's Display), against a real local HTTP
 * server answering with each body.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KmsError, KmsInvalidRequest, KmsNotFound, KmsPermissionDenied, KmsTimeout } from '../errors.js';
import { HttpsTransport } from './https.js';

let server: Server;
let transport: HttpsTransport;
/** What the server answers next: status and plain-text body, or no answer at all. */
let answer: { status: number; body: string } | 'hang' = { status: 200, body: '{}' };

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (answer === 'hang') return;
      response.writeHead(answer.status, { 'content-type': 'text/html; charset=utf-8' });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  transport = new HttpsTransport({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});

afterAll(async () => {
  await transport.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failureFor(status: number, body: string): Promise<KmsError> {
  answer = { status, body };
  const error = await transport.roundTrip(new TextEncoder().encode('{}')).catch((caught: unknown) => caught);
  if (!(error instanceof KmsError)) throw new Error(`expected a KmsError, got ${String(error)}`);
  return error;
}

describe('HttpsTransport: Cosmian 422 plain-text bodies', () => {
  it.each([
    ['Object_Not_Found: 1f0e2d3c-uid', KmsNotFound, 'Object_Not_Found'],
    ['Object_Destroyed: DENIED', KmsNotFound, 'Object_Destroyed'],
    ['Item_Not_Found: 1f0e2d3c-uid', KmsNotFound, 'Item_Not_Found'],
    ['Item not found: 1f0e2d3c-uid', KmsNotFound, 'Item_Not_Found'],
    ['Permission_Denied: the user has no Get grant', KmsPermissionDenied, 'Permission_Denied'],
    ['Sensitive: DENIED', KmsPermissionDenied, 'Sensitive'],
    ['Wrong_Key_Lifecycle_State: DENIED', KmsPermissionDenied, 'Wrong_Key_Lifecycle_State'],
    ['Invalid Request: Sign request must not set both data and digested data', KmsInvalidRequest, 'HTTP 422'],
    ['Not Supported: this algorithm', KmsInvalidRequest, 'HTTP 422'],
    ['Incompatible_Cryptographic_Usage_Mask: Sign', KmsInvalidRequest, 'Incompatible_Cryptographic_Usage_Mask'],
    ['Codec_Error: bad TTLV', KmsInvalidRequest, 'Codec_Error'],
    // A retryable reason in a 4xx body is still the caller's fault: never retried.
    ['Internal_Server_Error: oops', KmsInvalidRequest, 'Internal_Server_Error'],
    ['Made_Up_Reason: text', KmsInvalidRequest, 'HTTP 422'],
    ['', KmsInvalidRequest, 'HTTP 422'],
  ])('422 %j → %o', async (body, ErrorClass, serverReason) => {
    const error = await failureFor(422, body);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.isRetryable).toBe(false);
    expect(error.serverReason).toBe(serverReason);
    expect(error.serverMessage).toBe(body || undefined);
  });

  it('keeps the server text out of the error message', async () => {
    const error = await failureFor(422, 'Object_Not_Found: secret-looking-uid-4711');
    expect(error.message).not.toContain('secret-looking-uid-4711');
    expect(error.message).toContain('Object_Not_Found');
  });

  it('400 with a reason prefix maps the same way as 422', async () => {
    expect(await failureFor(400, 'Object_Not_Found: x')).toBeInstanceOf(KmsNotFound);
  });

  it('no answer within the per-try timeout → KmsTimeout', async () => {
    answer = 'hang';
    const error = await transport
      .roundTrip(new TextEncoder().encode('{}'), { timeoutMs: 100 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KmsTimeout);
  });
});
