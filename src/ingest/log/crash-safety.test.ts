import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqlite } from '../../store/sqlite/open.js';
import { SqliteIngestLog } from './sqlite-ingest-log.js';

const script = fileURLToPath(new URL('./testing/crash-appender.ts', import.meta.url));

/** Runs the appender child until it has acked at least `minAcks` entries, then SIGKILLs it; returns the acked lines. */
function runAndKill(dir: string, minAcks: number): Promise<Map<number, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked = new Map<number, string>();
    let buf = '';
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        if (l === 'ready') continue;
        const sp = l.indexOf(' ');
        acked.set(Number(l.slice(0, sp)), l.slice(sp + 1));
      }
      if (!killed && acked.size >= minAcks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`child exited without being killed (${signal})`))));
  });
}

describe('ingest log crash safety (kill -9)', () => {
  it('every acked offset is readable with its payload after SIGKILL, twice over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-crash-'));
    try {
      const all = new Map<number, string>();
      for (let round = 0; round < 2; round++) {
        const acked = await runAndKill(dir, 3000);
        assert.ok(acked.size >= 3000);
        for (const [o, p] of acked) all.set(o, p);
        const db = openSqlite(dir, 'ingest-log', { synchronous: 'FULL' });
        const log = new SqliteIngestLog(db);
        const head = await log.head();
        const stored = new Map((await log.read(0, head + 1)).map((e) => [e.offset, e.payload]));
        for (const [o, p] of all) assert.equal(stored.get(o), p, `acked offset ${o} lost or changed`);
        assert.ok(head >= Math.max(...all.keys()));
        // offsets are contiguous: nothing half-written
        assert.equal(stored.size, head);
        await log.close();
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
