/**
 * Issue 11: secrets never appear in logs at any depth, and procedures cannot reach them.
 * The real app runs with a Cosmian configuration carrying a bearer token and an API key
 * (its key store replaced by a local one, so nothing is dialled), logging at trace level
 * into a capture, and issues a certificate exported as PKCS#12 under a password.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openTempLocalStore } from '../harness/temp-local-store.js';
import type { TempLocalStore } from '../harness/temp-local-store.js';
import { loggerOptions } from '../../src/logger.js';
import { createContextInner } from '../../src/trpc/context.js';
import { signInAs } from '../harness/act-as.js';

const COSMIAN_TOKEN = 'cosmian-bearer-4f1d9a7e2c';
const COSMIAN_API_KEY = 'cosmian-apikey-8e3b6c1f0d';
const PKCS12_PASSWORD = 'p12-export-pass-6a2f';
const ADMIN_PASSWORD = 'first-admin-pass-3c9e71';
const SECRETS = [COSMIAN_TOKEN, COSMIAN_API_KEY, PKCS12_PASSWORD, ADMIN_PASSWORD];

let dataDir: string;
let store: TempLocalStore;
let app: FastifyInstance;
const lines: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pki-issue-11-'));
  const config = loadConfig({
    PKI_MODE: 'test',
    PKI_LOG_LEVEL: 'trace',
    PKI_DATA_DIR: dataDir,
    PKI_PORT: '0',
    PKI_KMS_BACKEND: 'cosmian',
    PKI_COSMIAN_URL: 'https://kms.example.test:9998',
    PKI_COSMIAN_TOKEN: COSMIAN_TOKEN,
    PKI_COSMIAN_API_KEY: COSMIAN_API_KEY,
    PKI_ADMIN_PASSWORD: ADMIN_PASSWORD,
  });
  store = await openTempLocalStore();
  const logger = pino(loggerOptions(config, false), { write: (line: string) => lines.push(line) });
  app = await buildApp(config, { logger, keyStore: store.store });
  // Log the configuration as a careless component would, at depth.
  logger.debug({ startup: { config } }, 'configuration');
});

afterAll(async () => {
  await app?.close();
  await store?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('issue 11: secrets', () => {
  it('a run with secrets set, a sign-in, an issuance and a PKCS#12 export logs none of them', async () => {
    const admin = await signInAs(app.services, 'admin', ADMIN_PASSWORD);
    const { caller } = admin;
    const root = await caller.cas.createRoot({
      name: 'Secrets Root',
      subject: { commonName: 'Secrets Root' },
      algorithm: 'ec-p384',
      validityDays: 365,
    });
    const issued = await caller.certificates.issueWithServerKey({
      caId: root.id,
      profile: 'tls-server',
      algorithm: 'ec-p256',
      subject: { commonName: 'secrets.example.test' },
      sans: ['dns:secrets.example.test'],
      isExportable: true,
    });
    const exported = await caller.certificates.export({
      id: issued.certificate.id,
      format: 'pkcs12',
      password: PKCS12_PASSWORD,
    });
    expect(exported).toBeTruthy();
    // A refused export logs its input path; the password must not follow.
    await expect(
      caller.certificates.export({ id: issued.certificate.id, format: 'pkcs12', password: PKCS12_PASSWORD }),
    ).rejects.toThrow();

    // The session token and a refused sign-in's password stay out too.
    SECRETS.push(admin.sessionToken);
    await expect(
      app.services.auth.signIn.signIn(
        createContextInner({ services: app.services }).request,
        { username: 'admin', password: `${ADMIN_PASSWORD}-wrong` },
        '127.0.0.1',
      ),
    ).rejects.toThrow();
    const output = lines.join('');
    expect(output).toContain('"msg":"configuration"');
    for (const secret of SECRETS) expect(output).not.toContain(secret);
  });

  it('procedure context reaches services, never the raw configuration or its secrets', () => {
    const ctx = createContextInner({ services: app.services });
    expect(Object.keys(ctx.services)).not.toContain('config');
    const found = findStrings(ctx, new Set(SECRETS));
    expect(found).toEqual([]);
  });
});

/** Every reachable own property value (public fields of class instances included) equal to one of `needles`. */
function findStrings(root: unknown, needles: ReadonlySet<string>): string[] {
  const found: string[] = [];
  const seen = new WeakSet<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (needles.has(value)) found.push(value);
      continue;
    }
    if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) continue;
    seen.add(value);
    if (ArrayBuffer.isView(value)) continue;
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor && 'value' in descriptor) stack.push(descriptor.value);
    }
  }
  return found;
}
