import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LANE_STEPS } from './lake-lane.js';
import { eventEntry, openProcessorFixture, SANDBOX } from './testing/processor-fixture.js';

const script = fileURLToPath(new URL('./testing/crash-processor.ts', import.meta.url));

/** Runs the processor child until it kills itself after `step` of a lake write; returns the acknowledged `_id`s. */
function runUntilKilled(dir: string, step: string): Promise<Set<string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir, step], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked = new Set<string>();
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (l.startsWith('ack ')) acked.add(l.slice(4));
    });
    child.on('error', reject);
    child.on('exit', (_c, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`processor exited without being killed (${signal})`))));
  });
}

/** Restarts over the crashed directory, resends every acknowledged `_id` during the restart and after it, and reads the lake. */
async function restartAndResend(dir: string, acked: Set<string>) {
  const fx = await openProcessorFixture(dir);
  try {
    const resend = () => fx.log.append([...acked].map((id) => eventEntry(id)));
    await resend();
    await fx.processor.drain();
    await resend();
    await fx.processor.drain();
    const rows = await fx.lake.query(SANDBOX, 'SELECT _id, count(*)::INT AS n FROM events GROUP BY _id ORDER BY _id');
    const failed = await fx.failed.list({ sandboxId: SANDBOX, limit: 100 });
    return { rows: rows as Array<{ _id: string; n: number }>, failed: failed.map((f) => JSON.parse(f.payload).e._id as string).sort() };
  } finally {
    await fx.close();
  }
}

describe('lake `_id` dedupe across a crash at each step of a lake write (kill -9, then every acknowledged id resent)', () => {
  for (const step of LANE_STEPS)
    it(`crash after "${step}": every acknowledged _id is in the lake exactly once`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `kith-dedupe-crash-${step}-`));
      try {
        const acked = await runUntilKilled(dir, step);
        assert.equal(acked.size, 500);
        const { rows, failed } = await restartAndResend(dir, acked);
        assert.deepEqual(rows.filter((r) => r.n !== 1), [], 'ids stored more than once');
        assert.deepEqual(new Set(rows.map((r) => r._id)), acked);
        // invalid events: recorded as failed once each (idempotent per log offset), never in the lake
        assert.deepEqual(failed, ['bad-1', 'bad-2']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
});
