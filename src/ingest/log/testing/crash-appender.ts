/**
 * Child process of the crash-safety test: appends to the SQLite ingest log in a loop (a mix of concurrent
 * single-entry appends and 10-entry appends) and prints `<offset> <payload>` for every acked entry.
 * Usage: node --import tsx crash-appender.ts <dataDir>
 */
import { openSqlite } from '../../../store/sqlite/open.js';
import { SqliteIngestLog } from '../sqlite-ingest-log.js';

const dir = process.argv[2]!;
const log = new SqliteIngestLog(openSqlite(dir, 'ingest-log', { synchronous: 'FULL' }));
let i = 0;
const entry = () => ({ sandboxId: 'sb', orgId: 'org', kind: 'xdm', receivedAt: Date.now(), key: `k${i % 7}`, payload: JSON.stringify({ i: i++, pid: process.pid }) });
process.stdout.write('ready\n');
for (;;) {
  const calls = [
    ...Array.from({ length: 20 }, () => [entry()]),
    Array.from({ length: 10 }, entry),
  ];
  await Promise.all(
    calls.map(async (entries) => {
      const offs = await log.append(entries);
      process.stdout.write(offs.map((o, j) => `${o} ${entries[j]!.payload}\n`).join(''));
    }),
  );
}
