import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lake } from './lake.js';
import type { LakeRow } from '../ingest/processor/processor-ports.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0, 250);
const row = (offset: number, extra: Partial<LakeRow> = {}): LakeRow => ({
  sandboxId: 'sb-1',
  table: 'orders',
  id: `ev-${offset}`,
  timestamp: T0 + offset,
  batchId: 'B1',
  offset,
  ingestedAt: T0,
  record: JSON.stringify({ _id: `ev-${offset}`, commerce: { order: { priceTotal: offset * 1.5, currencyCode: 'EUR' } }, tags: ['a', 'b'] }),
  ...extra,
});
const range = (from: number, to: number, extra: Partial<LakeRow> = {}) => Array.from({ length: to - from + 1 }, (_, i) => row(from + i, extra));

describe('Lake (DuckDB)', () => {
  let dir = '';
  let lake: Lake;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kith-lake-'));
    lake = await Lake.open(dir);
  });
  after(async () => {
    await lake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = async (sandboxId: string, table: string) => (await lake.query(sandboxId, `SELECT count(*) AS n FROM ${table}`))[0]!.n;

  it('creates one table per dataset inside the sandbox schema, idempotently', async () => {
    assert.equal(await lake.ensureDatasetTable('sb-1', 'orders'), 's_sb1.orders');
    assert.equal(await lake.ensureDatasetTable('sb-1', 'orders'), 's_sb1.orders');
    assert.equal(Lake.qualified('sb-1', 'orders'), 's_sb1.orders');
    assert.deepEqual(await lake.tables('sb-1'), ['orders']);
    const cols = await lake.query('sb-1', "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 's_sb1' AND table_name = 'orders' ORDER BY ordinal_position");
    assert.deepEqual(
      cols.map((c) => `${c.column_name} ${c.data_type}`),
      ['_id VARCHAR', 'timestamp TIMESTAMP WITH TIME ZONE', '_kith_batch_id VARCHAR', '_kith_offset BIGINT', '_kith_ingested_at TIMESTAMP WITH TIME ZONE', 'record JSON'],
    );
  });

  it('writes rows and returns plain JS values; nested XDM is queryable', async () => {
    await lake.write('lake', 3, range(1, 3));
    const rows = await lake.query(
      'sb-1',
      `SELECT _id, "timestamp", _kith_offset, _kith_ingested_at, record->>'$.commerce.order.currencyCode' AS cur,
              CAST(json_extract(record, '$.commerce.order.priceTotal') AS DOUBLE) AS total, record
       FROM orders WHERE _kith_offset >= $1 ORDER BY _kith_offset`,
      [2],
    );
    assert.deepEqual(rows.map((r) => ({ ...r, record: JSON.parse(String(r.record)) })), [
      { _id: 'ev-2', timestamp: new Date(T0 + 2).toISOString(), _kith_offset: 2, _kith_ingested_at: new Date(T0).toISOString(), cur: 'EUR', total: 3, record: JSON.parse(row(2).record) },
      { _id: 'ev-3', timestamp: new Date(T0 + 3).toISOString(), _kith_offset: 3, _kith_ingested_at: new Date(T0).toISOString(), cur: 'EUR', total: 4.5, record: JSON.parse(row(3).record) },
    ]);
    assert.equal(await count('sb-1', 'orders'), 3);
    assert.equal(await lake.progress('lake'), 3);
    assert.equal(await lake.countBatch('sb-1', 'orders', 'B1'), 3);
  });

  it('converts integers beyond 2^53 to strings and keeps nulls (records have no timestamp)', async () => {
    await lake.write('lake', 4, [row(4, { id: null, timestamp: null, table: 'profiles' })]);
    const [r] = await lake.query('sb-1', 'SELECT _id, "timestamp", 9007199254740993::BIGINT AS big, 12.25::DECIMAL(6,2) AS dec FROM profiles');
    assert.deepEqual(r, { _id: null, timestamp: null, big: '9007199254740993', dec: '12.25' });
  });

  describe('exactly-once under log replay', () => {
    it('re-applying an already-applied range adds nothing', async () => {
      await lake.write('lake', 3, range(1, 3));
      assert.equal(await count('sb-1', 'orders'), 3);
      assert.equal(await lake.progress('lake'), 4);
    });

    it('an overlapping range adds only the new offsets', async () => {
      await lake.write('lake', 8, range(2, 8));
      const offs = (await lake.query('sb-1', 'SELECT _kith_offset AS o FROM orders ORDER BY 1')).map((r) => r.o);
      assert.deepEqual(offs, [1, 2, 3, 5, 6, 7, 8]);
      assert.equal(await lake.progress('lake'), 8);
    });

    it('progress never moves backwards', async () => {
      await lake.write('lake', 6, []);
      assert.equal(await lake.progress('lake'), 8);
    });

    it('progress and rows survive a reopen, and replay after it is still a no-op', async () => {
      await lake.close();
      lake = await Lake.open(dir);
      assert.equal(await lake.progress('lake'), 8);
      await lake.write('lake', 8, range(1, 8));
      assert.equal(await count('sb-1', 'orders'), 7);
    });

    it('consumers have independent progress', async () => {
      assert.equal(await lake.progress('other'), 0);
      await lake.write('other', 1, [row(1, { table: 'other_orders' })]);
      assert.equal(await lake.progress('other'), 1);
      assert.equal(await lake.progress('lake'), 8);
    });
  });

  it('a write larger than one data chunk (2,048 rows) lands whole, in order, nulls kept, in two tables at once', async () => {
    const rows = [...range(1001, 6000, { table: 'big' }), ...range(6001, 6010, { table: 'big_two', id: null, timestamp: null })];
    await lake.write('big', 6010, rows);
    const [r] = await lake.query('sb-1', `SELECT count(*)::INTEGER AS n, count(_id)::INTEGER AS ids, min(_kith_offset)::INTEGER AS lo, max(_kith_offset)::INTEGER AS hi,
      sum((record->>'$.commerce.order.priceTotal')::DOUBLE) AS total FROM big`);
    assert.deepEqual(r, { n: 5000, ids: 5000, lo: 1001, hi: 6000, total: Array.from({ length: 5000 }, (_, i) => (1001 + i) * 1.5).reduce((a, b) => a + b, 0) });
    const [x] = await lake.query('sb-1', 'SELECT count(*)::INTEGER AS n, count(_id)::INTEGER AS ids, count("timestamp")::INTEGER AS ts FROM big_two');
    assert.deepEqual(x, { n: 10, ids: 0, ts: 0 });
    const [t] = await lake.query('sb-1', `SELECT "timestamp", _kith_ingested_at FROM big WHERE _kith_offset = 4097`);
    assert.deepEqual(t, { timestamp: new Date(T0 + 4097).toISOString(), _kith_ingested_at: new Date(T0).toISOString() });
  });

  it('appendRecords appends without moving any progress', async () => {
    await lake.appendRecords('sb-1', 'imports', range(100, 104).map(({ sandboxId: _s, table: _t, ...r }) => r));
    assert.equal(await count('sb-1', 'imports'), 5);
    assert.equal(await lake.progress('lake'), 8);
  });

  it('sandboxes are hard partitions: the same table name never meets', async () => {
    await lake.write('lake', 9, [row(9, { sandboxId: 'sb-2', id: 'other-sandbox' })]);
    assert.deepEqual((await lake.query('sb-2', 'SELECT _id FROM orders')).map((r) => r._id), ['other-sandbox']);
    assert.equal(await count('sb-1', 'orders'), 7);
    assert.deepEqual(await lake.tables('sb-2'), ['orders']);
    assert.deepEqual(await lake.tables('sb-none'), []);
  });

  describe('invalid input', () => {
    const badTables = ['orders; DROP TABLE x', '1abc', 'a-b', '', 'a"b'];
    for (const t of badTables)
      it(`rejects table name ${JSON.stringify(t)} without writing anything`, async () => {
        await assert.rejects(lake.write('lake', 50, [row(50, { table: t })]), /invalid lake identifier/);
        await assert.rejects(lake.ensureDatasetTable('sb-1', t), /invalid lake identifier/);
        assert.equal(await lake.progress('lake'), 9);
      });

    it('a failed write leaves neither rows nor progress', async () => {
      await assert.rejects(lake.write('lake', 60, [row(60), row(61, { table: 'bad name' })]));
      assert.equal(await lake.progress('lake'), 9);
      assert.equal((await lake.query('sb-1', 'SELECT count(*) AS n FROM orders WHERE _kith_offset = 60'))[0]!.n, 0);
      await lake.write('lake', 60, [row(60)]);
      assert.equal((await lake.query('sb-1', 'SELECT count(*) AS n FROM orders WHERE _kith_offset = 60'))[0]!.n, 1);
    });

    it('a SQL error rejects and the lake stays usable', async () => {
      await assert.rejects(lake.query('sb-1', 'SELEC nonsense'));
      await assert.rejects(lake.query('sb-1', 'SELECT * FROM no_such_table'));
      assert.equal(await count('sb-1', 'orders'), 8);
    });
  });
});
