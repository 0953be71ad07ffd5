/**
 * Time ranges over the audit log without a timestamp index. AuditChain keeps a row's
 * timestamp from falling below the previous row's, so timestamps are sorted along `seq` and the
 * first row at or after an instant is found by binary search on the primary key: about
 * log2(rows) point lookups (20 for a million rows), instead of one more B-tree page written
 * by every append to keep a timestamp index.
 *
 * Rows written before that rule (migration 0005), and rows after a clock stepped back further
 * than chain.ts lets a timestamp lead the wall clock, may step backwards where the clock did;
 * callers keep their timestamp condition too, so a range never shows a row outside it.
 */
import type Database from 'better-sqlite3';

/**
 * The smallest `seq` whose timestamp is at or after `timestampMs`, or one past the last row
 * when none is. So `since` becomes `seq >= firstSeqAtOrAfter(since)` and `until` becomes
 * `seq < firstSeqAtOrAfter(until + 1)`.
 */
export function firstSeqAtOrAfter(sqlite: Database.Database, timestampMs: number): number {
  const rowAtOrAfter = sqlite.prepare<[number], { seq: number; timestamp: number }>(
    'SELECT seq, timestamp FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT 1',
  );
  // Two subqueries: SQLite answers a lone min() or max() from one end of the primary key, but
  // `SELECT min(seq), max(seq)` together is a scan of the whole table.
  const bounds = sqlite
    .prepare('SELECT (SELECT min(seq) FROM audit_log) AS first, (SELECT max(seq) FROM audit_log) AS last')
    .get() as {
    first: number | null;
    last: number | null;
  };
  if (bounds.first === null || bounds.last === null) return 1;
  // Invariant: every seq below `low` has its next row earlier than the instant; from `high` on, none does.
  let low = bounds.first;
  let high = bounds.last + 1;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const row = rowAtOrAfter.get(middle);
    if (row === undefined || row.timestamp >= timestampMs) high = middle;
    else low = row.seq + 1;
  }
  return rowAtOrAfter.get(low)?.seq ?? bounds.last + 1;
}
