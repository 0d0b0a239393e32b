import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lake } from './lake.js';

const script = fileURLToPath(new URL('./testing/crash-writer.ts', import.meta.url));

/** Runs the writer until it has committed `chunks` more chunks, SIGKILLs it, returns the last acked upTo. */
function runAndKill(dir: string, chunks: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    let acked = 0;
    let seen = 0;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        if (l.startsWith('start')) continue;
        acked = Number(l);
        if (++seen === chunks) child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (_c, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`writer exited without being killed (${signal})`))));
  });
}

describe('lake crash safety (kill -9 during writes)', () => {
  it('after each crash every acked offset is in the lake exactly once and the progress matches the rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-lake-crash-'));
    try {
      let acked = 0;
      for (let round = 0; round < 2; round++) {
        acked = await runAndKill(dir, 6);
        const lake = await Lake.open(dir);
        const progress = await lake.progress('lake');
        assert.ok(progress >= acked, `progress ${progress} behind acked ${acked}`);
        const [s] = await lake.query('sb', 'SELECT count(*) AS n, count(DISTINCT _kith_offset) AS d, min(_kith_offset) AS lo, max(_kith_offset) AS hi FROM events');
        assert.deepEqual(s, { n: progress, d: progress, lo: 1, hi: progress });
        // a replay of everything the log still holds adds nothing
        await lake.write('lake', progress, Array.from({ length: 50 }, (_, i) => ({ sandboxId: 'sb', table: 'events', id: `r${i}`, timestamp: null, batchId: 'B', offset: progress - i, ingestedAt: 0, record: '{}' })));
        assert.equal((await lake.query('sb', 'SELECT count(*) AS n FROM events'))[0]!.n, progress);
        await lake.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
