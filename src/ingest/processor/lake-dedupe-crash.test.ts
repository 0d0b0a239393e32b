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
function runUntilKilled(dir: string, step: string): Promise<{ acked: Set<string>; batchId: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir, step], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked = new Set<string>();
    let batchId = '';
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines)
        if (l.startsWith('ack ')) acked.add(l.slice(4));
        else if (l.startsWith('batch ')) batchId = l.slice(6);
    });
    child.on('error', reject);
    child.on('exit', (_c, signal) => (signal === 'SIGKILL' ? resolve({ acked, batchId }) : reject(new Error(`processor exited without being killed (${signal})`))));
  });
}

/** Restarts over the crashed directory, resends every acknowledged `_id` during the restart and after it, and reads the lake. */
async function restartAndResend(dir: string, acked: Set<string>, batchId: string) {
  const fx = await openProcessorFixture(dir);
  try {
    const resend = () => fx.log.append([...acked].map((id) => eventEntry(id)));
    await resend();
    await fx.processor.drain();
    await resend();
    await fx.processor.drain();
    const rows = await fx.lake.query(SANDBOX, 'SELECT _id, count(*)::INT AS n FROM events GROUP BY _id ORDER BY _id');
    const failed = await fx.failed.list({ sandboxId: SANDBOX, limit: 100 });
    const batch = await fx.catalog.getBatch(SANDBOX, batchId);
    return { rows: rows as Array<{ _id: string; n: number }>, failed: failed.map((f) => JSON.parse(f.payload).e._id as string).sort(), batch: { status: batch?.status, recordCount: batch?.view.recordCount } };
  } finally {
    await fx.close();
  }
}

describe('lake `_id` dedupe across a crash at each step of a lake write (kill -9, then every acknowledged id resent)', () => {
  for (const step of LANE_STEPS)
    it(`crash after "${step}": every acknowledged _id is in the lake exactly once, the import batch is finalised`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `kith-dedupe-crash-${step}-`));
      try {
        const { acked, batchId } = await runUntilKilled(dir, step);
        assert.equal(acked.size, 520);
        const { rows, failed, batch } = await restartAndResend(dir, acked, batchId);
        assert.deepEqual(rows.filter((r) => r.n !== 1), [], 'ids stored more than once');
        assert.deepEqual(new Set(rows.map((r) => r._id)), acked);
        // invalid events: recorded as failed once each (idempotent per log offset), never in the lake
        assert.deepEqual(failed, ['bad-1', 'bad-2']);
        // the import batch whose end was in the crashed write is finalised (its end is read again if need be)
        assert.deepEqual(batch, { status: 'success', recordCount: 20 });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
});
