/**
 * Parsers for option and argument values. Each throws commander's InvalidArgumentError,
 * which commander reports as one usage line (exit 2) naming the option and the value.
 */
import { InvalidArgumentError } from 'commander';

import { REVOCATION_REASONS, SAN_TYPES } from '@pki/shared';
import type { RevocationReason } from '@pki/shared';

export function parsePositiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('expected a positive whole number.');
  }
  return Number(value);
}

export function parseNonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new InvalidArgumentError('expected a whole number ≥ 0.');
  return Number(value);
}

/**
 * A serial as people copy it: hex, any case, colons optional ("0A:1B:…", "0a1b…"), returned
 * lower-case without separators or leading zero bytes, the way the server stores it.
 */
export function parseSerial(value: string): string {
  const trimmed = value.trim();
  if (!/^(?:[0-9A-Fa-f]{2})(?::?[0-9A-Fa-f]{2})*$|^[0-9A-Fa-f]+$/.test(trimmed)) {
    throw new InvalidArgumentError('expected a hexadecimal serial such as 4f:1a:… or 4F1A… (colons optional).');
  }
  const hex = trimmed.replace(/:/g, '').toLowerCase().replace(/^0+/, '');
  if (hex === '') return '00';
  return hex.length % 2 === 1 ? `0${hex}` : hex;
}

/** RFC 5280 reason names; case is forgiven ("keycompromise" works). */
export function parseReason(value: string): RevocationReason {
  const reason = REVOCATION_REASONS.find((candidate) => candidate.toLowerCase() === value.trim().toLowerCase());
  if (reason === undefined) throw new InvalidArgumentError(`expected one of ${REVOCATION_REASONS.join(', ')}.`);
  return reason;
}

const DURATION_UNITS_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** "30d", "12h", "2w", or a bare number of days → milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+)\s*([hdw]?)$/i.exec(value.trim());
  const amount = Number(match?.[1]);
  const unitMs = DURATION_UNITS_MS[(match?.[2] ?? '').toLowerCase() || 'd'];
  if (match === null || unitMs === undefined || !Number.isSafeInteger(amount) || amount < 1) {
    throw new InvalidArgumentError('expected a duration such as 30d, 12h or 2w.');
  }
  return amount * unitMs;
}

/**
 * `--san dns:a.example,ip:192.0.2.1` (repeatable): accumulates typed SANs. Commas separate
 * entries, so a URI SAN holding a comma must be given in its own --san.
 */
export function collectSans(value: string, previous: string[] = []): string[] {
  const isSingleUri = /^uri:/i.test(value.trim()) && !/,\s*(dns|ip|email|uri):/i.test(value);
  const entries = isSingleUri
    ? [value.trim()]
    : value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '');
  if (entries.length === 0) throw new InvalidArgumentError('expected type:value entries such as dns:www.example.com.');
  const parsed = entries.map((entry) => {
    const separator = entry.indexOf(':');
    const type = entry.slice(0, separator).toLowerCase();
    const name = entry.slice(separator + 1);
    if (separator < 1 || !(SAN_TYPES as readonly string[]).includes(type) || name === '') {
      throw new InvalidArgumentError(
        `${JSON.stringify(entry)}: expected ${SAN_TYPES.map((t) => `${t}:…`).join(', ')}.`,
      );
    }
    return `${type}:${name}`;
  });
  return [...previous, ...parsed];
}

/**
 * `--since 24h`, `--since 30d`, `--since 2w` (that long before now) or an ISO 8601 instant
 * (`2026-11-01`, `2026-11-01T08:00:00Z`) → the instant as an ISO string.
 */
export function parseInstant(value: string): string {
  const trimmed = value.trim();
  if (/^\d+\s*[hdw]$/i.test(trimmed)) return new Date(Date.now() - parseDuration(trimmed)).toISOString();
  const instant = /^\d{4}-\d\d-\d\d(T[\d:.]+(Z|[+-]\d\d:\d\d))?$/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(instant)) {
    throw new InvalidArgumentError(
      'expected a duration back from now (24h, 30d, 2w) or an ISO instant (2026-11-01T08:00:00Z).',
    );
  }
  return new Date(instant).toISOString();
}

/** `--entity certificate:0193…` → the entity's type and id (the id may hold colons). */
export function parseEntity(value: string): { type: string; id: string } {
  const separator = value.indexOf(':');
  const type = value.slice(0, separator).trim();
  const id = value.slice(separator + 1).trim();
  if (separator < 1 || type === '' || id === '') {
    throw new InvalidArgumentError('expected TYPE:ID, e.g. certificate:0193… or kms_key:0193….');
  }
  return { type, id };
}
