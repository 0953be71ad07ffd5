/**
 * A separate process appending to the audit chain of a shared SQLite file, for the
 * concurrent-writers test. better-sqlite3 is synchronous, so only separate processes (or
 * threads) really race for the write lock. Protocol: prints "ready", waits for one line on
 * stdin (the start signal, so all writers begin together), appends, prints "done".
 * Usage: node --import tsx append-worker.ts <database> <count> <writer-name>
 */
import Database from 'better-sqlite3';

import { AuditChain } from '../chain.js';

const [databasePath, countText, writer] = process.argv.slice(2);
if (databasePath === undefined || countText === undefined || writer === undefined) {
  throw new Error('usage: append-worker.ts <database> <count> <writer-name>');
}
// The pragmas of db/client.ts openDatabase (imported directly would pull @pki/shared's build).
const sqlite = new Database(databasePath);
sqlite.pragma('journal_mode = WAL');
sqlite.pragma('busy_timeout = 5000');
sqlite.pragma('synchronous = NORMAL');
const chain = new AuditChain(sqlite);

process.stdout.write('ready\n');
process.stdin.once('data', () => {
  for (let index = 0; index < Number(countText); index += 1) {
    chain.transaction(() =>
      chain.append({
        actor: writer,
        operation: 'test.concurrentAppend',
        entityType: 'test',
        entityId: `${writer}-${index}`,
        status: 'success',
        details: { writer, index },
      }),
    );
  }
  sqlite.close();
  process.stdout.write('done\n');
  process.exit(0);
});
