import type { FastifyReply, FastifyRequest } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { buildTestApp } from '../../test/helpers.js';
import type { TestApp } from '../../test/helpers.js';
import { createContextFactory, createContextInner } from './context.js';

let testApp: TestApp;

beforeEach(async () => {
  testApp = await buildTestApp();
});

afterEach(async () => {
  await testApp.close();
});

describe('the tRPC context', () => {
  it('gives procedures the services but no database handle, in its type and at run time', () => {
    const ctx = createContextInner({ services: testApp.app.services, requestId: 'req-1' });
    expect(Object.keys(ctx.services)).not.toContain('database');
    expect(ctx.services.pki).toBe(testApp.app.services.pki);
    // @ts-expect-error -- a router cannot even name the database: this line stops compiling if it comes back.
    expect(ctx.services.database).toBeUndefined();
    expect(ctx).toMatchObject({ actor: 'anonymous', requestId: 'req-1' });
  });

  it('over HTTP as well: the context of a request carries its request id and no database handle', () => {
    const ctx = createContextFactory(testApp.app.services)({
      req: { id: 'req-http', headers: {}, ip: '127.0.0.1', server: testApp.app } as unknown as FastifyRequest,
      res: {} as FastifyReply,
    });
    expect(Object.keys(ctx.services)).not.toContain('database');
    expect(ctx).toMatchObject({ actor: 'anonymous', requestId: 'req-http' });
  });
});
