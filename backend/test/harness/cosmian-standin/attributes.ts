/** Reading request attributes as Cosmian's server does (`kmip_attributes.rs`, `tagging.rs`). */
import { fail } from './errors.js';
import { child, childrenOf, JsonTtlvError, readText } from './json-ttlv.js';
import type { JsonTtlv } from './json-ttlv.js';
import { tagVendorOf } from './server-versions.js';
import type { StandInServer } from './server-versions.js';

/** Attributes by tag, the `specific` side overriding `common` tag by tag. */
export function mergeAttributes(common: JsonTtlv | undefined, specific: JsonTtlv | undefined): Map<string, JsonTtlv[]> {
  const merged = new Map<string, JsonTtlv[]>();
  for (const source of [common, specific]) {
    if (source === undefined) continue;
    const bySide = new Map<string, JsonTtlv[]>();
    for (const node of childrenOf(source)) bySide.set(node.tag, [...(bySide.get(node.tag) ?? []), node]);
    for (const [tag, nodes] of bySide) merged.set(tag, nodes);
  }
  return merged;
}

/**
 * `tagging.rs`: the tag vendor attribute of the server's vendor holds a JSON array of
 * strings in a TextString; another vendor's attribute is not a tag at all.
 */
export function readUserTags(server: StandInServer, attribute: JsonTtlv): string[] {
  if (
    readText(child(attribute, 'VendorIdentification')) !== tagVendorOf(server) ||
    readText(child(attribute, 'AttributeName')) !== 'tag'
  )
    return [];
  const raw = readText(child(attribute, 'AttributeValue'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw ?? '');
  } catch {
    throw new JsonTtlvError('tag: AttributeValue must be a JSON array of strings');
  }
  if (
    !Array.isArray(parsed) ||
    !parsed.every((tag): tag is string => typeof tag === 'string' && tag.length > 0 && !tag.startsWith('_'))
  ) {
    // User tags must be non-empty and must not start with "_" (tagging.rs).
    return fail({ kind: 'invalidRequest', message: 'tags must be non-empty strings that do not start with _' });
  }
  return parsed;
}
