/**
 * Finding every key under our namespace, at any count. Since 5.21 a Locate returns at most
 * 1000 identifiers, ignores OffsetItems and reports the truncated count as LocatedItems
 * (cosmian-versions.ts), so one Locate silently stops at 1000 keys and paging is impossible.
 *
 * Each key therefore carries two Cosmian tags set at creation: the namespace, and one of 256
 * listing buckets (`<namespace>/bucket-<hh>`, hh = first byte of SHA-256 of its Name). A
 * listing Locates the namespace tag; only when that answer is as large as the cap does it
 * Locate each bucket, which covers about 255 000 keys before any bucket fills. A bucket that
 * reaches the cap is an error, never a short list.
 */
import { createHash } from 'node:crypto';

import { KmsProtocolError } from '../../kmip/index.js';
import type { KmipClient, VendorAttribute } from '../../kmip/index.js';
import type { KeyReference } from '../../key-store.js';
import { COSMIAN_CHANGES, COSMIAN_LOCATE_CAP, isAtLeast } from './cosmian-versions.js';
import type { CosmianServer } from './cosmian-versions.js';

const BUCKET_COUNT = 256;
/** Bucket Locates in flight at once. */
const LOCATE_CONCURRENCY = 8;

export interface CosmianTagging {
  namespace: string;
  /** PKI_COSMIAN_VENDOR_ID: the server's KMS_VENDOR_IDENTIFICATION. */
  vendorId: string;
}

/** The `tag` vendor attribute holding these tags (a JSON array in a TextString, 5.x). */
export function tagAttribute(tagging: CosmianTagging, tags: readonly string[]): VendorAttribute {
  return { vendorIdentification: tagging.vendorId, attributeName: 'tag', attributeValue: JSON.stringify(tags) };
}

/** The tags a new key gets: the namespace and its listing bucket. */
export function keyTags(tagging: CosmianTagging, name: string): string[] {
  const bucket = createHash('sha256').update(name).digest()[0] ?? 0;
  return [tagging.namespace, bucketTag(tagging.namespace, bucket)];
}

function bucketTag(namespace: string, bucket: number): string {
  return `${namespace}/bucket-${bucket.toString(16).padStart(2, '0')}`;
}

/** Every private key tagged with our namespace, however many there are. */
export async function locateTaggedKeys(
  client: KmipClient,
  tagging: CosmianTagging,
  server: CosmianServer,
): Promise<KeyReference[]> {
  const all = await locateByTag(client, tagging, tagging.namespace);
  const isCapped = isAtLeast(server.version, COSMIAN_CHANGES.locateCap) && all.length >= COSMIAN_LOCATE_CAP;
  if (!isCapped) return all;
  const found = new Set<KeyReference>();
  let next = 0;
  const worker = async () => {
    for (let bucket = next++; bucket < BUCKET_COUNT; bucket = next++) {
      const tag = bucketTag(tagging.namespace, bucket);
      const refs = await locateByTag(client, tagging, tag);
      if (refs.length >= COSMIAN_LOCATE_CAP) {
        throw new KmsProtocolError(
          `cosmian: listing bucket ${tag} holds ${COSMIAN_LOCATE_CAP} keys or more, the server's Locate limit; ` +
            'the key list would be incomplete',
          { operation: 'Locate' },
        );
      }
      for (const ref of refs) found.add(ref);
    }
  };
  await Promise.all(Array.from({ length: LOCATE_CONCURRENCY }, worker));
  // Every key of the first answer has a bucket tag unless it was made without one.
  if (all.some((ref) => !found.has(ref))) {
    throw new KmsProtocolError('cosmian: some keys under the namespace carry no listing bucket tag', {
      operation: 'Locate',
    });
  }
  return [...found];
}

async function locateByTag(client: KmipClient, tagging: CosmianTagging, tag: string): Promise<KeyReference[]> {
  const located = await client.locate({
    attributes: { objectType: 'PrivateKey', vendorAttributes: [tagAttribute(tagging, [tag])] },
  });
  return located.uniqueIdentifiers;
}
