import { rmSync } from 'node:fs';

import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { AuditEntry, ListAuditInput } from '@pki/shared';

import type { DatabaseHandle } from '../db/client.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { openTempDatabase } from '../../test/harness/temp-local-store.js';
import { AuditLogReader } from './audit-log-reader.js';
import { AuditChain } from './chain.js';

const START = Date.parse('2026-11-01T00:00:00Z');
const ROWS = 60;
const OPERATIONS = ['kms.sign', 'kms.sign', 'certificate.issue', 'kms.generateKeyPair', 'auth.signIn', 'kms.sign'];
const ACTORS = ['user:alice', 'user:bob', 'system:ocsp', 'token:t1'];
const STATUSES = ['success', 'success', 'success', 'success', 'failure', 'success', 'denied'] as const;

interface SeededRow {
  seq: number;
  timestamp: number;
  actor: string;
  operation: string;
  entityType: string;
  entityId: string | null;
  status: string;
  requestId: string;
}

/** Records the SQL and parameters of every statement run while `work` runs. */
function capturingStatements<T>(
  sqlite: Database.Database,
  work: () => T,
): { result: T; statements: [string, unknown[]][] } {
  const statements: [string, unknown[]][] = [];
  const prepare = sqlite.prepare.bind(sqlite);
  const spied = (source: string) => {
    const statement = prepare(source);
    for (const method of ['all', 'get', 'iterate', 'raw', 'run'] as const) {
      const original = (statement as unknown as Record<string, (...args: unknown[]) => unknown>)[method];
      if (original === undefined) continue;
      (statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        if (method !== 'raw') statements.push([source, args]);
        const answer = original.apply(statement, args);
        return answer === statement ? (statement as unknown) : answer;
      };
    }
    return statement;
  };
  sqlite.prepare = spied as typeof sqlite.prepare;
  try {
    return { result: work(), statements };
  } finally {
    sqlite.prepare = prepare;
  }
}

function planOf(sqlite: Database.Database, source: string, args: unknown[]): string {
  return (sqlite.prepare(`EXPLAIN QUERY PLAN ${source}`).all(...args) as { detail: string }[])
    .map((row) => row.detail)
    .join(' | ');
}

describe('AuditLogReader', () => {
  let database: DatabaseHandle;
  let reader: AuditLogReader;
  let seeded: SeededRow[];
  let cleanup: () => void;

  beforeEach(() => {
    const temp = openTempDatabase('pki-audit-reader-');
    database = temp.database;
    cleanup = () => {
      database.close();
      rmSync(temp.dataDir, { recursive: true, force: true });
    };
    reader = new AuditLogReader(database);
    const chain = new AuditChain(database.sqlite);
    seeded = [];
    chain.transaction(() => {
      for (let index = 0; index < ROWS; index += 1) {
        const row = {
          timestamp: START + index * 60_000,
          actor: ACTORS[index % ACTORS.length] ?? 'anonymous',
          operation: OPERATIONS[index % OPERATIONS.length] ?? 'kms.sign',
          entityType: index % 5 === 0 ? 'certificate' : 'kms_key',
          entityId: index % 7 === 0 ? null : `entity-${index % 3}`,
          status: STATUSES[index % STATUSES.length] ?? 'success',
          // Three rows per request, as an issuance writes.
          requestId: `req-${Math.floor(index / 3)}`,
        };
        const record = chain.append({ ...row, details: { index } });
        seeded.push({ ...row, seq: record.seq });
      }
    });
  });
  afterEach(() => cleanup());

  /** Every page of a listing, following the cursor; also the SQL each page ran. */
  function listAll(input: ListAuditInput) {
    const items: AuditEntry[] = [];
    const statements: [string, unknown[]][] = [];
    let cursor: string | undefined;
    do {
      const page = capturingStatements(database.sqlite, () =>
        reader.list({ ...input, limit: 4, ...(cursor === undefined ? {} : { cursor }) }),
      );
      items.push(...page.result.items);
      statements.push(...page.statements);
      cursor = page.result.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return { items, statements };
  }

  const since = new Date(START + 10 * 60_000).toISOString();
  const until = new Date(START + 40 * 60_000).toISOString();
  const FILTERS: { name: string; input: ListAuditInput; matches: (row: SeededRow) => boolean }[] = [
    { name: 'none', input: {}, matches: () => true },
    { name: 'time range', input: { since, until }, matches: (row) => row.seq >= 11 && row.seq <= 41 },
    { name: 'since only', input: { since }, matches: (row) => row.seq >= 11 },
    { name: 'until only', input: { until }, matches: (row) => row.seq <= 41 },
    { name: 'actor', input: { actor: 'user:bob' }, matches: (row) => row.actor === 'user:bob' },
    {
      name: 'operation',
      input: { operation: 'certificate.issue' },
      matches: (row) => row.operation === 'certificate.issue',
    },
    { name: 'signatures', input: { operation: 'kms.sign' }, matches: (row) => row.operation === 'kms.sign' },
    { name: 'failures', input: { status: 'failure' }, matches: (row) => row.status === 'failure' },
    { name: 'denials', input: { status: 'denied' }, matches: (row) => row.status === 'denied' },
    { name: 'successes', input: { status: 'success' }, matches: (row) => row.status === 'success' },
    {
      name: 'entity',
      input: { entityType: 'kms_key', entityId: 'entity-1' },
      matches: (row) => row.entityType === 'kms_key' && row.entityId === 'entity-1',
    },
    { name: 'request id', input: { requestId: 'req-4' }, matches: (row) => row.requestId === 'req-4' },
    {
      name: 'actor in a time range',
      input: { actor: 'system:ocsp', since, until },
      matches: (row) => row.actor === 'system:ocsp' && row.seq >= 11 && row.seq <= 41,
    },
    {
      name: 'operation and status',
      input: { operation: 'kms.sign', status: 'failure' },
      matches: (row) => row.operation === 'kms.sign' && row.status === 'failure',
    },
    {
      name: 'failures in a time range',
      input: { status: 'failure', since, until },
      matches: (row) => row.status === 'failure' && row.seq >= 11 && row.seq <= 41,
    },
    {
      name: 'entity and operation',
      input: { entityType: 'kms_key', entityId: 'entity-2', operation: 'kms.sign' },
      matches: (row) => row.entityType === 'kms_key' && row.entityId === 'entity-2' && row.operation === 'kms.sign',
    },
    {
      name: 'actor and status',
      input: { actor: 'user:alice', status: 'success' },
      matches: (row) => row.actor === 'user:alice' && row.status === 'success',
    },
    {
      name: 'signatures in a time range',
      input: { operation: 'kms.sign', since, until },
      matches: (row) => row.operation === 'kms.sign' && row.seq >= 11 && row.seq <= 41,
    },
    {
      name: 'request id and operation',
      input: { requestId: 'req-7', operation: 'kms.sign' },
      matches: (row) => row.requestId === 'req-7' && row.operation === 'kms.sign',
    },
  ];

  for (const filter of FILTERS) {
    for (const order of ['desc', 'asc'] as const) {
      it(`lists by ${filter.name}, ${order === 'desc' ? 'newest' : 'oldest'} first, every page an index walk`, () => {
        const { items, statements } = listAll({ ...filter.input, order });
        const expected = seeded.filter(filter.matches).map((row) => row.seq);
        if (order === 'desc') expected.reverse();
        expect(expected.length).toBeGreaterThan(0);
        expect(items.map((item) => item.seq)).toEqual(expected);
        expect(statements.length).toBeGreaterThan(0);
        for (const [source, args] of statements) {
          const plan = planOf(database.sqlite, source, args);
          // Every step searches an index or a primary-key range: no scan, no sort.
          for (const step of plan.split(' | ')) {
            if (step === 'SCAN CONSTANT ROW' || /^SCALAR SUBQUERY/.test(step)) continue;
            expect({ source, step }).toMatchObject({ step: expect.stringMatching(/^SEARCH audit_log( |$)/) as string });
          }
          expect(plan).not.toMatch(/TEMP B-TREE/);
        }
      });
    }
  }

  it('uses the index each filter is meant for', () => {
    const planFor = (input: ListAuditInput) => {
      const { statements } = capturingStatements(database.sqlite, () => reader.list(input));
      const listing = statements.find(([source]) => source.startsWith('select'));
      if (listing === undefined) throw new Error('no listing statement');
      return planOf(database.sqlite, listing[0], listing[1]);
    };
    expect(planFor({ requestId: 'req-1' })).toMatch(/USING INDEX audit_log_request_idx \(request_id=\?/);
    expect(planFor({ status: 'failure' })).toMatch(/USING INDEX audit_log_unsuccessful_idx \(status=\?/);
    expect(planFor({ actor: 'user:bob' })).toMatch(/USING INDEX audit_log_actor_seq_idx \(actor=\?/);
    expect(planFor({ operation: 'auth.signIn' })).toMatch(/USING INDEX audit_log_operation_unsigned_idx/);
    expect(planFor({ entityType: 'kms_key', entityId: 'entity-1' })).toMatch(
      /USING INDEX audit_log_entity_idx \(entity_type=\? AND entity_id=\?/,
    );
    expect(planFor({ since, until })).toMatch(/USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/);
  });

  it('refuses an entity id without its type or a type without its id, and a forged cursor', () => {
    expect(() => reader.list({ entityId: 'entity-1' })).toThrow(/entityType/);
    expect(() => reader.list({ entityType: 'kms_key' })).toThrow(/entityType/);
    expect(() => reader.list({ cursor: 'abc' })).toThrow(ValidationError);
  });

  it('gets one row with every field, and NOT_FOUND past the tip, writing no row', () => {
    const row = reader.get({ seq: 5 });
    expect(row).toMatchObject({ seq: 5, requestId: 'req-1', details: { index: 4 } });
    expect(row.prevHash).toBe(reader.get({ seq: 4 }).hash);
    expect(row.prevHash).toMatch(/^[0-9a-f]{64}$/);
    const error = (() => {
      try {
        reader.get({ seq: ROWS + 1 });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ code: 'AUDIT_ROW_NOT_FOUND' });
    const count = database.sqlite.prepare('SELECT count(*) FROM audit_log').pluck().get();
    expect(count).toBe(ROWS);
  });
});
