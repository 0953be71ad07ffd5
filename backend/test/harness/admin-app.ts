/**
 * The real app with a signed-in admin and one root CA, for tests that poke the edge, plus
 * the row counts of its tables, to show that a refused request changed nothing.
 */
import type { CaSummary } from '@pki/shared';

import type { AppServices } from '../../src/services.js';
import { actAs } from './act-as.js';
import type { Actor } from './act-as.js';
import { buildTestApp } from '../helpers.js';
import type { TestApp } from '../helpers.js';

export interface AdminApp {
  testApp: TestApp;
  services: AppServices;
  admin: Actor;
  root: CaSummary;
}

export async function openAdminApp(rootName: string, env: Record<string, string> = {}): Promise<AdminApp> {
  const testApp = await buildTestApp(env);
  const services = testApp.app.services;
  const admin = await actAs(services, 'admin');
  const root = await admin.caller.cas.createRoot({
    name: rootName,
    subject: { commonName: rootName },
    algorithm: 'ec-p384',
    validityDays: 3650,
  });
  return { testApp, services, admin, root };
}

/** Rows per table, migrations and `excluded` tables left out. */
export function tableRowCounts(services: AppServices, excluded: readonly string[] = []): Record<string, number> {
  const sqlite = services.database.sqlite;
  const tables = sqlite
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%'",
    )
    .all() as { name: string }[];
  return Object.fromEntries(
    tables
      .filter(({ name }) => !excluded.includes(name))
      .map(({ name }) => [name, (sqlite.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n]),
  );
}
