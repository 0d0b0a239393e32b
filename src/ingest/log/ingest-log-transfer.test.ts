import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sqliteAdapterHarness } from '../../store/sqlite/testing/sqlite-adapter-harness.js';
import { pgFreshSchemas } from '../../store/postgres/testing/pg-test-schema.js';
import { transferContract, type TransferSide } from '../../store/transfer.contract.js';
import { allRows } from '../../store/transfer.js';
import { SqliteIngestLog } from './sqlite-ingest-log.js';
import { PgIngestLog } from './pg-ingest-log.js';
import type { LogEntryInput } from './ingest-log.js';

type Log = SqliteIngestLog | PgIngestLog;
const h = sqliteAdapterHarness('ingest-log', (db) => new SqliteIngestLog(db));
const pg = pgFreshSchemas('log_transfer');
const sqlite: TransferSide<Log> = {
  name: 'sqlite',
  create: () => h.create(),
  destroy: async (l) => {
    await l.close();
    await h.destroy(l as SqliteIngestLog);
  },
};
const postgres: TransferSide<Log> = { name: 'postgres', create: async () => PgIngestLog.open({ pool: pg.pool, schema: await pg.fresh() }), destroy: (l) => l.close() };

const entry = (i: number, extra: Partial<LogEntryInput> = {}): LogEntryInput => ({ sandboxId: 'sb', orgId: 'org', kind: 'xdm', receivedAt: 1000 + i, payload: JSON.stringify({ i }), ...extra });
const CONSUMERS = ['lake', 'downstream', 'never-committed'];

transferContract<Log>(
  'ingest-log',
  sqlite,
  postgres,
  async (l) => {
    await l.append([entry(1, { inletId: 'in-1', datasetId: 'ds-1', key: 'ECID:1', requestId: 'r-1', meta: { flowId: 'f', n: 2 } }), entry(2, { key: '' })]);
    await l.append([entry(3, { payload: '{"id":820982911946154508,"s":"Zoë \\"q\\" 🚀"}' })]);
    await l.append(Array.from({ length: 1100 }, (_, i) => entry(10 + i)));
    await l.truncateBefore(2); // the head stays above what is left
    await l.commit('lake', 900);
    await l.commit('downstream', 3);
  },
  async (a, b) => {
    assert.equal(await b.head(), await a.head());
    assert.deepEqual(await b.read(0, 5000), await a.read(0, 5000));
    assert.deepEqual(await b.read(500, 3), await a.read(500, 3));
    for (const c of CONSUMERS) {
      assert.equal(await b.committed(c), await a.committed(c), c);
      assert.equal(await b.backlog(c), await a.backlog(c), c);
    }
  },
  [
    ['an entry without a payload', [{ t: 'entry', offset: 5, sandboxId: 'sb', orgId: 'o', kind: 'xdm', receivedAt: 1 }]],
    ['an entry at offset 0', [{ t: 'entry', ...entry(1), offset: 0 }]],
    ['a head that is not a number', [{ t: 'head', offset: '7' }]],
    ['meta that is not an object', [{ t: 'entry', ...entry(1), offset: 9, meta: [1] }]],
  ],
);

describe('ingest log after an import', () => {
  for (const [from, to] of [[sqlite, postgres], [postgres, sqlite]] as const)
    it(`${from.name} → ${to.name}: the next append continues after the imported head, even when its entries were truncated`, async () => {
      const a = await from.create();
      const b = await to.create();
      try {
        await a.append([entry(1), entry(2), entry(3)]);
        await a.truncateBefore(3);
        for await (const batch of a.exportRows()) await b.importRows(batch);
        assert.deepEqual(await b.append([entry(4)]), [4]);
        assert.deepEqual((await allRows(b)).map((r) => (r as { t: string }).t), ['entry', 'head'], 'the new entry and the head');
      } finally {
        await from.destroy(a);
        await to.destroy(b);
      }
    });
});
