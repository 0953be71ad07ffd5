/**
 * Subject alternative name rules in a form the browser can run: the wizard's SAN editor
 * validates each row as it is typed with `SanEntrySchema`, and the messages are those of
 * the server's parser (backend/src/pki/names.ts `parseSan`), which stays the authority at
 * issuance (it also normalizes IPv6 and host-name case). Depends on zod only.
 */
import { z } from 'zod';

import { FORBIDDEN_NAME_CHARACTERS, SAN_TYPES } from './pki.js';
import type { SanType } from './pki.js';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
const EMAIL_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIpv6(text: string): boolean {
  if (text.includes('%') || !/^[0-9A-Fa-f:.]+$/.test(text)) return false;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const all = [...head, ...tail];
  const last = all[all.length - 1];
  const hasIpv4Tail = last !== undefined && last.includes('.');
  if (hasIpv4Tail && !IPV4.test(last)) return false;
  const hexGroups = hasIpv4Tail ? all.slice(0, -1) : all;
  if (!hexGroups.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return false;
  const width = hexGroups.length + (hasIpv4Tail ? 2 : 0);
  return halves.length === 2 ? width < 8 : width === 8;
}

function hostNameProblem(raw: string, allowsWildcard: boolean): string | null {
  const name = raw.toLowerCase();
  if (name.length > 253) return 'host name longer than 253 characters';
  if (!/^[\x21-\x7e]+$/.test(name)) return 'host names must be ASCII (use the xn-- form for international names)';
  const [first, ...rest] = name.split('.');
  if (first === '*') {
    if (!allowsWildcard) return 'wildcards are not allowed here';
    if (rest.length < 2) return 'a wildcard must cover a name with at least two labels';
  } else if (!first || !LABEL.test(first)) return 'not a valid host name';
  return rest.every((label) => LABEL.test(label)) ? null : 'not a valid host name';
}

/** Why the server would refuse this SAN, or null when it is acceptable. */
export function sanProblem(type: SanType, value: string): string | null {
  if (value.length === 0) return 'enter a value';
  if (FORBIDDEN_NAME_CHARACTERS.test(value) || /\s/.test(value)) return 'must not contain spaces or control characters';
  switch (type) {
    case 'dns':
      return hostNameProblem(value, true);
    case 'ip':
      return IPV4.test(value) || isIpv6(value) ? null : 'not an IPv4 or IPv6 address';
    case 'email': {
      const at = value.lastIndexOf('@');
      const local = value.slice(0, at);
      if (at <= 0 || local.length > 64 || !EMAIL_LOCAL.test(local)) return 'not an e-mail address';
      return hostNameProblem(value.slice(at + 1), false);
    }
    case 'uri': {
      if (!URI_CHARACTERS.test(value)) return 'URIs may only contain RFC 3986 characters';
      return /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/.test(value) ? null : 'not an absolute URI';
    }
  }
}

/** One row of the SAN editor. */
export const SanEntrySchema = z
  .object({ type: z.enum(SAN_TYPES), value: z.string().trim() })
  .superRefine((entry, context) => {
    const problem = sanProblem(entry.type, entry.value);
    if (problem !== null) context.addIssue({ code: 'custom', path: ['value'], message: problem });
  });
export type SanEntry = z.infer<typeof SanEntrySchema>;

/** "dns:example.com", as issueFromCsr and issueWithServerKey take SANs. */
export const formatSanEntry = (entry: SanEntry): string => `${entry.type}:${entry.value.trim()}`;

/** The inverse of formatSanEntry; null for a string without a known type prefix. */
export function parseSanEntry(text: string): SanEntry | null {
  const separator = text.indexOf(':');
  const type = text.slice(0, separator).toLowerCase();
  if (!(SAN_TYPES as readonly string[]).includes(type)) return null;
  return { type: type as SanType, value: text.slice(separator + 1) };
}
