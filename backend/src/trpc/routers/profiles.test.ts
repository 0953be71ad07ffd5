import { afterEach, describe, expect, it } from 'vitest';

import { PROFILE_IDS } from '@pki/shared';

import { buildTestApp } from '../../../test/helpers.js';
import type { TestApp } from '../../../test/helpers.js';
import { actAs } from '../../../test/harness/act-as.js';

let testApp: TestApp | undefined;
afterEach(async () => {
  await testApp?.close();
  testApp = undefined;
});

describe('profiles.list', () => {
  it('gives every profile, the same through createCaller and over HTTP', async () => {
    testApp = await buildTestApp();
    const { caller, headers } = await actAs(testApp.app.services, 'operator');
    const direct = await caller.profiles.list();
    expect(direct.map((profile) => profile.id)).toEqual([...PROFILE_IDS]);
    expect(direct.find((profile) => profile.id === 'tls-server')?.maxValidityDays).toBe(398);

    const response = await testApp.app.inject({ method: 'GET', url: '/trpc/profiles.list', headers });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ result: { data: unknown } }>().result.data).toEqual(direct);
  });
});
