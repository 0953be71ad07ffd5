/**
 * No Docker engine runs on our machines, so the compose file is checked for what can be
 * checked without one: it parses, its services have the shape compose requires, the KMS
 * service matches the facts of the Cosmian image, and every host path it mounts exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';

const root = fileURLToPath(new URL('../..', import.meta.url));

const PortSchema = z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}:)?(\$\{[A-Z_]+(:-\d+)?\}|\d+):\d+$/);
const ServiceSchema = z
  .object({
    image: z.string().optional(),
    build: z.union([z.string(), z.object({ context: z.string() })]).optional(),
    restart: z.enum(['no', 'always', 'on-failure', 'unless-stopped']).optional(),
    ports: z.array(PortSchema).optional(),
    volumes: z.array(z.string().regex(/^[^:]+:[^:]+(:ro|:rw)?$/)).optional(),
    environment: z.record(z.string(), z.string()).optional(),
    depends_on: z.union([z.array(z.string()), z.record(z.string(), z.object({ condition: z.string() }))]).optional(),
  })
  .strict()
  .refine((service) => service.image !== undefined || service.build !== undefined, 'a service needs image or build');
const ComposeSchema = z
  .object({
    name: z.string(),
    services: z.record(z.string(), ServiceSchema),
    volumes: z.record(z.string(), z.null()).optional(),
  })
  .strict();

describe('docker-compose.yml', () => {
  const compose = ComposeSchema.parse(parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')));

  it('runs a pinned Cosmian KMS 5.x on host port 42998 with its data and config mounted', () => {
    const kms = compose.services.kms;
    expect(kms?.image).toMatch(/^ghcr\.io\/cosmian\/kms:\$\{COSMIAN_KMS_VERSION:-5\.\d+\.\d+\}$/);
    expect(kms?.ports).toContain('127.0.0.1:${COSMIAN_KMS_HOST_PORT:-42998}:9998');
    expect(kms?.volumes).toEqual([
      './kms/data:/var/lib/cosmian-kms/sqlite-data',
      './kms/kms.toml:/etc/cosmian/kms.toml:ro',
    ]);
  });

  it('mounts only host paths that exist in the repository', () => {
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('./')) expect(existsSync(join(root, source)), source).toBe(true);
      }
    }
  });

  it('points the app at the kms service with the cosmian backend', () => {
    const app = compose.services.app;
    expect(app?.build).toBe('.');
    expect(app?.environment).toMatchObject({ PKI_KMS_BACKEND: 'cosmian', PKI_COSMIAN_URL: 'http://kms:9998' });
    expect(existsSync(join(root, 'Dockerfile'))).toBe(true);
  });

  it('keeps kms.toml consistent with the mounted data directory', () => {
    const toml = readFileSync(join(root, 'kms/kms.toml'), 'utf8');
    expect(toml).toMatch(/^sqlite_path = "\/var\/lib\/cosmian-kms\/sqlite-data"$/m);
    expect(toml).toMatch(/^port = 9998$/m);
  });
});
