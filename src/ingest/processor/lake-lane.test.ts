import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../store/sqlite/open.js';
import { Lake } from '../../lake/lake.js';
import { SqliteFailedRecordsStore } from '../../lake/sqlite-failed-records-store.js';
import { SqliteSeenIds } from '../../lake/sqlite-seen-ids.js';
import { SqliteIngestLog } from '../log/sqlite-ingest-log.js';
import { LakeLane, type LakeChunk } from './lake-lane.js';
import type { LakeRow, LakeSink } from './processor-ports.js';

const row = (offset: number, id = `e${offset}`): LakeRow => ({ sandboxId: 'sb1', table: 'events', id, timestamp: 1_700_000_000_000 + offset, batchId: 'b1', offset, ingestedAt: 1, record: JSON.stringify({ _id: id }) });
const chunk = (from: number, to: number, extra: Partial<LakeChunk> = {}): LakeChunk => {
  const rows: LakeRow[] = [];
  for (let o = from; o <= to; o++) rows.push(row(o));
  return { upTo: to, rows, failed: [], ids: new Map([['sb1/ds', rows.map((r) => r.id!)]]), schemas: new Set(['sb1\u0000schema']), ...extra };
};

describe('LakeLane (lake writes trailing the downstream steps)', () => {
  let dir: string;
  let lake: Lake;
  let failed: SqliteFailedRecordsStore;
  let seen: SqliteSeenIds;
  let log: SqliteIngestLog;
  let n = 0;
  const fresh = async () => {
    const d = join(dir, String(n++));
    lake = await Lake.open(d);
    const failedDb = openSqlite(d, 'failed-records');
    failed = new SqliteFailedRecordsStore(failedDb);
    seen = new SqliteSeenIds(failedDb);
    log = new SqliteIngestLog(openSqlite(d, 'ingest-log'));
  };
  before(() => (dir = mkdtempSync(join(tmpdir(), 'kith-lane-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes chunks in order, moves the lake marker with them and remembers their ids only after the write', async () => {
    await fresh();
    const writes: number[] = [];
    const counting: LakeSink = { progress: (c) => lake.progress(c), countBatch: (...a) => lake.countBatch(...a), write: async (c, upTo, rows) => { writes.push(rows.length); await lake.write(c, upTo, rows); } };
    const landed: string[] = [];
    const lane = new LakeLane({ lake: counting, failed, seen, log, consumer: 'lake', onLanded: async (sb, schema) => void landed.push(`${sb}/${schema}`) });
    lane.push(chunk(1, 3));
    lane.push(chunk(4, 6));
    lane.push(chunk(7, 10));
    // ids are answered from memory until they are in the seen-ids store
    assert.equal(lane.holds('sb1/ds', 'e9'), true);
    await lane.idle();
    assert.equal(lane.error, undefined);
    assert.equal(lane.committed, 10);
    assert.equal(await lake.progress('lake'), 10);
    assert.equal(await log.committed('lake'), 10);
    assert.equal(lane.holds('sb1/ds', 'e9'), false);
    assert.deepEqual([...(await seen.seen('sb1/ds', ['e1', 'e9', 'e11']))].sort(), ['e1', 'e9']);
    // the seen mark moved with the ids (LakeProcessor restarts from it)
    assert.equal(await seen.rememberedThrough('lake'), 10);
    const rows = await lake.query('sb1', 'SELECT count(*)::INT AS n, min(_kith_offset)::INT AS lo, max(_kith_offset)::INT AS hi FROM events');
    assert.deepEqual(rows, [{ n: 10, lo: 1, hi: 10 }]);
    // the first chunk went alone; the two queued behind it were written together (group commit)
    assert.deepEqual(writes, [3, 7]);
    assert.deepEqual(landed, ['sb1/schema']);
    assert.equal(lane.backlog(), 0);
  });

  it('gathers chunks for gatherMs after a write (one commit for many), and writes at once for whoever waits (idle)', async () => {
    await fresh();
    const writes: number[] = [];
    const counting: LakeSink = { progress: (c) => lake.progress(c), countBatch: (...a) => lake.countBatch(...a), write: async (c, upTo, rows) => { writes.push(rows.length); await lake.write(c, upTo, rows); } };
    const lane = new LakeLane({ lake: counting, failed, seen, log, consumer: 'lake', gatherMs: 60_000 });
    lane.push(chunk(1, 2));
    // the first write goes at once; the chunks after it wait for the window (a minute here: nobody waits that long)
    while (writes.length === 0) await new Promise((r) => setTimeout(r, 5));
    lane.push(chunk(3, 5));
    await new Promise((r) => setTimeout(r, 50));
    lane.push(chunk(6, 9));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(writes, [2]);
    assert.equal(lane.holds('sb1/ds', 'e8'), true);
    await lane.idle();
    assert.deepEqual(writes, [2, 7]);
    assert.equal(lane.committed, 9);
    assert.equal(await lake.progress('lake'), 9);
  });

  it('runs a task after the chunks queued before it (a batch is finalised once its rows are in)', async () => {
    await fresh();
    const lane = new LakeLane({ lake, failed, seen, log, consumer: 'lake' });
    let counted = -1;
    lane.push(chunk(1, 5));
    lane.task(async () => void (counted = await lake.countBatch('sb1', 'events', 'b1')));
    lane.push(chunk(6, 7));
    await lane.idle();
    assert.equal(counted, 5);
  });

  it('a replayed chunk lands once (rows at or below the marker are skipped)', async () => {
    await fresh();
    const lane = new LakeLane({ lake, failed, seen, log, consumer: 'lake' });
    lane.push(chunk(1, 4));
    await lane.idle();
    lane.push(chunk(1, 6));
    await lane.idle();
    assert.deepEqual(await lake.query('sb1', 'SELECT count(*)::INT AS n FROM events'), [{ n: 6 }]);
  });

  describe('invalid input and failures', () => {
    it('after a failed write nothing later runs (the marker never passes a missing chunk) until reset', async () => {
      await fresh();
      let fail = true;
      const flaky: LakeSink = { progress: (c) => lake.progress(c), countBatch: (...a) => lake.countBatch(...a), write: async (c, upTo, rows) => { if (fail) throw new Error('disk full'); await lake.write(c, upTo, rows); } };
      const lane = new LakeLane({ lake: flaky, failed, seen, log, consumer: 'lake' });
      let ran = false;
      lane.push(chunk(1, 2));
      lane.task(async () => void (ran = true));
      lane.push(chunk(3, 4));
      await lane.idle();
      assert.match(String(lane.error), /disk full/);
      assert.equal(ran, false);
      assert.equal(await lake.progress('lake'), 0);
      assert.equal(lane.committed, 0);
      // the processor resets the lane to the stored marker and replays
      fail = false;
      lane.reset(await lake.progress('lake'));
      assert.equal(lane.holds('sb1/ds', 'e1'), false);
      lane.push(chunk(1, 4));
      await lane.idle();
      assert.equal(lane.error, undefined);
      assert.deepEqual(await lake.query('sb1', 'SELECT count(*)::INT AS n FROM events'), [{ n: 4 }]);
    });

    it('a chunk with nothing to write still moves the marker (entries that all failed validation)', async () => {
      await fresh();
      const lane = new LakeLane({ lake, failed, seen, log, consumer: 'lake' });
      lane.push({ upTo: 3, rows: [], failed: [{ sandboxId: 'sb1', datasetId: 'ds', batchId: 'b1', offset: 3, code: 'X', reason: 'bad', payload: '{}' }], ids: new Map(), schemas: new Set() });
      await lane.idle();
      assert.equal(await lake.progress('lake'), 3);
      assert.equal(await seen.rememberedThrough('lake'), 3);
      assert.equal(await failed.countBatch('sb1', 'b1'), 1);
    });
  });
});
