/**
 * Conformance of the tRPC fast path: every request is sent to two real apps over the same data
 * directory — one with the fast path, one with `isTrpcFastPathEnabled: false` (tRPC's stock
 * Fastify adapter only) — and the answers must be identical: status, content type, vary and
 * the body byte for byte. Who answered is visible in the framing: the adapter streams its
 * Fetch Response (chunked), the fast path sends a content length; so each case also proves it
 * was (or, for batches and other shapes it leaves alone, was not) served by the fast path.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import Fastify from 'fastify';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { buildApp } from '../app.js';
import { createContextFactory } from '../trpc/context.js';
import { appRouter } from '../trpc/router.js';
import type { AppRouter } from '../trpc/router.js';
import { actAs } from '../trpc/testing/act-as.js';
import { registerTrpcFastPath } from './trpc-fast-path.js';

let fast: TestApp;
let stock: FastifyInstance;
let rootId: string;
let certificateId: string;
/** Every call acts as one admin: its session cookie and the console's header. */
let adminHeaders: Record<string, string>;
let adminActor: string;

const JSON_HEADERS = { 'content-type': 'application/json' };

function query(input: unknown): string {
  return `?input=${encodeURIComponent(JSON.stringify(input))}`;
}

/** A CSR made by openssl, as a requester would. */
function opensslCsr(commonName: string): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPath = join(fast.dataDir, `${commonName}.key`);
  writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return execFileSync(
    'openssl',
    ['req', '-new', '-key', keyPath, '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=DNS:${commonName}`],
    {
      encoding: 'utf8',
    },
  );
}

async function sendToBoth(request: InjectOptions, requestId: string) {
  const withRequestId = { ...request, headers: { ...adminHeaders, ...request.headers, 'x-request-id': requestId } };
  return { withFastPath: await fast.app.inject(withRequestId), throughAdapter: await stock.inject(withRequestId) };
}

function expectSameAnswer(
  withFastPath: LightMyRequestResponse,
  throughAdapter: LightMyRequestResponse,
  normalize = (body: string) => body,
): void {
  expect(withFastPath.statusCode).toBe(throughAdapter.statusCode);
  expect(withFastPath.headers['content-type']).toBe(throughAdapter.headers['content-type']);
  expect(withFastPath.headers.vary).toBe(throughAdapter.headers.vary);
  expect(normalize(withFastPath.body)).toBe(normalize(throughAdapter.body));
}

function servedBy(response: LightMyRequestResponse): 'fast path' | 'adapter' {
  return response.headers['content-length'] !== undefined && response.headers['transfer-encoding'] === undefined
    ? 'fast path'
    : 'adapter';
}

beforeAll(async () => {
  fast = await buildTestApp();
  // The same database and key store, so queries over existing rows must answer the same bytes.
  stock = await buildApp(fast.config, { logger: pino({ level: 'silent' }), isTrpcFastPathEnabled: false });
  const admin = await actAs(fast.app.services, 'admin');
  adminHeaders = admin.headers;
  adminActor = admin.principal.actor;

  const root = await fast.app.inject({
    method: 'POST',
    url: '/trpc/cas.createRoot',
    headers: { ...adminHeaders, ...JSON_HEADERS, 'x-request-id': 'req-fast-root' },
    payload: JSON.stringify({
      name: 'Fast Root',
      subject: { commonName: 'Fast Root' },
      algorithm: 'ec-p384',
      validityDays: 3650,
    }),
  });
  expect(root.statusCode, root.body).toBe(200);
  expect(servedBy(root)).toBe('fast path');
  rootId = root.json<{ result: { data: { id: string } } }>().result.data.id;

  const issued = await fast.app.inject({
    method: 'POST',
    url: '/trpc/certificates.issueFromCsr',
    headers: { ...adminHeaders, ...JSON_HEADERS },
    payload: JSON.stringify({ caId: rootId, profile: 'tls-server', csr: opensslCsr('fast.example.test') }),
  });
  expect(issued.statusCode, issued.body).toBe(200);
  certificateId = issued.json<{ result: { data: { certificate: { id: string } } } }>().result.data.certificate.id;
});

afterAll(async () => {
  await stock?.close();
  await fast?.close();
});

describe('the tRPC fast path answers single JSON calls exactly as the adapter does', () => {
  it('a query success: system.status (uptime aside)', async () => {
    const { withFastPath, throughAdapter } = await sendToBoth(
      { method: 'GET', url: '/trpc/system.status' },
      'req-status',
    );
    expect(servedBy(withFastPath)).toBe('fast path');
    expect(servedBy(throughAdapter)).toBe('adapter');
    expectSameAnswer(withFastPath, throughAdapter, (body) => body.replace(/"uptimeSeconds":\d+/, '"uptimeSeconds":0'));
    expect(withFastPath.json()).toMatchObject({ result: { data: { mode: 'test' } } });
  });

  it('a query success with input: cas.get by name, and profiles.list (also percent-encoded)', async () => {
    for (const [url, requestId] of [
      [`/trpc/cas.get${query({ caId: 'Fast Root' })}`, 'req-ca'],
      ['/trpc/profiles.list', 'req-profiles'],
      ['/trpc/profiles%2Elist', 'req-profiles-encoded'],
    ] as const) {
      const { withFastPath, throughAdapter } = await sendToBoth({ method: 'GET', url }, requestId);
      expect(servedBy(withFastPath)).toBe('fast path');
      expect(withFastPath.statusCode).toBe(200);
      expectSameAnswer(withFastPath, throughAdapter);
    }
  });

  it('a mutation success: certificates.export as PEM', async () => {
    const { withFastPath, throughAdapter } = await sendToBoth(
      {
        method: 'POST',
        url: '/trpc/certificates.export',
        headers: JSON_HEADERS,
        payload: JSON.stringify({ id: certificateId, format: 'pem' }),
      },
      'req-export',
    );
    expect(servedBy(withFastPath)).toBe('fast path');
    expect(withFastPath.statusCode).toBe(200);
    expect(withFastPath.json()).toMatchObject({
      result: { data: { format: 'pem', content: expect.stringMatching(/^-----BEGIN CERTIFICATE-----/) } },
    });
    expectSameAnswer(withFastPath, throughAdapter);
  });

  it.each([
    [
      'a zod validation error',
      {
        method: 'POST',
        url: '/trpc/cas.createRoot',
        headers: JSON_HEADERS,
        payload: '{"name":"x","algorithm":"rsa-1024"}',
      },
      400,
    ],
    ['an AppError (unknown CA)', { method: 'GET', url: `/trpc/cas.get${query({ caId: 'no-such-ca' })}` }, 404],
    [
      'a refused mutation (duplicate CA name)',
      {
        method: 'POST',
        url: '/trpc/cas.createRoot',
        headers: JSON_HEADERS,
        payload: JSON.stringify({
          name: 'Fast Root',
          subject: { commonName: 'Again' },
          algorithm: 'ec-p384',
          validityDays: 10,
        }),
      },
      409,
    ],
    ['an unknown procedure (GET)', { method: 'GET', url: '/trpc/nothing.here' }, 404],
    [
      'an unknown procedure (POST)',
      { method: 'POST', url: '/trpc/nothing.here', headers: JSON_HEADERS, payload: '{}' },
      404,
    ],
    ['POST to a query', { method: 'POST', url: '/trpc/profiles.list', headers: JSON_HEADERS, payload: '{}' }, 405],
    ['GET to a mutation', { method: 'GET', url: `/trpc/cas.createRoot${query({ name: 'x' })}` }, 405],
    ['a query without its input', { method: 'GET', url: '/trpc/cas.get' }, 400],
    ['an empty query input', { method: 'GET', url: '/trpc/cas.get?input=' }, 400],
    // Whatever the edge makes of a body that does not parse, both paths must make the same of it.
    [
      'malformed JSON in the body',
      { method: 'POST', url: '/trpc/cas.createRoot', headers: JSON_HEADERS, payload: '{"name":' },
      undefined,
    ],
    ['malformed JSON in ?input=', { method: 'GET', url: '/trpc/cas.get?input=%7Bbad' }, undefined],
    [
      'an empty JSON body',
      { method: 'POST', url: '/trpc/cas.createRoot', headers: JSON_HEADERS, payload: '' },
      undefined,
    ],
    [
      'a body behind a byte order mark',
      { method: 'POST', url: '/trpc/cas.createRoot', headers: JSON_HEADERS, payload: '\uFEFF{}' },
      400,
    ],
    [
      'a malformed body to a procedure without input',
      { method: 'POST', url: '/trpc/cas.list', headers: JSON_HEADERS, payload: 'nope' },
      405,
    ],
    [
      'a JSON content type with parameters, in capitals',
      {
        method: 'POST',
        url: '/trpc/cas.createRoot',
        headers: { 'content-type': 'Application/JSON; charset=utf-8' },
        payload: '{}',
      },
      400,
    ],
  ] satisfies [string, InjectOptions, number | undefined][])('%s', async (_name, request, expectedStatus) => {
    const { withFastPath, throughAdapter } = await sendToBoth(request, 'req-case');
    expect(servedBy(withFastPath)).toBe('fast path');
    if (expectedStatus !== undefined) expect(withFastPath.statusCode).toBe(expectedStatus);
    expect(withFastPath.json()).toMatchObject({ error: { data: { requestId: 'req-case' } } });
    expectSameAnswer(withFastPath, throughAdapter);
  });

  it.each([
    [
      'a batched query',
      {
        method: 'GET',
        url: `/trpc/profiles.list,cas.get?batch=1&input=${encodeURIComponent(JSON.stringify({ 1: { caId: 'Fast Root' } }))}`,
      },
    ],
    [
      'a batched mutation',
      { method: 'POST', url: '/trpc/cas.createRoot?batch=1', headers: JSON_HEADERS, payload: '{"0":{}}' },
    ],
    ['a batch of one', { method: 'GET', url: '/trpc/system.status?batch=1' }],
    // Fastify decodes the path once and the adapter once more: '%252E' is a dot to tRPC.
    ['a path still percent-encoded once decoded', { method: 'GET', url: '/trpc/profiles%252Elist' }],
    ['a path that does not decode twice', { method: 'GET', url: '/trpc/profiles%25zz' }],
    ['another query parameter', { method: 'GET', url: '/trpc/profiles.list?connectionParams=%7B%7D' }],
    [
      'a streaming accept header',
      { method: 'GET', url: '/trpc/profiles.list', headers: { 'trpc-accept': 'application/jsonl' } },
    ],
    [
      'another content type',
      { method: 'POST', url: '/trpc/cas.createRoot', headers: { 'content-type': 'text/plain' }, payload: '{}' },
    ],
    ['a HEAD request', { method: 'HEAD', url: '/trpc/profiles.list' }],
  ] satisfies [string, InjectOptions][])('leaves %s to the adapter, untouched', async (_name, request) => {
    const { withFastPath, throughAdapter } = await sendToBoth(request, 'req-other');
    expect(servedBy(withFastPath)).toBe('adapter');
    expectSameAnswer(withFastPath, throughAdapter, (body) => body.replace(/"uptimeSeconds":\d+/, '"uptimeSeconds":0'));
  });
});

describe('the tRPC fast path keeps the procedures whole', () => {
  it('runs the authorized procedure: the mutation it served is audited with the actor and the request id', async () => {
    const response = await fast.app.inject({
      method: 'GET',
      url: `/trpc/audit.list${query({ limit: 500 })}`,
      headers: adminHeaders,
    });
    expect(servedBy(response)).toBe('fast path');
    const rows = response.json<{
      result: { data: { items: { actor: string; requestId: string | null; entityId: string | null }[] } };
    }>().result.data.items;
    expect(rows.filter((row) => row.requestId === 'req-fast-root' && row.entityId === rootId)).toEqual([
      expect.objectContaining({ actor: adminActor }),
    ]);
  });

  it('serves the tRPC clients: httpLink calls through it, httpBatchLink through the adapter', async () => {
    const address = await fast.app.listen({ port: 0, host: '127.0.0.1' });
    const headers = () => adminHeaders;
    const single = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${address}/trpc`, headers })] });
    const batched = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${address}/trpc`, headers })] });

    expect(await single.cas.get.query({ caId: 'Fast Root' })).toMatchObject({ id: rootId });
    const exported = await single.certificates.export.mutate({ id: certificateId, format: 'der' });
    expect(exported).toMatchObject({ format: 'der', encoding: 'base64' });
    const refused = await single.cas.get.query({ caId: 'no-such-ca' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect((refused as TRPCClientError<AppRouter>).data).toMatchObject({ httpStatus: 404, appCode: 'CA_NOT_FOUND' });

    const [profiles, ca] = await Promise.all([batched.profiles.list.query(), batched.cas.get.query({ caId: rootId })]);
    expect(profiles.map((profile) => profile.id)).toContain('tls-server');
    expect(ca).toMatchObject({ name: 'Fast Root' });
  });

  it('refuses adapter options it would not reproduce', async () => {
    const scope = Fastify();
    try {
      expect(() =>
        registerTrpcFastPath(scope, {
          router: appRouter,
          createContext: createContextFactory(fast.app.services),
          onError: () => undefined,
        }),
      ).toThrow(/onError/);
    } finally {
      await scope.close();
    }
  });
});
