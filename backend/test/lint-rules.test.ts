/**
 * Every layering rule of docs/ARCHITECTURE.md can fail: each probe is a file that breaks one
 * rule, linted with the workspace's eslint.config.js at a path inside the rule's zone, and the
 * rule's own message must come back. The controls are imports the same zones allow, so no rule
 * is so wide that it blocks what the architecture permits. (That procedures get no database
 * handle is a type, not an import: trpc/context.test.ts checks it.)
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAYER_RULES = new Set(['no-restricted-imports', 'no-restricted-properties']);

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({
    cwd: REPO_ROOT,
    // The layering rules need no type information; a probe file exists nowhere on disk.
    overrideConfig: tseslint.configs.disableTypeChecked,
    ruleFilter: ({ ruleId }) => LAYER_RULES.has(ruleId),
  });
});

async function lintProbe(path: string, code: string): Promise<{ ruleId: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: join(REPO_ROOT, path) });
  if (result === undefined) throw new Error(`eslint returned no result for ${path}`);
  return result.messages.map(({ ruleId, message }) => ({ ruleId, message }));
}

const KMIP = 'kms/kmip is a standalone protocol library';
const DRIVER_DB = 'Drivers implement KeyStore only: no database';
const DRIVER_EDGE = 'Drivers implement KeyStore only: no tRPC, HTTP or PKI';
const DRIVER_AUDIT = 'Drivers do not write audit rows';
const PKI_KEY_STORE = 'pki/ signs only through KMSService';
const PKI_EDGE = 'pki/ is a service layer';
const ROUTER_STORAGE = 'Routers call services: no database';
const ROUTER_KEY_STORE = 'Routers call services: no key store';
const ROUTER_AUDIT = 'Routers call services: the audit module is for services';
const ROUTER_HTTP = 'Routers do not import the plain HTTP routes';
const HTTP_TRPC = 'http/ serves the plain routes and never imports trpc/';
const LOWER_LAYER = 'Lower layers (db/, kms/, audit/) never import the API edge or pki/';
const ENV = 'Read configuration through config.ts';
const FRONTEND = 'The frontend imports from the backend only';
const E2E = 'e2e drives the built app from outside';

/** [what the probe does, where it sits, its code, the message of the rule it breaks]. */
const PROBES: [string, string, string, string][] = [
  ['kmip imports the app (relative)', 'backend/src/kms/kmip/probe.ts', `import '../service.js';`, KMIP],
  [
    'kmip imports the app (one level down)',
    'backend/src/kms/kmip/ttlv/probe.ts',
    `import '../../../db/client.js';`,
    KMIP,
  ],
  [
    'kmip imports the app (two levels down)',
    'backend/src/kms/kmip/transport/testing/probe.ts',
    `import '../../../key-store.js';`,
    KMIP,
  ],
  ['kmip imports a package', 'backend/src/kms/kmip/probe.ts', `import { z } from 'zod';`, KMIP],
  ['kmip imports a workspace package', 'backend/src/kms/kmip/codec/probe.ts', `import '@pki/shared';`, KMIP],
  [
    'a driver imports db/',
    'backend/src/kms/drivers/cosmian/probe.ts',
    `import type { DatabaseHandle } from '../../../db/client.js';`,
    DRIVER_DB,
  ],
  ['a driver imports pki/', 'backend/src/kms/drivers/kmip/probe.ts', `import '../../../pki/profiles.js';`, DRIVER_EDGE],
  ['a driver imports trpc/', 'backend/src/kms/drivers/pkcs11/probe.ts', `import '../../../trpc/init.js';`, DRIVER_EDGE],
  [
    'a driver imports http/',
    'backend/src/kms/drivers/cosmian/probe.ts',
    `import '../../../http/health.js';`,
    DRIVER_EDGE,
  ],
  [
    'the local driver imports pki/',
    'backend/src/kms/drivers/local/probe.ts',
    `import '../../../pki/csr.js';`,
    DRIVER_EDGE,
  ],
  [
    'a driver imports the audit module',
    'backend/src/kms/drivers/cosmian/probe.ts',
    `import '../../../audit/audit-log-reader.js';`,
    DRIVER_AUDIT,
  ],
  [
    'pki/ imports a driver',
    'backend/src/pki/probe.ts',
    `import '../kms/drivers/local/local-key-store.js';`,
    PKI_KEY_STORE,
  ],
  [
    'pki/ imports the KeyStore contract',
    'backend/src/pki/probe.ts',
    `import type { KeyStore } from '../kms/key-store.js';`,
    PKI_KEY_STORE,
  ],
  [
    'pki/ imports the KMIP library (its errors too)',
    'backend/src/pki/asn1/probe.ts',
    `import { KmsError } from '../../kms/kmip/errors.js';`,
    PKI_KEY_STORE,
  ],
  ['pki/ imports trpc/', 'backend/src/pki/probe.ts', `import '../trpc/init.js';`, PKI_EDGE],
  ['a router imports db/', 'backend/src/trpc/routers/probe.ts', `import '../../db/client.js';`, ROUTER_STORAGE],
  [
    'a router imports Drizzle',
    'backend/src/trpc/routers/probe.ts',
    `import { eq } from 'drizzle-orm';`,
    ROUTER_STORAGE,
  ],
  [
    'a router imports a driver',
    'backend/src/trpc/routers/probe.ts',
    `import '../../kms/drivers/cosmian/cosmian-key-store.js';`,
    ROUTER_KEY_STORE,
  ],
  [
    'a router imports the KMIP library',
    'backend/src/trpc/routers/probe.ts',
    `import '../../kms/kmip/index.js';`,
    ROUTER_KEY_STORE,
  ],
  ['a router imports http/', 'backend/src/trpc/routers/probe.ts', `import '../../http/health.js';`, ROUTER_HTTP],
  [
    'a router imports the audit module',
    'backend/src/trpc/routers/probe.ts',
    `import '../../audit/audit-log-reader.js';`,
    ROUTER_AUDIT,
  ],
  [
    'a router imports the audit chain',
    'backend/src/trpc/routers/probe.ts',
    `import '../../kms/audit/verify.js';`,
    ROUTER_AUDIT,
  ],
  ['http/ imports trpc/', 'backend/src/http/probe.ts', `import '../trpc/router.js';`, HTTP_TRPC],
  ['db/ imports trpc/', 'backend/src/db/probe.ts', `import '../trpc/context.js';`, LOWER_LAYER],
  ['kms/ imports pki/', 'backend/src/kms/probe.ts', `import '../pki/profiles.js';`, LOWER_LAYER],
  ['the audit module imports http/', 'backend/src/audit/probe.ts', `import '../http/health.js';`, LOWER_LAYER],
  ['a service reads process.env', 'backend/src/pki/probe.ts', 'export const value = process.env.PKI_X;', ENV],
  [
    'a CLI command reads process.env',
    'backend/src/cli/commands/probe.ts',
    'export const url = process.env.PKI_URL;',
    ENV,
  ],
  [
    'the frontend imports a backend value',
    'frontend/src/app/probe.ts',
    `import { appRouter } from '@pki/backend/trpc';\nexport { appRouter };`,
    FRONTEND,
  ],
  [
    'the frontend imports backend source by a relative path',
    'frontend/src/app/probe.ts',
    `import type { DatabaseHandle } from '../../../backend/src/db/client.js';\nexport type { DatabaseHandle };`,
    FRONTEND,
  ],
  [
    'the frontend imports another backend entry',
    'frontend/src/pages/probe.ts',
    `import type { Config } from '@pki/backend/config';\nexport type { Config };`,
    FRONTEND,
  ],
  ['e2e imports backend source', 'e2e/tests/probe.ts', `import '../../backend/src/app.js';`, E2E],
  ['e2e imports a workspace package', 'e2e/src/probe.ts', `import '@pki/shared';`, E2E],
];

/** [what the control does, where it sits, its code]: allowed, so it must lint clean. */
const CONTROLS: [string, string, string][] = [
  [
    'kmip imports node:* and itself',
    'backend/src/kms/kmip/ttlv/probe.ts',
    `import 'node:tls';\nimport './reader.js';\nimport '../errors.js';`,
  ],
  [
    'a driver imports the contract, the KMIP library and the KMS errors',
    'backend/src/kms/drivers/cosmian/probe.ts',
    `import '../../key-store.js';\nimport '../../kmip/index.js';\nimport '../../errors.js';`,
  ],
  [
    'pki/ imports KMSService, the KMS errors façade, db/ and the audit module',
    'backend/src/pki/probe.ts',
    `import '../kms/service.js';\nimport '../kms/errors.js';\nimport '../db/client.js';\nimport '../audit/audit-log-reader.js';`,
  ],
  [
    'a router imports @pki/shared, init.ts and a service type',
    'backend/src/trpc/routers/probe.ts',
    `import '@pki/shared';\nimport '../init.js';\nimport type { KmsKeyRecord } from '../../kms/service.js';\nexport type { KmsKeyRecord };`,
  ],
  [
    'http/ imports the error table and services',
    'backend/src/http/probe.ts',
    `import '../error-mapping.js';\nimport '../pki/index.js';`,
  ],
  ['config.ts reads process.env', 'backend/src/config.ts', 'export const value = process.env.PKI_X;'],
  ['the CLI config reads process.env', 'backend/src/cli/cli-config.ts', 'export const url = process.env.PKI_URL;'],
  [
    'the frontend imports the AppRouter type',
    'frontend/src/app/probe.ts',
    `import type { AppRouter } from '@pki/backend/trpc';\nexport type { AppRouter };`,
  ],
  ['e2e imports its own helpers', 'e2e/tests/probe.ts', `import '../src/server.js';`],
];

describe('each layering rule fails its probe', () => {
  it.each(PROBES)('%s (%s)', async (_name, path, code, expected) => {
    const messages = await lintProbe(path, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.message).toContain(expected);
  });
});

describe('the zones allow what the architecture permits', () => {
  it.each(CONTROLS)('%s (%s)', async (_name, path, code) => {
    expect(await lintProbe(path, code)).toEqual([]);
  });
});
