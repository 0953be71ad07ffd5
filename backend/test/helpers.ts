/**
 * Builds the real app on a fresh temporary data directory; close it in afterEach.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';

import { buildApp } from '../src/app.js';
import type { AppOverrides } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Config } from '../src/config.js';

export interface TestApp {
  app: FastifyInstance;
  config: Readonly<Config>;
  dataDir: string;
  close(): Promise<void>;
}

export async function buildTestApp(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pki-test-'));
  const config = loadConfig({ PKI_MODE: 'test', PKI_DATA_DIR: dataDir, PKI_PORT: '0', ...env });
  const app = await buildApp(config, { logger: pino({ level: 'silent' }), ...overrides });
  return {
    app,
    config,
    dataDir,
    close: async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
