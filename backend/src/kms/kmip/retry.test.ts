/**
 * Retries, timeouts and duplicate-safe creates, against a real local HTTP server that we
 * drive to answer 503, 400, hang or reset (no mocks of our own modules). Backoffs and
 * timeouts are shortened; nothing here asserts on elapsed time.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { KmipClient } from './client.js';
import { decodeJson, encodeJson } from './codec/json.js';
import {
  KmsInvalidRequest,
  KmsNotFound,
  KmsPermissionDenied,
  KmsRateLimited,
  KmsTimeout,
  KmsUnavailable,
} from './errors.js';
import { backoffDelay, DEFAULT_RETRY_POLICY } from './retry.js';
import { HttpsTransport } from './transport/https.js';
import type { TtlvNode, TtlvStructure } from './ttlv/types.js';

type Handler = (
  request: { operation: string; payload: TtlvStructure },
  raw: IncomingMessage,
  response: ServerResponse,
) => void;

interface FakeKms {
  url: string;
  /** Operations received, in order. */
  received: string[];
  server: Server;
}

let running: FakeKms | undefined;
let client: KmipClient | undefined;

afterEach(async () => {
  await client?.close();
  client = undefined;
  if (running) {
    running.server.closeAllConnections();
    await new Promise((resolve) => running?.server.close(resolve));
    running = undefined;
  }
});

async function startFakeKms(handler: Handler): Promise<FakeKms> {
  const received: string[] = [];
  const server = createServer((raw, response) => {
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const message = decodeJson(JSON.parse(Buffer.concat(chunks).toString('utf8'))) as TtlvStructure;
      const item = message.value.find((node) => node.tag === 'BatchItem') as TtlvStructure;
      const operation = item.value.find((node) => node.tag === 'Operation')?.value as string;
      const payload = item.value.find((node) => node.tag === 'RequestPayload') as TtlvStructure;
      received.push(operation);
      handler({ operation, payload }, raw, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  running = { url: `http://127.0.0.1:${port}`, received, server };
  return running;
}

function success(operation: string, payload: TtlvNode[]): string {
  const message: TtlvNode = {
    tag: 'ResponseMessage',
    type: 'Structure',
    value: [
      {
        tag: 'ResponseHeader',
        type: 'Structure',
        value: [
          {
            tag: 'ProtocolVersion',
            type: 'Structure',
            value: [
              { tag: 'ProtocolVersionMajor', type: 'Integer', value: 2 },
              { tag: 'ProtocolVersionMinor', type: 'Integer', value: 1 },
            ],
          },
          { tag: 'BatchCount', type: 'Integer', value: 1 },
        ],
      },
      {
        tag: 'BatchItem',
        type: 'Structure',
        value: [
          { tag: 'Operation', type: 'Enumeration', value: operation },
          { tag: 'ResultStatus', type: 'Enumeration', value: 'Success' },
          { tag: 'ResponsePayload', type: 'Structure', value: payload },
        ],
      },
    ],
  };
  return JSON.stringify(encodeJson(message));
}

const activated = (id: string) => success('Activate', [{ tag: 'UniqueIdentifier', type: 'TextString', value: id }]);

function reply(response: ServerResponse, status: number, body: string, contentType = 'application/json'): void {
  response.writeHead(status, { 'content-type': contentType });
  response.end(body);
}

function clientOf(kms: FakeKms, retry: Partial<typeof DEFAULT_RETRY_POLICY> = {}): KmipClient {
  client = new KmipClient(new HttpsTransport({ url: kms.url }), {
    retry: { backoffMs: [10, 20, 30], jitter: 0, timeoutMs: 2000, ...retry },
    nameFactory: () => 'unique-name-1',
  });
  return client;
}

describe('retry policy over HTTP', () => {
  it('503, 503, 200 → success on the third attempt', async () => {
    let calls = 0;
    const kms = await startFakeKms((_request, _raw, response) => {
      calls += 1;
      if (calls < 3) reply(response, 503, 'Service Unavailable', 'text/plain');
      else reply(response, 200, activated('k1'));
    });
    await expect(clientOf(kms).activate('k1')).resolves.toEqual({ uniqueIdentifier: 'k1' });
    expect(kms.received).toEqual(['Activate', 'Activate', 'Activate']);
  });

  it('three 503s → KmsUnavailable after exactly 3 attempts', async () => {
    const kms = await startFakeKms((_request, _raw, response) =>
      reply(response, 503, 'Internal server error', 'text/plain'),
    );
    await expect(clientOf(kms).activate('k1')).rejects.toBeInstanceOf(KmsUnavailable);
    expect(kms.received).toHaveLength(3);
  });

  it('400 → KmsInvalidRequest with the server text, after 1 attempt', async () => {
    const kms = await startFakeKms((_request, _raw, response) =>
      reply(response, 400, 'Invalid Request: bad field', 'text/html; charset=utf-8'),
    );
    const error = await clientOf(kms)
      .activate('k1')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KmsInvalidRequest);
    expect(error).toMatchObject({ serverReason: 'HTTP 400', serverMessage: 'Invalid Request: bad field' });
    expect(kms.received).toHaveLength(1);
  });

  it('422 Item_Not_Found text → KmsNotFound, 401 → KmsPermissionDenied, neither retried', async () => {
    let status = 422;
    const kms = await startFakeKms((_request, _raw, response) =>
      reply(response, status, status === 422 ? 'Item_Not_Found: k1' : 'No authentication provided.', 'text/plain'),
    );
    await expect(clientOf(kms).activate('k1')).rejects.toBeInstanceOf(KmsNotFound);
    status = 401;
    await expect(clientOf(kms).activate('k1')).rejects.toBeInstanceOf(KmsPermissionDenied);
    expect(kms.received).toHaveLength(2);
  });

  it('429 → KmsRateLimited, retried', async () => {
    const kms = await startFakeKms((_request, _raw, response) =>
      reply(response, 429, 'Too Many Requests', 'text/plain'),
    );
    await expect(clientOf(kms, { maxAttempts: 2 }).activate('k1')).rejects.toBeInstanceOf(KmsRateLimited);
    expect(kms.received).toHaveLength(2);
  });

  it('a KMIP failure in the batch item (Item_Not_Found) is not retried', async () => {
    const kms = await startFakeKms((_request, _raw, response) => {
      const body = success('Activate', []).replace(
        '{"tag":"ResultStatus","type":"Enumeration","value":"Success"},{"tag":"ResponsePayload","value":[]}',
        '{"tag":"ResultStatus","type":"Enumeration","value":"OperationFailed"},{"tag":"ResultReason","type":"Enumeration","value":"Item_Not_Found"},{"tag":"ResultMessage","type":"TextString","value":"k1"}',
      );
      reply(response, 200, body);
    });
    const error = await clientOf(kms)
      .activate('k1')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KmsNotFound);
    expect(error).toMatchObject({ serverReason: 'Item_Not_Found', serverMessage: 'k1' });
    expect(kms.received).toHaveLength(1);
  });

  it('a hanging server → KmsTimeout, each attempt bounded', async () => {
    const kms = await startFakeKms(() => {
      // Never answer.
    });
    await expect(clientOf(kms, { timeoutMs: 150, maxAttempts: 2 }).activate('k1')).rejects.toBeInstanceOf(KmsTimeout);
    expect(kms.received).toHaveLength(2);
  });

  it('a connection reset is retried', async () => {
    let calls = 0;
    const kms = await startFakeKms((_request, raw, response) => {
      calls += 1;
      if (calls === 1) raw.socket.resetAndDestroy();
      else reply(response, 200, activated('k1'));
    });
    await expect(clientOf(kms).activate('k1')).resolves.toEqual({ uniqueIdentifier: 'k1' });
    expect(kms.received).toEqual(['Activate', 'Activate']);
  });

  it('the caller can cancel: no more attempts after abort', async () => {
    const kms = await startFakeKms(() => undefined);
    const controller = new AbortController();
    const pending = clientOf(kms).activate('k1', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('caller gave up')), 50);
    await expect(pending).rejects.toThrow('caller gave up');
    expect(kms.received).toHaveLength(1);
  });
});

describe('a create is never duplicated by a retry', () => {
  const createdResponse = (id: string) =>
    success('Create', [
      { tag: 'ObjectType', type: 'Enumeration', value: 'SymmetricKey' },
      { tag: 'UniqueIdentifier', type: 'TextString', value: id },
    ]);
  const aes = { objectType: 'SymmetricKey', attributes: { cryptographicAlgorithm: 'AES', cryptographicLength: 256 } };

  it('the server created the key but the answer was lost → Locate by its name finds it, no second Create', async () => {
    const objects = new Map<string, string>();
    const kms = await startFakeKms(({ operation, payload }, raw, response) => {
      if (operation === 'Create') {
        objects.set(JSON.stringify(encodeJson(payload)).includes('unique-name-1') ? 'unique-name-1' : '?', 'key-1');
        raw.socket.resetAndDestroy(); // created, then the connection dies before the answer
        return;
      }
      if (operation === 'Locate') {
        const found = JSON.stringify(encodeJson(payload)).includes('unique-name-1')
          ? objects.get('unique-name-1')
          : undefined;
        reply(
          response,
          200,
          success('Locate', found ? [{ tag: 'UniqueIdentifier', type: 'TextString', value: found }] : []),
        );
      }
    });
    await expect(clientOf(kms).create(aes)).resolves.toEqual({ objectType: 'SymmetricKey', uniqueIdentifier: 'key-1' });
    expect(kms.received).toEqual(['Create', 'Locate']);
  });

  it('the first Create failed before creating (503) → Locate finds nothing → Create is re-sent once', async () => {
    let creates = 0;
    const kms = await startFakeKms(({ operation }, _raw, response) => {
      if (operation === 'Create') {
        creates += 1;
        if (creates === 1) reply(response, 503, 'Service Unavailable', 'text/plain');
        else reply(response, 200, createdResponse('key-2'));
      } else {
        reply(response, 200, success('Locate', []));
      }
    });
    await expect(clientOf(kms).create(aes)).resolves.toEqual({ objectType: 'SymmetricKey', uniqueIdentifier: 'key-2' });
    expect(kms.received).toEqual(['Create', 'Locate', 'Create']);
  });

  it('CreateKeyPair: the pair is found by its two names after a lost answer', async () => {
    const kms = await startFakeKms(({ operation, payload }, raw, response) => {
      if (operation === 'CreateKeyPair') {
        raw.socket.resetAndDestroy();
        return;
      }
      const text = JSON.stringify(encodeJson(payload));
      const id = text.includes('unique-name-1-public')
        ? 'pub-1'
        : text.includes('unique-name-1')
          ? 'priv-1'
          : undefined;
      reply(response, 200, success('Locate', id ? [{ tag: 'UniqueIdentifier', type: 'TextString', value: id }] : []));
    });
    await expect(
      clientOf(kms).createKeyPair({ commonAttributes: { cryptographicAlgorithm: 'RSA', cryptographicLength: 2048 } }),
    ).resolves.toEqual({ privateKeyUniqueIdentifier: 'priv-1', publicKeyUniqueIdentifier: 'pub-1' });
    expect(kms.received).toEqual(['CreateKeyPair', 'Locate', 'Locate']);
  });
});

describe('backoff', () => {
  it('defaults to 1 s, 2 s, 3 s with ±20 % jitter', () => {
    expect(DEFAULT_RETRY_POLICY).toMatchObject({ maxAttempts: 3, backoffMs: [1000, 2000, 3000], timeoutMs: 30_000 });
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 1, () => 0.5)).toBe(1000);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 2, () => 0)).toBe(1600);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 2, () => 1)).toBe(2400);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 9, () => 0.5)).toBe(3000);
  });
});
