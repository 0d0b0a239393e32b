import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sqliteAdapterHarness } from '../../store/sqlite/testing/sqlite-adapter-harness.js';
import { SqliteIngestLog } from '../../ingest/log/sqlite-ingest-log.js';
import { PROCESSOR_CONSUMERS } from '../../ingest/processor/lake-processor.js';
import { LAG_THRESHOLD_MS, processingLag } from './operations.js';
import type { CheckContext } from './check-context.js';
import type { DoctorDeps } from '../doctor-ports.js';

/** Check 9 over a real ingest log (SQLite): entries the processor has not committed, and a processor that is down. */
describe('9. processing lag', () => {
  const h = sqliteAdapterHarness('ingest-log', (db) => new SqliteIngestLog(db));
  let log: SqliteIngestLog;
  let running = true;
  const T0 = Date.UTC(2026, 5, 1);
  const ctx = (now: number, pending = 0) =>
    ({
      deps: { log, processorRunning: () => running } as unknown as DoctorDeps,
      namespace: 'Email',
      ns: undefined,
      id: 'ann@example.com',
      now,
      sightings: { pending: { count: pending } },
    }) as unknown as CheckContext;
  before(async () => {
    log = await h.create();
  });
  after(() => h.destroy(log));

  it('passes with nothing waiting', async () => {
    const c = await processingLag(ctx(T0));
    assert.equal(c.status, 'pass');
    assert.equal(c.evidence.backlog, 0);
  });

  it('fails when the oldest entry not finished is older than the threshold, and passes once the processor caught up', async () => {
    await log.append([1, 2, 3].map((i) => ({ sandboxId: 'sb', orgId: 'o', kind: 'xdm', receivedAt: T0 + i, payload: '{}' })));
    assert.equal((await processingLag(ctx(T0 + 1000, 2))).status, 'pass', 'young entries are in flight, not a lag');
    const behind = await processingLag(ctx(T0 + LAG_THRESHOLD_MS + 10_000, 2));
    assert.equal(behind.status, 'fail');
    assert.match(behind.summary, /behind: 3 entries wait, the oldest received 70 s ago \(2 name Email:ann@example.com\)/);
    assert.deepEqual([behind.evidence.backlog, behind.evidence.logHead], [3, 3]);
    await log.commit(PROCESSOR_CONSUMERS[0]!, 3);
    assert.equal((await processingLag(ctx(T0 + LAG_THRESHOLD_MS + 10_000))).status, 'fail', 'one consumer behind is enough');
    for (const m of PROCESSOR_CONSUMERS) await log.commit(m, 3);
    const caught = await processingLag(ctx(T0 + LAG_THRESHOLD_MS + 10_000));
    assert.equal(caught.status, 'pass');
    assert.match(caught.summary, /finished every log entry/);
  });

  it('fails while the processor is down, passes once it is back', async () => {
    running = false;
    const down = await processingLag(ctx(T0));
    assert.equal(down.status, 'fail');
    assert.match(down.summary, /not running/);
    running = true;
    assert.equal((await processingLag(ctx(T0))).status, 'pass');
  });
});
