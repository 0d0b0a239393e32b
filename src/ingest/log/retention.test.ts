import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../shared/clock.js';
import { openSqlite } from '../../store/sqlite/open.js';
import { pgFreshSchemas } from '../../store/postgres/testing/pg-test-schema.js';
import type { IngestLog } from './ingest-log.js';
import { PgIngestLog } from './pg-ingest-log.js';
import { LogRetention } from './retention.js';
import { SqliteIngestLog } from './sqlite-ingest-log.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const pgSchemas = pgFreshSchemas('ret');

/** Every adapter, the same cases (real SQLite file, real Postgres). */
const adapters: Array<{ name: string; open(): Promise<{ log: IngestLog; dispose(): Promise<void> }> }> = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'kith-retention-'));
      const db = openSqlite(dir, 'ingest-log', { synchronous: 'FULL' });
      const log = new SqliteIngestLog(db);
      return { log, dispose: async () => (await log.close(), db.close(), rmSync(dir, { recursive: true, force: true })) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = await pgSchemas.fresh();
      const log = await PgIngestLog.open({ pool: pgSchemas.pool, schema });
      return { log, dispose: async () => (await log.close(), await pgSchemas.drop(schema)) };
    },
  },
];

/** Appends `n` entries, the i-th received at `at(i)`. */
async function fill(log: IngestLog, n: number, at: (i: number) => number): Promise<number[]> {
  return log.append(Array.from({ length: n }, (_, i) => ({ sandboxId: 'sb', orgId: 'org', kind: 'xdm', receivedAt: at(i), payload: JSON.stringify({ i }) })));
}

for (const a of adapters) {
  describe(`LogRetention (${a.name})`, () => {
    /** Runs `fn` on a fresh log of this adapter, disposed after. */
    const withLog = async (fn: (log: IngestLog) => Promise<void>) => {
      const { log, dispose } = await a.open();
      try {
        await fn(log);
      } finally {
        await dispose();
      }
    };
    // entry k (1..10) received at T0 + (k - 1) minutes; the clock at T0 + 30 min
    const cases: Array<{ name: string; retentionMin: number; lake: number; downstream: number | undefined; oldestAfter: number }> = [
      { name: 'deletes what every consumer committed and is older than the retention', retentionMin: 25, lake: 10, downstream: 10, oldestAfter: 7 },
      { name: 'keeps what a slower consumer has not committed, however old', retentionMin: 0, lake: 10, downstream: 3, oldestAfter: 4 },
      { name: 'a consumer that never committed holds everything', retentionMin: 0, lake: 10, downstream: undefined, oldestAfter: 1 },
      { name: 'retention 0 deletes as soon as consumed', retentionMin: 0, lake: 10, downstream: 10, oldestAfter: 11 },
      { name: 'nothing old enough: nothing deleted', retentionMin: 31, lake: 10, downstream: 10, oldestAfter: 1 },
      { name: 'the boundary is inclusive (received exactly retention ago goes)', retentionMin: 28, lake: 10, downstream: 10, oldestAfter: 4 },
    ];
    for (const c of cases)
      it(c.name, () =>
        withLog(async (log) => {
          const clock = new ManualClock(T0 + 30 * MIN);
          await fill(log, 10, (i) => T0 + i * MIN);
          await log.commit('lake', c.lake);
          if (c.downstream !== undefined) await log.commit('downstream', c.downstream);
          const r = new LogRetention(log, { retentionMs: c.retentionMin * MIN, consumers: ['lake', 'downstream'], clock, stepEntries: 2 });
          const run = await r.run();
          assert.equal(run.deleted, c.oldestAfter - 1);
          assert.equal((await log.read(0, 1))[0]?.offset ?? 11, c.oldestAfter);
          assert.equal(await log.head(), 10, 'the head never moves back');
          // what is left reads back whole, in order
          assert.deepEqual((await log.read(0, 100)).map((e) => e.offset), Array.from({ length: 11 - c.oldestAfter }, (_, i) => c.oldestAfter + i));
        }));

    it('a long expired backlog goes over several runs, maxStepsPerRun × stepEntries at a time, and offsets are never reused', () =>
      withLog(async (log) => {
        const clock = new ManualClock(T0 + 60 * MIN);
        await fill(log, 100, () => T0);
        await log.commit('lake', 100);
        await log.commit('downstream', 100);
        const r = new LogRetention(log, { retentionMs: MIN, consumers: ['lake', 'downstream'], clock, stepEntries: 10, maxStepsPerRun: 3 });
        assert.deepEqual(await r.run(), { deleted: 30 });
        assert.deepEqual(await r.run(), { deleted: 30 });
        assert.equal(await r.oldestOffset(), 61);
        assert.deepEqual(await r.status(await log.head()), { retentionMinutes: 1, oldestOffset: 61, entries: 40 });
        await r.run();
        assert.deepEqual(await r.run(), { deleted: 10 });
        assert.equal(await r.oldestOffset(), undefined);
        assert.deepEqual(await r.run(), { deleted: 0 }, 'an empty log: nothing to do');
        assert.deepEqual(await r.status(await log.head()), { retentionMinutes: 1, oldestOffset: 101, entries: 0 });
        const [next] = await fill(log, 1, () => T0);
        assert.equal(next, 101);
      }));

    it('minAgeMs keeps entries younger than it even with retention 0', () =>
      withLog(async (log) => {
        await fill(log, 4, (i) => T0 + i * MIN);
        await log.commit('lake', 4);
        const r = new LogRetention(log, { retentionMs: 0, minAgeMs: 2 * MIN, consumers: ['lake'], clock: new ManualClock(T0 + 3 * MIN) });
        assert.equal((await r.run()).deleted, 2, 'received at T0 and T0+1 min are 2+ minutes old');
        assert.equal(await r.oldestOffset(), 3);
      }));

    it('time moving on releases entries the retention kept', () =>
      withLog(async (log) => {
        const clock = new ManualClock(T0);
        await fill(log, 5, (i) => T0 + i * MIN);
        await log.commit('lake', 5);
        await log.commit('downstream', 5);
        const r = new LogRetention(log, { retentionMs: 10 * MIN, consumers: ['lake', 'downstream'], clock });
        assert.equal((await r.run()).deleted, 0);
        clock.set(T0 + 12 * MIN); // entries received at T0, T0+1, T0+2 min are 10+ minutes old
        assert.equal((await r.run()).deleted, 3);
        assert.equal(await r.oldestOffset(), 4);
      }));

    describe('invalid input', () => {
      it('no consumers: nothing is ever consumed, nothing deleted', () =>
        withLog(async (log) => {
          await fill(log, 3, () => T0);
          const r = new LogRetention(log, { retentionMs: 0, consumers: [], clock: new ManualClock(T0 + MIN) });
          assert.deepEqual(await r.run(), { deleted: 0 });
          assert.equal(await r.oldestOffset(), 1);
        }));
      it('a consumer marker beyond the head deletes no more than exists', () =>
        withLog(async (log) => {
          await fill(log, 3, () => T0);
          await log.commit('lake', 99);
          const r = new LogRetention(log, { retentionMs: 0, consumers: ['lake'], clock: new ManualClock(T0 + MIN) });
          assert.equal((await r.run()).deleted, 3);
          const [next] = await fill(log, 1, () => T0);
          assert.equal(next, 4);
        }));
      it('a negative or non-numeric retention is refused when built', () => {
        for (const retentionMs of [-1, Number.NaN])
          assert.throws(() => new LogRetention({} as IngestLog, { retentionMs, consumers: ['lake'], clock: new ManualClock() }), /retention/);
      });
    });
  });
}
