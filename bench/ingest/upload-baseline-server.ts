/**
 * The upload-memory baseline: a bare node:http server that pipes each request body to a file named after its path.
 *   node --import tsx bench/ingest/upload-baseline-server.ts <dir>
 */
import http from 'node:http';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, basename } from 'node:path';
import { pipeline } from 'node:stream/promises';

const dir = process.argv[2];
if (!dir) throw new Error('usage: upload-baseline-server.ts <dir>');
mkdirSync(dir, { recursive: true });

const server = http.createServer((req, res) => {
  pipeline(req, createWriteStream(join(dir, basename(req.url ?? 'f') || 'f'))).then(
    () => res.writeHead(200).end(),
    () => res.writeHead(400).end(),
  );
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`listening on http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
