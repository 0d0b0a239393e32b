/**
 * The bare baseline the ingest issue names: a minimal node:http server that parses the same requests and
 * inserts each message into SQLite in one transaction per request (WAL, synchronous=FULL like Kith's log).
 */
import http from 'node:http';
import Database from 'better-sqlite3';

const db = new Database(process.argv[2] ?? ':memory:');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE IF NOT EXISTS msgs (id INTEGER PRIMARY KEY, received_at INTEGER, payload TEXT)');
const ins = db.prepare('INSERT INTO msgs(received_at, payload) VALUES (?, ?)');
const many = db.transaction((msgs: unknown[], now: number) => {
  for (const m of msgs) ins.run(now, JSON.stringify(m));
});

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages?: unknown[] };
      const now = Date.now();
      const msgs = req.url!.startsWith('/collection/batch/') ? (body.messages ?? []) : [body];
      many(msgs, now);
      res.writeHead(req.url!.startsWith('/collection/batch/') ? 207 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ receivedTimeMs: now, count: msgs.length }));
    } catch {
      res.writeHead(400);
      res.end();
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`listening on http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}\n`);
});
