/**
 * The web console offers each section and action by the permission of the procedure it stands
 * on (CONSOLE_PROCEDURES in @pki/shared). Each entry must name a real procedure and the very
 * permission the router declares for it, or the console would offer what the API refuses.
 */
import { describe, expect, it } from 'vitest';

import { CONSOLE_PROCEDURES } from '@pki/shared';

import type { ProcedureMeta } from './init.js';
import { appRouter } from './router.js';

const declared = new Map(
  Object.entries(
    appRouter._def.procedures as unknown as Record<string, { _def: { meta?: Partial<ProcedureMeta> } }>,
  ).map(([path, procedure]) => [path, procedure._def.meta?.permission]),
);

describe('CONSOLE_PROCEDURES', () => {
  it.each(Object.entries(CONSOLE_PROCEDURES))('%s names a procedure with the permission it declares', (_, entry) => {
    expect(declared.has(entry.procedure), `${entry.procedure} is no procedure of the router`).toBe(true);
    expect(declared.get(entry.procedure)).toBe(entry.permission);
  });
});
