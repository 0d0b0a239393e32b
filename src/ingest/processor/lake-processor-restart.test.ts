import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASET, eventEntry, openProcessorFixture, SANDBOX } from './testing/processor-fixture.js';
import type { LakeRow } from './processor-ports.js';

const KEY = `${SANDBOX}/${DATASET.id}`;
const ids = Array.from({ length: 10 }, (_, i) => `e${i + 1}`);
const row = (i: number): LakeRow => ({ sandboxId: SANDBOX, table: DATASET.tableName, id: ids[i]!, timestamp: 0, batchId: 'b0', offset: i + 1, ingestedAt: 0, record: JSON.stringify({ _id: ids[i] }) });

/**
 * A data directory as a crash leaves it: events e1..e10 at offsets 1..10 of the log, all in the lake (lake marker
 * 10), their ids remembered up to `remembered`, the seen mark at `mark` (undefined: never written, as before marks),
 * the log's lake marker at `logLake` and downstream at `downstream`.
 */
interface State {
  remembered: number;
  mark: number | undefined;
  logLake: number;
  downstream: number;
}

describe('LakeProcessor restart: the seen mark says where `_id`s must be remembered again', () => {
  let dir = '';
  let n = 0;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'kith-restart-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Builds the state, restarts (optionally with the dataset deleted), resends every id, and reads what was stored. */
  async function restart(s: State, datasetDeleted = false) {
    const d = join(dir, String(n++));
    const setup = await openProcessorFixture(d);
    await setup.log.append(ids.map((id) => eventEntry(id)));
    await setup.lake.write('lake', 10, ids.map((_, i) => row(i)));
    await setup.seen.remember(KEY, ids.slice(0, s.remembered));
    if (s.mark !== undefined) await setup.seen.rememberThrough('lake', s.mark, new Map());
    await setup.log.commit('lake', s.logLake);
    await setup.log.commit('downstream', s.downstream);
    await setup.close();
    const fx = await openProcessorFixture(d, { datasetDeleted });
    try {
      await fx.log.append(ids.map((id) => eventEntry(id)));
      await fx.processor.drain();
      return {
        rows: (await fx.lake.query(SANDBOX, 'SELECT _id, count(*)::INT AS n FROM events GROUP BY _id ORDER BY _id')) as Array<{ _id: string; n: number }>,
        failed: (await fx.failed.list({ sandboxId: SANDBOX, limit: 100 })).map((f) => f.offset),
        mark: await fx.seen.rememberedThrough('lake'),
        logLake: await fx.log.committed('lake'),
      };
    } finally {
      await fx.close();
    }
  }

  const cases: Array<{ name: string; state: State }> = [
    { name: 'crash after the DuckDB commit, before the ids and the mark (downstream ahead)', state: { remembered: 5, mark: 5, logLake: 5, downstream: 10 } },
    { name: 'a directory from before seen marks: the log lake marker stands in for the mark', state: { remembered: 5, mark: undefined, logLake: 5, downstream: 10 } },
    { name: 'crash after the mark, before the log lake marker', state: { remembered: 10, mark: 10, logLake: 5, downstream: 10 } },
    { name: 'nothing lost (every marker at 10)', state: { remembered: 10, mark: 10, logLake: 10, downstream: 10 } },
    { name: 'downstream behind everything', state: { remembered: 5, mark: 5, logLake: 5, downstream: 0 } },
  ];
  for (const c of cases)
    it(`${c.name}: each resent id stays stored once`, async () => {
      const r = await restart(c.state);
      assert.deepEqual(r.rows, ids.map((id) => ({ _id: id, n: 1 })).sort((a, b) => a._id.localeCompare(b._id)));
      assert.deepEqual(r.failed, []);
      assert.equal(r.mark, 20);
      assert.equal(r.logLake, 20);
    });

  it('remembering the ids fails once after the DuckDB commit (no crash): the processor starts over from the seen mark', async () => {
    let failures = 1;
    const fx = await openProcessorFixture(join(dir, String(n++)), {
      seen: (store) => ({
        seen: (k, list) => store.seen(k, list),
        remember: (k, list) => store.remember(k, list),
        rememberedThrough: (c) => store.rememberedThrough(c),
        rememberThrough: async (c, upTo, map) => {
          if (failures-- > 0) throw new Error('SQLITE_FULL');
          await store.rememberThrough(c, upTo, map);
        },
      }),
    });
    try {
      await fx.log.append(ids.map((id) => eventEntry(id)));
      await assert.rejects(fx.processor.drain(), /SQLITE_FULL/);
      assert.equal(await fx.lake.progress('lake'), 10, 'the rows are in the lake, their ids are not remembered');
      await fx.log.append(ids.map((id) => eventEntry(id)));
      await fx.processor.drain();
      const rows = await fx.lake.query(SANDBOX, 'SELECT count(*)::INT AS n, count(DISTINCT _id)::INT AS d FROM events');
      assert.deepEqual(rows, [{ n: 10, d: 10 }]);
      assert.equal(await fx.seen.rememberedThrough('lake'), 20);
    } finally {
      await fx.close();
    }
  });

  describe('invalid input', () => {
    it('the dataset was deleted before the restart: its replayed entries are skipped (no failed records, no error); the resent ones fail', async () => {
      const r = await restart({ remembered: 5, mark: 5, logLake: 5, downstream: 10 }, true);
      assert.equal(r.rows.length, 10);
      assert.ok(r.rows.every((x) => x.n === 1));
      assert.deepEqual(r.failed, Array.from({ length: 10 }, (_, i) => 11 + i));
      assert.equal(r.mark, 20);
    });
  });
});
