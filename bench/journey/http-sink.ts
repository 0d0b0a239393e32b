/**
 * The journeys bench's HTTP endpoint, in its own process: records when each request arrives (epoch ms, sub-ms) by
 * the `key` field of its JSON body, answers 200. Prints `SINK <port>` when listening; `GET /arrivals` answers
 * `{ key: arrivalMs }` for everything received; `GET /count` `{ requests, keys }`: requests received (retries included) and distinct keys.
 *   node --import tsx bench/journey/http-sink.ts
 */
import http from 'node:http';

const arrivals = new Map<string, number>();
const epochNow = () => performance.timeOrigin + performance.now();
let count = 0;
const server = http.createServer((req, res) => {
  const at = epochNow();
  if (req.method === 'GET' && req.url === '/arrivals') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(Object.fromEntries(arrivals)));
    return;
  }
  if (req.method === 'GET' && req.url === '/count') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ requests: count, keys: arrivals.size }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    count++;
    try {
      const key = String((JSON.parse(Buffer.concat(chunks).toString()) as { key?: unknown }).key ?? '');
      if (key && !arrivals.has(key)) arrivals.set(key, at);
    } catch {
      // a body that is not JSON still counts as a request
    }
    res.end('{}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`SINK ${(server.address() as { port: number }).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
