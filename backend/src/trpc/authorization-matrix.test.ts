/**
 * The authorization matrix, generated from the router: every procedure × every kind of
 * caller → allowed, or refused with the right code, through createCaller and over HTTP on
 * both paths the server answers tRPC on (the single-call fast path and the adapter, which
 * answers batches). Each call sends an empty input: an allowed caller then gets past the
 * authorization middleware to input validation or the service; a refused one never does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { UserRole } from '@pki/shared';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { PERMISSIONS, ROLE_PERMISSIONS, isAllowed } from '../auth/permissions.js';
import type { Permission } from '../auth/permissions.js';
import type { AppServices } from '../services.js';
import { createContextInner } from './context.js';
import { createCallerFactory } from './init.js';
import type { ProcedureMeta } from './init.js';
import { appRouter } from './router.js';
import { actAs, tokenAs } from '../../test/harness/act-as.js';

/** The only procedures anonymous callers may reach. */
const PUBLIC_PROCEDURES = ['auth.methods', 'auth.signIn'];
/** Authorization refusals, as opposed to a service's own refusal of an allowed caller. */
const REFUSAL_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'PASSWORD_CHANGE_REQUIRED']);
const TWO_DAYS_MS = 2 * 86_400_000;

interface ProcedureUnderTest {
  path: string;
  type: 'query' | 'mutation';
  permission: Permission | 'public';
}

/** Every procedure of the router with its declared permission; undefined permission fails below. */
function proceduresOf(): { path: string; type: string; permission: unknown }[] {
  const procedures = appRouter._def.procedures as unknown as Record<
    string,
    { _def: { type: string; meta?: Partial<ProcedureMeta> } }
  >;
  return Object.entries(procedures).map(([path, procedure]) => ({
    path,
    type: procedure._def.type,
    permission: procedure._def.meta?.permission,
  }));
}

type Expectation = 'allowed' | 'UNAUTHORIZED' | 'FORBIDDEN';

interface Subject {
  name: string;
  /** The role a signed-in subject acts with; null for those that must be refused as unauthenticated. */
  role: UserRole | null;
  headers: Record<string, string>;
  credentials: { sessionToken?: string; bearer?: string };
  /** Clock offset while this subject calls (expiry cases). */
  offsetMs: number;
}

function expected(subject: Subject, permission: Permission | 'public'): Expectation {
  if (permission === 'public') return 'allowed';
  if (subject.role === null) return 'UNAUTHORIZED';
  return isAllowed(subject.role, permission) ? 'allowed' : 'FORBIDDEN';
}

let testApp: TestApp;
let services: AppServices;
let offsetMs = 0;

/** A fresh set of callers: signOut in a pass ends their sessions. */
async function makeSubjects(): Promise<Subject[]> {
  const admin = await actAs(services, 'admin');
  const otherAdmin = await actAs(services, 'admin');
  const operator = await actAs(services, 'operator');
  const auditor = await actAs(services, 'auditor');
  const revoked = await tokenAs(services, 'operator', { creator: admin });
  await services.auth.tokens.revoke(adminCtx(admin), { id: revoked.id });
  const expiring = await tokenAs(services, 'operator', { creator: admin, expiresInDays: 1 });
  const idle = await actAs(services, 'operator');
  const disabled = await actAs(services, 'operator');
  await services.auth.users.disable(adminCtx(admin), { username: disabled.username });
  const operatorToken = await tokenAs(services, 'operator', { creator: admin });
  const session = (actor: { headers: Record<string, string>; sessionToken: string }) => ({
    headers: actor.headers,
    credentials: { sessionToken: actor.sessionToken },
  });
  const token = (actor: { headers: Record<string, string>; secret: string }) => ({
    headers: actor.headers,
    credentials: { bearer: actor.secret },
  });
  return [
    { name: 'anonymous', role: null, headers: { 'x-pki-request': '1' }, credentials: {}, offsetMs: 0 },
    { name: 'auditor', role: 'auditor', ...session(auditor), offsetMs: 0 },
    { name: 'operator', role: 'operator', ...session(operator), offsetMs: 0 },
    { name: 'operator token', role: 'operator', ...token(operatorToken), offsetMs: 0 },
    { name: 'admin', role: 'admin', ...session(admin), offsetMs: 0 },
    { name: 'another admin', role: 'admin', ...session(otherAdmin), offsetMs: 0 },
    { name: 'revoked token', role: null, ...token(revoked), offsetMs: 0 },
    { name: 'expired token', role: null, ...token(expiring), offsetMs: TWO_DAYS_MS },
    { name: 'expired session', role: null, ...session(idle), offsetMs: TWO_DAYS_MS },
    { name: 'disabled user', role: null, ...session(disabled), offsetMs: 0 },
  ];
}

function adminCtx(admin: Awaited<ReturnType<typeof actAs>>) {
  return { actor: admin.principal.actor, requestId: 'matrix-setup', principal: admin.principal };
}

/** signOut ends the caller's session: it goes last. */
function callOrder(procedures: ProcedureUnderTest[]): ProcedureUnderTest[] {
  return [...procedures].sort((a, b) => Number(a.path === 'auth.signOut') - Number(b.path === 'auth.signOut'));
}

async function throughCaller(subject: Subject, procedure: ProcedureUnderTest): Promise<string> {
  const { principal, refusedCredential } = services.auth.authenticator.authenticate(subject.credentials);
  const caller = createCallerFactory(appRouter)(
    createContextInner({ services, principal, ...(refusedCredential === undefined ? {} : { refusedCredential }) }),
  );
  const segments = procedure.path.split('.');
  let target: unknown = caller;
  for (const segment of segments) target = (target as Record<string, unknown>)[segment];
  try {
    await (target as (input: unknown) => Promise<unknown>)({});
    return 'allowed';
  } catch (error) {
    const { code, cause } = error as { code?: string; cause?: { code?: string } };
    return REFUSAL_CODES.has(cause?.code ?? '') ? (code ?? 'unknown') : 'allowed';
  }
}

type TrpcErrorBody = { error?: { data?: { code?: string; appCode?: string; httpStatus?: number } } };

async function overHttp(subject: Subject, procedure: ProcedureUnderTest, isBatch: boolean): Promise<string> {
  const input = encodeURIComponent(JSON.stringify(isBatch ? { 0: {} } : {}));
  const batch = isBatch ? 'batch=1&' : '';
  const response = await testApp.app.inject({
    method: procedure.type === 'query' ? 'GET' : 'POST',
    url:
      procedure.type === 'query'
        ? `/trpc/${procedure.path}?${batch}input=${input}`
        : `/trpc/${procedure.path}${isBatch ? '?batch=1' : ''}`,
    headers: { ...subject.headers, ...(procedure.type === 'mutation' ? { 'content-type': 'application/json' } : {}) },
    ...(procedure.type === 'mutation' ? { payload: JSON.stringify(isBatch ? { 0: {} } : {}) } : {}),
  });
  const parsed = response.json<TrpcErrorBody | TrpcErrorBody[]>();
  const body = Array.isArray(parsed) ? parsed[0] : parsed;
  const data = body?.error?.data;
  if (data === undefined || !REFUSAL_CODES.has(data.appCode ?? '')) return 'allowed';
  // The status is the one the code stands for, on both paths.
  if (!isBatch) expect(response.statusCode).toBe(data.code === 'UNAUTHORIZED' ? 401 : 403);
  return data.code ?? 'unknown';
}

beforeAll(async () => {
  testApp = await buildTestApp({}, { now: () => new Date(Date.now() + offsetMs) });
  services = testApp.app.services;
});

afterAll(async () => {
  await testApp?.close();
});

describe('authorization matrix', () => {
  it('every procedure declares a permission, and only sign-in is public', () => {
    const procedures = proceduresOf();
    expect(procedures.length).toBeGreaterThan(30);
    for (const procedure of procedures) {
      expect([...PERMISSIONS, 'public'], `${procedure.path} declares no permission`).toContain(procedure.permission);
    }
    expect(
      procedures
        .filter((procedure) => procedure.permission === 'public')
        .map((p) => p.path)
        .sort(),
    ).toEqual(PUBLIC_PROCEDURES);
  });

  it('holds the role table of issue 11: the auditor changes nothing, the operator manages nothing', () => {
    expect(ROLE_PERMISSIONS.admin).toEqual(PERMISSIONS);
    const reads = [
      'self',
      'system.read',
      'settings.read',
      'cas.read',
      'profiles.read',
      'certificates.read',
      'keys.read',
    ];
    expect([...ROLE_PERMISSIONS.operator].sort()).toEqual(
      [...reads, 'certificates.issue', 'certificates.revoke', 'certificates.export'].sort(),
    );
    expect([...ROLE_PERMISSIONS.auditor].sort()).toEqual([...reads, 'audit.read'].sort());
    // The only mutations an auditor reaches are about its own session, and audit.verify:
    // a mutation because it starts work (never a GET a browser may prefetch), though it
    // changes no state — it reads the log in a worker and writes no row.
    const auditorMutations = proceduresOf()
      .filter((procedure) => procedure.type === 'mutation' && procedure.permission !== 'public')
      .filter((procedure) => isAllowed('auditor', procedure.permission as Permission))
      .map((procedure) => procedure.path)
      .sort();
    expect(auditorMutations).toEqual(['audit.verify', 'auth.changePassword', 'auth.signOut']);
  });

  const transports = [
    { name: 'createCaller', call: throughCaller },
    { name: 'HTTP, single call (fast path)', call: (s: Subject, p: ProcedureUnderTest) => overHttp(s, p, false) },
    { name: 'HTTP, batch (tRPC adapter)', call: (s: Subject, p: ProcedureUnderTest) => overHttp(s, p, true) },
  ];
  it.each(transports)(
    'matches the role table through $name',
    async ({ call }) => {
      const procedures = callOrder(proceduresOf() as ProcedureUnderTest[]);
      const subjects = await makeSubjects();
      const mismatches: string[] = [];
      for (const subject of subjects) {
        for (const procedure of procedures) {
          offsetMs = subject.offsetMs;
          try {
            const actual = await call(subject, procedure);
            const wanted = expected(subject, procedure.permission);
            if (actual !== wanted)
              mismatches.push(`${procedure.path} as ${subject.name}: ${actual}, expected ${wanted}`);
          } finally {
            offsetMs = 0;
          }
        }
      }
      expect(mismatches).toEqual([]);
      // Many users, sessions and calls: generous on a shared machine.
    },
    180_000,
  );
});
