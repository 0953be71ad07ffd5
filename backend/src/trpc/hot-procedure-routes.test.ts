/**
 * Conformance of the hot-procedure routes: every request is sent to two real apps over the same
 * data directory — one with the routes, one with `areHotProcedureRoutesEnabled: false` (tRPC's
 * Fastify adapter only) — and the answers must be the same: status, content type, vary and the
 * body byte for byte (an issued certificate's own serial, dates and PEM aside). Who answered is
 * visible in the framing: the adapter streams its Fetch Response (chunked), a hot route sends a
 * content length; so each case also proves it was, or was not, served by a hot route.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import type { inferRouterInputs } from '@trpc/server';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { buildApp } from '../app.js';
import { HOT_PROCEDURE_PATHS } from './hot-procedure-routes.js';
import { tokenAs } from '../../test/harness/act-as.js';
import type { AppRouter } from './router.js';

let withRoutes: TestApp;
let adapterOnly: FastifyInstance;
let rootId: string;
let certificateId: string;
let keyId: string;
/** An admin's API token: every request acts as it (a bearer token needs no CSRF header). */
let auth: Record<string, string> = {};

const JSON_HEADERS = { 'content-type': 'application/json' };
const ISSUE_URL = '/trpc/certificates.issueFromCsr';

function query(input: unknown): string {
  return `?input=${encodeURIComponent(JSON.stringify(input))}`;
}

function post(url: string, input: unknown): InjectOptions {
  return { method: 'POST', url, headers: JSON_HEADERS, payload: JSON.stringify(input) };
}

/** A CSR made by openssl, as a requester would. */
function opensslCsr(commonName: string): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPath = join(withRoutes.dataDir, `${commonName}.key`);
  writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return execFileSync(
    'openssl',
    ['req', '-new', '-key', keyPath, '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=DNS:${commonName}`],
    { encoding: 'utf8' },
  );
}

async function sendToBoth(request: InjectOptions, requestId: string) {
  const withRequestId = { ...request, headers: { ...auth, ...request.headers, 'x-request-id': requestId } };
  return {
    throughRoutes: await withRoutes.app.inject(withRequestId),
    throughAdapter: await adapterOnly.inject(withRequestId),
  };
}

function expectSameAnswer(
  throughRoutes: LightMyRequestResponse,
  throughAdapter: LightMyRequestResponse,
  normalize = (body: string) => body,
): void {
  expect(throughRoutes.statusCode).toBe(throughAdapter.statusCode);
  expect(throughRoutes.headers['content-type']).toBe(throughAdapter.headers['content-type']);
  expect(throughRoutes.headers.vary).toBe(throughAdapter.headers.vary);
  expect(normalize(throughRoutes.body)).toBe(normalize(throughAdapter.body));
}

function servedBy(response: LightMyRequestResponse): 'hot route' | 'adapter' {
  return response.headers['content-length'] !== undefined && response.headers['transfer-encoding'] === undefined
    ? 'hot route'
    : 'adapter';
}

/** Values read from the clock at answer time: uptime, probe latency, the dashboard's instant and bucket bounds. */
const withoutUptime = (body: string) =>
  body
    .replace(/"uptimeSeconds":\d+/, '"uptimeSeconds":0')
    .replace(/"latencyMs":\d+/, '"latencyMs":0')
    .replaceAll(/"(asOf|start|end)":"[^"]*"/g, '"$1":"<now>"');

/** What differs between two issuances of the same request: the certificate's own values. */
const ISSUANCE_VALUES = new Set(['id', 'serialHex', 'notBefore', 'notAfter', 'createdAt', 'certificatePem', 'pem']);

/** The body with the issued certificate's own values blanked; every other byte must match. */
function withoutIssuanceValues(body: string): string {
  return JSON.stringify(JSON.parse(body), (key, value: unknown) =>
    ISSUANCE_VALUES.has(key) && typeof value === 'string' ? '<issued>' : value,
  );
}

beforeAll(async () => {
  withRoutes = await buildTestApp();
  // The same database and key store, so reads of existing rows must answer the same bytes.
  adapterOnly = await buildApp(withRoutes.config, {
    logger: pino({ level: 'silent' }),
    areHotProcedureRoutesEnabled: false,
  });
  auth = (await tokenAs(withRoutes.app.services, 'admin', { name: 'conformance' })).headers;

  const createRoot = post('/trpc/cas.createRoot', {
    name: 'Conformance Root',
    subject: { commonName: 'Conformance Root' },
    algorithm: 'ec-p384',
    validityDays: 3650,
  });
  const root = await withRoutes.app.inject({ ...createRoot, headers: { ...auth, ...createRoot.headers } });
  expect(root.statusCode, root.body).toBe(200);
  rootId = root.json<{ result: { data: { id: string; keyId: string } } }>().result.data.id;
  keyId = root.json<{ result: { data: { id: string; keyId: string } } }>().result.data.keyId;

  const issued = await withRoutes.app.inject({
    ...post(ISSUE_URL, { caId: rootId, profile: 'tls-server', csr: opensslCsr('hot.example.test') }),
    headers: { ...auth, ...JSON_HEADERS, 'x-request-id': 'req-hot-issue' },
  });
  expect(issued.statusCode, issued.body).toBe(200);
  expect(servedBy(issued)).toBe('hot route');
  certificateId = issued.json<{ result: { data: { certificate: { id: string } } } }>().result.data.certificate.id;
});

afterAll(async () => {
  await adapterOnly?.close();
  await withRoutes?.close();
});

type Inputs = inferRouterInputs<AppRouter>;
type RouterName = Extract<keyof Inputs, string>;
type ProcedurePath = { [R in RouterName]: `${R}.${Extract<keyof Inputs[R], string>}` }[RouterName];

/**
 * One request per procedure of the router; a procedure added without a case here fails the
 * typecheck. Mutations other than issueFromCsr get inputs they refuse, so both apps see the
 * same state.
 */
function everyProcedure(): Record<ProcedurePath, InjectOptions> {
  return {
    'system.status': { method: 'GET', url: '/trpc/system.status' },
    'system.dashboard': { method: 'GET', url: '/trpc/system.dashboard' },
    'cas.list': { method: 'GET', url: '/trpc/cas.list' },
    'cas.get': { method: 'GET', url: `/trpc/cas.get${query({ caId: rootId })}` },
    'cas.describe': { method: 'GET', url: `/trpc/cas.describe${query({ caId: rootId })}` },
    'cas.createRoot': post('/trpc/cas.createRoot', { name: 'x', algorithm: 'rsa-1024' }),
    'cas.createIntermediate': post('/trpc/cas.createIntermediate', { parentId: 'no-such-ca' }),
    'cas.createSubordinateCsr': post('/trpc/cas.createSubordinateCsr', {}),
    'cas.importSignedCertificate': post('/trpc/cas.importSignedCertificate', {}),
    'cas.revocationImpact': { method: 'GET', url: `/trpc/cas.revocationImpact${query({ caId: rootId })}` },
    'cas.revoke': post('/trpc/cas.revoke', { caId: 'no-such-ca', reason: 'keyCompromise' }),
    'certificates.list': { method: 'GET', url: `/trpc/certificates.list${query({ caId: rootId })}` },
    'certificates.get': { method: 'GET', url: `/trpc/certificates.get${query({ id: certificateId })}` },
    'certificates.describe': { method: 'GET', url: `/trpc/certificates.describe${query({ id: certificateId })}` },
    'certificates.exportCsv': { method: 'GET', url: `/trpc/certificates.exportCsv${query({ caId: rootId })}` },
    'certificates.previewCsr': {
      method: 'GET',
      url: `/trpc/certificates.previewCsr${query({ csrPem: opensslCsr('preview.example.test'), profile: 'tls-server' })}`,
    },
    'certificates.issueFromCsr': post(ISSUE_URL, { caId: 'no-such-ca', profile: 'tls-server', csr: 'x' }),
    'certificates.issueWithServerKey': post('/trpc/certificates.issueWithServerKey', { caId: 'no-such-ca' }),
    'certificates.revoke': post('/trpc/certificates.revoke', { id: 'no-such-certificate', reason: 'superseded' }),
    'certificates.custody': {
      method: 'GET',
      url: `/trpc/certificates.custody${query({ caId: rootId, serialHex: '01' })}`,
    },
    'certificates.export': post('/trpc/certificates.export', { id: certificateId, format: 'pem' }),
    'keys.list': { method: 'GET', url: '/trpc/keys.list' },
    'keys.get': { method: 'GET', url: `/trpc/keys.get${query({ keyId })}` },
    'keys.dependents': { method: 'GET', url: `/trpc/keys.dependents${query({ keyId })}` },
    'keys.revoke': post('/trpc/keys.revoke', { keyId: 'no-such-key', reason: 'superseded' }),
    'keys.destroy': post('/trpc/keys.destroy', { keyId: 'no-such-key', confirmLabel: 'nope' }),
    'profiles.list': { method: 'GET', url: '/trpc/profiles.list' },
    'audit.list': { method: 'GET', url: `/trpc/audit.list${query({ limit: 500 })}` },
    'audit.verifyChain': { method: 'GET', url: '/trpc/audit.verifyChain' },
    'audit.verify': post('/trpc/audit.verify', { full: 'yes' }),
    'audit.verifyStatus': { method: 'GET', url: `/trpc/audit.verifyStatus${query({ runId: 'no-such-run' })}` },
    'audit.signer': { method: 'GET', url: '/trpc/audit.signer' },
    'audit.get': { method: 'GET', url: `/trpc/audit.get${query({ seq: 1 })}` },
    'audit.summary': {
      method: 'GET',
      url: `/trpc/audit.summary${query({ since: '2020-01-01T00:00:00Z', until: '2100-01-01T00:00:00Z' })}`,
    },
    'auth.signIn': post('/trpc/auth.signIn', {}),
    'auth.signOut': post('/trpc/auth.signOut', {}),
    'auth.me': { method: 'GET', url: '/trpc/auth.me' },
    'auth.changePassword': post('/trpc/auth.changePassword', {}),
    'auth.methods': { method: 'GET', url: '/trpc/auth.methods' },
    'users.list': { method: 'GET', url: '/trpc/users.list' },
    'users.create': post('/trpc/users.create', {}),
    'users.setRole': post('/trpc/users.setRole', {}),
    'users.disable': post('/trpc/users.disable', {}),
    'users.enable': post('/trpc/users.enable', {}),
    'users.resetPassword': post('/trpc/users.resetPassword', {}),
    'apiTokens.create': post('/trpc/apiTokens.create', {}),
    'apiTokens.list': { method: 'GET', url: '/trpc/apiTokens.list' },
    'apiTokens.revoke': post('/trpc/apiTokens.revoke', {}),
    'approvals.list': { method: 'GET', url: `/trpc/approvals.list${query({})}` },
    'approvals.get': { method: 'GET', url: `/trpc/approvals.get${query({ id: 'no-such-approval' })}` },
    'approvals.approve': post('/trpc/approvals.approve', {}),
    'approvals.reject': post('/trpc/approvals.reject', {}),
    'settings.get': { method: 'GET', url: '/trpc/settings.get' },
    'settings.setDualControl': post('/trpc/settings.setDualControl', {}),
  };
}

describe('every procedure answers the same with and without the hot-procedure routes', () => {
  it('one request per procedure: hot ones through their route, the rest through the adapter on both', async () => {
    for (const [path, request] of Object.entries(everyProcedure())) {
      const { throughRoutes, throughAdapter } = await sendToBoth(request, `req-${path}`);
      expect(servedBy(throughAdapter), path).toBe('adapter');
      expect(servedBy(throughRoutes), path).toBe(HOT_PROCEDURE_PATHS.includes(path) ? 'hot route' : 'adapter');
      expect(throughRoutes.json(), path).toHaveProperty(throughRoutes.statusCode === 200 ? 'result' : 'error');
      expectSameAnswer(throughRoutes, throughAdapter, withoutUptime);
    }
  });

  it('an issuance: the same certificate but for its own serial, dates and PEM', async () => {
    const { throughRoutes, throughAdapter } = await sendToBoth(
      post(ISSUE_URL, { caId: rootId, profile: 'tls-server', csr: opensslCsr('both.example.test') }),
      'req-issue-both',
    );
    expect(servedBy(throughRoutes)).toBe('hot route');
    expect(throughRoutes.statusCode).toBe(200);
    expect(throughRoutes.json()).toMatchObject({
      result: { data: { certificate: { commonName: 'both.example.test', profile: 'tls-server' } } },
    });
    expect(withoutIssuanceValues(throughRoutes.body)).not.toBe(throughRoutes.body);
    expectSameAnswer(throughRoutes, throughAdapter, withoutIssuanceValues);
  });

  it.each([
    ['a zod validation error', post(ISSUE_URL, { caId: 'x', profile: 'tls-server' }), 400],
    ['an unknown profile', post(ISSUE_URL, { caId: 'x', profile: 'no-such-profile', csr: 'x' }), 400],
    ['an AppError (unknown CA)', post(ISSUE_URL, { caId: 'no-such-ca', profile: 'tls-server', csr: 'x' }), 404],
    ['a CSR that does not parse', post(ISSUE_URL, { caId: 'Conformance Root', profile: 'tls-server', csr: 'x' }), 400],
    ['JSON that is not an object', { method: 'POST', url: ISSUE_URL, headers: JSON_HEADERS, payload: '[1]' }, 400],
    ['a JSON null', { method: 'POST', url: ISSUE_URL, headers: JSON_HEADERS, payload: 'null' }, 400],
    [
      'a JSON content type with parameters, in capitals',
      { method: 'POST', url: ISSUE_URL, headers: { 'content-type': 'Application/JSON; charset=utf-8' }, payload: '{}' },
      400,
    ],
  ] satisfies [string, InjectOptions, number][])('%s: served by the route', async (_name, request, status) => {
    const { throughRoutes, throughAdapter } = await sendToBoth(request, 'req-case');
    expect(servedBy(throughRoutes)).toBe('hot route');
    expect(throughRoutes.statusCode).toBe(status);
    expect(throughRoutes.json()).toMatchObject({ error: { data: { requestId: 'req-case' } } });
    expectSameAnswer(throughRoutes, throughAdapter);
  });

  it.each([
    ['malformed JSON', { method: 'POST', url: ISSUE_URL, headers: JSON_HEADERS, payload: '{"caId":' }],
    ['an empty JSON body', { method: 'POST', url: ISSUE_URL, headers: JSON_HEADERS, payload: '' }],
    ['a body behind a byte order mark', { method: 'POST', url: ISSUE_URL, headers: JSON_HEADERS, payload: '\uFEFF{}' }],
    ['a batch', { method: 'POST', url: `${ISSUE_URL}?batch=1`, headers: JSON_HEADERS, payload: '{"0":{}}' }],
    ['another query parameter', { method: 'POST', url: `${ISSUE_URL}?x=1`, headers: JSON_HEADERS, payload: '{}' }],
    [
      'another content type',
      { method: 'POST', url: ISSUE_URL, headers: { 'content-type': 'text/plain' }, payload: '{}' },
    ],
    [
      'a streaming accept header',
      {
        method: 'POST',
        url: ISSUE_URL,
        headers: { ...JSON_HEADERS, 'trpc-accept': 'application/jsonl' },
        payload: '{}',
      },
    ],
    [
      'an accept list naming JSON lines',
      { method: 'POST', url: ISSUE_URL, headers: { ...JSON_HEADERS, accept: 'application/jsonl' }, payload: '{}' },
    ],
    ['a GET', { method: 'GET', url: `${ISSUE_URL}${query({ caId: 'x' })}` }],
    ['a HEAD request', { method: 'HEAD', url: ISSUE_URL }],
    // Fastify decodes the path once and the adapter once more: '%252E' is a dot to tRPC.
    ['a path still percent-encoded once decoded', post('/trpc/certificates%252EissueFromCsr', {})],
  ] satisfies [string, InjectOptions][])('%s: left to the adapter, untouched', async (_name, request) => {
    const { throughRoutes, throughAdapter } = await sendToBoth(request, 'req-other');
    expect(servedBy(throughRoutes)).toBe('adapter');
    expectSameAnswer(throughRoutes, throughAdapter);
  });
});

describe('the hot-procedure routes keep the procedure whole', () => {
  it('runs the procedure whole: the issuance it served is audited with the actor and the request id', async () => {
    const response = await withRoutes.app.inject({
      method: 'GET',
      url: `/trpc/audit.list${query({ limit: 500 })}`,
      headers: auth,
    });
    const rows = response.json<{
      result: { data: { items: { actor: string; requestId: string | null; operation: string }[] } };
    }>().result.data.items;
    expect(rows.filter((row) => row.requestId === 'req-hot-issue' && row.operation === 'certificate.issue')).toEqual([
      expect.objectContaining({ actor: expect.stringMatching(/^token:/) as unknown }),
    ]);
  });

  it('serves the tRPC clients: httpLink (the CLI) through the route, httpBatchLink (the console) through the adapter', async () => {
    const address = await withRoutes.app.listen({ port: 0, host: '127.0.0.1' });
    const single = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${address}/trpc`, headers: () => auth })] });
    const batched = createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: `${address}/trpc`, headers: () => auth })],
    });

    const issued = await single.certificates.issueFromCsr.mutate({
      caId: rootId,
      profile: 'tls-server',
      csr: opensslCsr('client.example.test'),
    });
    expect(issued.certificate).toMatchObject({ commonName: 'client.example.test', caId: rootId });
    const refused = await single.certificates.issueFromCsr
      .mutate({ caId: 'no-such-ca', profile: 'tls-server', csr: 'x' })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect((refused as TRPCClientError<AppRouter>).data).toMatchObject({ httpStatus: 404, appCode: 'CA_NOT_FOUND' });

    const [profiles, ca] = await Promise.all([batched.profiles.list.query(), batched.cas.get.query({ caId: rootId })]);
    expect(profiles.map((profile) => profile.id)).toContain('tls-server');
    expect(ca).toMatchObject({ name: 'Conformance Root' });
  });
});
