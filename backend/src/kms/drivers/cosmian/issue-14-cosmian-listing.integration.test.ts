/**
 * Issue 14: list() is complete past 1000 keys. From 5.21 Cosmian's Locate returns at most
 * 1000 identifiers, ignores OffsetItems and reports the truncated count; before, one Locate
 * returns everything. An integration test because it creates 1005 keys through the driver.
 */
import { describe, expect, it } from 'vitest';

import {
  closedAfterEach,
  cosmianConfigFor,
  startTokenProtectedStandIn,
} from '../../../../test/harness/cosmian-standin-driver.js';
import { openCosmianKeyStore } from './cosmian-key-store.js';

const opened = closedAfterEach();

describe('issue 14: listing more keys than one Locate returns', () => {
  it.each([
    { version: '5.26.0', bucketLocates: 256 },
    { version: '5.20.0', bucketLocates: 0 },
  ])(
    'lists 1005 keys on $version',
    async ({ version, bucketLocates }) => {
      const server = await startTokenProtectedStandIn({ version });
      opened.standIn = server;
      const kms = await openCosmianKeyStore(cosmianConfigFor(server.url), { attempts: 1, timeoutMs: 10_000 });
      opened.store = kms;
      const labels = Array.from({ length: 1005 }, (_, index) => `key-${index}`);
      let next = 0;
      const created: string[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let index = next++; index < labels.length; index = next++) {
            const key = await kms.generateKeyPair({
              algorithm: 'ec-p256',
              label: labels[index] as string,
              isExportable: false,
            });
            created.push(key.privateKeyRef);
          }
        }),
      );
      const sentBefore = server.receivedOperations().length;
      const listed = await kms.list();
      expect(listed).toHaveLength(1005);
      expect(new Set(listed.map((entry) => entry.label))).toEqual(new Set(labels));
      // From 5.21 the namespace Locate stops at 1000, so the buckets are located one by one.
      const locates = server
        .receivedOperations()
        .slice(sentBefore)
        .filter((entry) => entry.operation === 'Locate');
      expect(locates.filter((entry) => JSON.stringify(entry.payload).includes('/bucket-'))).toHaveLength(bucketLocates);
      expect(created).toHaveLength(1005);
    },
    120_000,
  );
});
