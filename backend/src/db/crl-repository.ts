/**
 * `crls`: the latest CRL of each CA (RFC 5280 §5), kept as DER so serving it costs a row
 * read and no signature. Each method is one synchronous unit of work, so it can run inside
 * an audited operation's transaction (audit/audit-log.ts `commit`).
 */
import { eq } from 'drizzle-orm';

import type { DatabaseHandle } from './client.js';
import { crls } from './schema.js';

export type CrlRow = typeof crls.$inferSelect;

export interface CrlRepository {
  findLatest(caId: string): CrlRow | undefined;
  /** Stores the CA's new CRL in place of the one before. */
  replaceLatest(crl: CrlRow): void;
}

export class SqliteCrlRepository implements CrlRepository {
  readonly #database: DatabaseHandle;

  constructor(database: DatabaseHandle) {
    this.#database = database;
  }

  findLatest(caId: string): CrlRow | undefined {
    return this.#database.db.select().from(crls).where(eq(crls.caId, caId)).get();
  }

  replaceLatest(crl: CrlRow): void {
    const { crlNumber, thisUpdate, nextUpdate, entryCount, der } = crl;
    this.#database.db
      .insert(crls)
      .values(crl)
      .onConflictDoUpdate({ target: crls.caId, set: { crlNumber, thisUpdate, nextUpdate, entryCount, der } })
      .run();
  }
}
