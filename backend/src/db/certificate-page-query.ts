/**
 * The inventory's page query over `certificates`: filters, one of three sort keys in either
 * direction, and a keyset cursor `(sort value, id)` so a page costs the same at row 50 and at
 * row 99,950. Each filter and sort has an index (schema.ts); text search goes through the
 * trigram FTS5 table `certificates_search` (migration 0012), which needs three characters;
 * a shorter term falls back to LIKE.
 *
 * A search takes one of two plans, chosen by how many certificates match (`SearchPlan`): a
 * rare term drives the page from its matches and sorts them; a common one walks the sort's
 * index and tests each row with LIKE, which fills a page after a few rows where building the
 * list of every match would read thousands.
 */
import { and, asc, desc, eq, gte, lt, or, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';

import type { CertificateSort, CertificateStatus, KeyAlgorithm } from '@pki/shared';

import { certificates } from './schema.js';

/** A row as the inventory lists it: every column but the certificate's DER, which no list shows. */
export type CertificateListRow = Omit<typeof certificates.$inferSelect, 'der'>;

/** Where the previous page ended: its last row's sort value and id. */
export interface CertificatePageCursor {
  value: number | string;
  id: string;
}

export interface CertificatePageQuery {
  /** `expired` and `active` are judged against `now`. */
  status?: CertificateStatus;
  caId?: string;
  profile?: string;
  keyAlgorithm?: KeyAlgorithm;
  /** notAfter ≥ this instant. */
  expiresAfter?: Date;
  /** notAfter < this instant. */
  expiresBefore?: Date;
  /** Matched against subject, SANs and serial (hex, colons ignored). */
  search?: string;
  sort?: CertificateSort;
  cursor?: CertificatePageCursor;
  limit: number;
  now: Date;
}

export interface CertificatePage {
  rows: CertificateListRow[];
  nextCursor: CertificatePageCursor | null;
}

const SORT_COLUMNS = {
  notAfter: certificates.notAfter,
  notBefore: certificates.notBefore,
  subject: certificates.subjectDn,
} as const;

export const DEFAULT_CERTIFICATE_SORT: CertificateSort = 'notBefore.desc';

const TRIGRAM = 3;

/**
 * `matches`: drive the page from the FTS matches (a rare term). `walk`: walk the sort's index
 * and test each row with LIKE (a common term). LIKE folds ASCII case only, so only a printable
 * ASCII term may walk; then both plans find the same substring in subject, SANs or serial.
 */
export type SearchPlan = 'matches' | 'walk';

/**
 * From this many matches on, a term walks: driving sorts every match, walking reads about
 * (certificates ÷ matches) × page size rows; at 100,000 certificates the two cost the same
 * near a thousand matches.
 */
export const COMMON_TERM_MATCHES = 1000;

/**
 * The plan for a term, from its FTS match count capped at `COMMON_TERM_MATCHES` (FTS5 stops
 * counting there, so asking is cheap); `countMatchesUpTo` is the caller's query.
 */
export function searchPlanFor(
  search: string | undefined,
  countMatchesUpTo: (match: string, bound: number) => number,
): SearchPlan {
  const match = search === undefined ? null : searchMatchExpression(search);
  if (search === undefined || match === null || !isWalkableSearch(search)) return 'matches';
  return countMatchesUpTo(match, COMMON_TERM_MATCHES) >= COMMON_TERM_MATCHES ? 'walk' : 'matches';
}

/** The FTS5 MATCH expression for a term, or null when the term is too short for trigrams. */
function searchMatchExpression(search: string): string | null {
  if (search.length < TRIGRAM) return null;
  const serial = serialDigits(search);
  const phrase = (text: string) => `"${text.replace(/"/g, '""')}"`;
  return serial !== null && serial.length >= TRIGRAM ? `${phrase(search)} OR ${phrase(serial)}` : phrase(search);
}

/** Whether LIKE finds what the trigram index finds for this term (see `SearchPlan`). */
function isWalkableSearch(search: string): boolean {
  return /^[\x20-\x7e]*$/.test(search);
}

/** The hex digits of a term written as a serial with colons ("AA:00:0A"), or null. */
function serialDigits(search: string): string | null {
  const serial = search.replace(/:/g, '').toLowerCase();
  return serial !== search.toLowerCase() && /^[0-9a-f]+$/.test(serial) ? serial : null;
}

function searchCondition(search: string, plan: SearchPlan): SQL {
  const match = searchMatchExpression(search);
  if (match !== null && plan === 'matches') {
    return sql`${certificates.id} IN (SELECT id FROM certificates_search WHERE certificates_search MATCH ${match})`;
  }
  const serial = serialDigits(search);
  const escaped = search.replace(/[\\%_]/g, (character) => `\\${character}`);
  return or(
    sql`${certificates.subjectDn} LIKE ${`%${escaped}%`} ESCAPE '\\'`,
    sql`${certificates.sans} LIKE ${`%${escaped}%`} ESCAPE '\\'`,
    sql`${certificates.serialHex} LIKE ${`%${serial ?? escaped}%`} ESCAPE '\\'`,
  ) as SQL;
}

function statusCondition(status: CertificateStatus, now: Date, sortKey: keyof typeof SORT_COLUMNS): SQL {
  const at = now.getTime();
  if (status === 'expired') return sql`${certificates.status} = 'active' AND ${certificates.notAfter} <= ${at}`;
  if (status === 'active' && sortKey !== 'notAfter') {
    // `+not_after`: most certificates are active, so the page walks the sort's index over
    // status (schema.ts) and skips the few expired; a range on notAfter would sort every active
    // row. Sorted by notAfter, the (status, notAfter) index serves the range and the order.
    return sql`${certificates.status} = 'active' AND +${certificates.notAfter} > ${at}`;
  }
  if (status === 'active') return sql`${certificates.status} = 'active' AND ${certificates.notAfter} > ${at}`;
  return eq(certificates.status, status);
}

export function buildCertificatePageQuery(
  query: CertificatePageQuery,
  searchPlan: SearchPlan = 'matches',
): {
  where: SQL | undefined;
  orderBy: SQL[];
  cursorOf: (row: CertificateListRow) => CertificatePageCursor;
} {
  const [sortKey, direction] = (query.sort ?? DEFAULT_CERTIFICATE_SORT).split('.') as [
    keyof typeof SORT_COLUMNS,
    'asc' | 'desc',
  ];
  const column = SORT_COLUMNS[sortKey];
  const conditions: (SQL | undefined)[] = [];
  if (query.status) conditions.push(statusCondition(query.status, query.now, sortKey));
  if (query.caId) conditions.push(eq(certificates.caId, query.caId));
  if (query.profile) conditions.push(eq(certificates.profile, query.profile));
  if (query.keyAlgorithm) conditions.push(eq(certificates.keyAlgorithm, query.keyAlgorithm));
  if (query.expiresAfter) conditions.push(gte(certificates.notAfter, query.expiresAfter));
  if (query.expiresBefore) conditions.push(lt(certificates.notAfter, query.expiresBefore));
  if (query.search) conditions.push(searchCondition(query.search, searchPlan));
  if (query.cursor) {
    // A row value comparison, which SQLite serves from the (column, id) index.
    const { value, id } = query.cursor;
    conditions.push(
      direction === 'asc'
        ? sql`(${column}, ${certificates.id}) > (${value}, ${id})`
        : sql`(${column}, ${certificates.id}) < (${value}, ${id})`,
    );
  }
  const order = direction === 'asc' ? asc : desc;
  return {
    where: and(...conditions),
    orderBy: [order(column), order(certificates.id)],
    cursorOf: (row) => {
      const value = sortKey === 'subject' ? row.subjectDn : row[sortKey].getTime();
      return { value, id: row.id };
    },
  };
}
