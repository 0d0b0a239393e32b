import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pgFreshSchemas } from '../../store/postgres/testing/pg-test-schema.js';
import { appliedMigrations } from '../../store/postgres/migrations.js';
import { journeyStoreContract } from './journey-store.contract.js';
import { instance, stepEvent } from './testing/journey-store-fixtures.js';
import { PgJourneyStore } from './pg-journey-store.js';
import type { JourneyStore } from './journey-store.js';

const { pool, fresh, drop } = pgFreshSchemas('journey');
// a fresh schema per store: sequences start over and migrations run as on a new deployment
const schemaOf = new Map<JourneyStore, string>();
const open = async (schema: string) => {
  const s = await PgJourneyStore.open({ pool, schema });
  schemaOf.set(s, schema);
  return s;
};
const quote = (v: string) => `'${v.replaceAll("'", "''")}'`;

journeyStoreContract('postgres', {
  create: async () => open(await fresh()),
  reopen: async (s) => {
    await s.close();
    const schema = schemaOf.get(s)!;
    schemaOf.delete(s);
    return open(schema);
  },
  destroy: async (s) => {
    await s.close();
    await drop(schemaOf.get(s)!);
    schemaOf.delete(s);
  },
  refuseStepEvent: async (s, id) => {
    const sc = schemaOf.get(s)!;
    await pool.query(`CREATE FUNCTION ${sc}.refuse_step() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.event::json->>'id' = ${quote(id)} THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_step BEFORE INSERT ON ${sc}.kith_journey_outbox FOR EACH ROW EXECUTE FUNCTION ${sc}.refuse_step()`);
  },
});

describe('PgJourneyStore on PostgreSQL', () => {
  it('tables come from versioned migrations (store "journey"); opening twice migrates once', async () => {
    const schema = await fresh();
    try {
      await PgJourneyStore.open({ pool, schema });
      await PgJourneyStore.open({ pool, schema });
      assert.equal((await appliedMigrations(pool, schema)).get('journey'), 1);
    } finally {
      await drop(schema);
    }
  });

  it('concurrent commits and enqueues: seqs become visible in order (a reader never steps past one still to commit)', async () => {
    const schema = await fresh();
    try {
      const s = await PgJourneyStore.open({ pool, schema });
      const n = 200;
      let writing = true;
      let read = 0;
      // a reader that moves its position as the lake copy does, racing the writers: a row it stepped over is never read
      const reader = (async () => {
        let pos = 0;
        for (;;) {
          const last = !writing;
          const rows = await s.readOutbox(pos, 1000);
          read += rows.length;
          pos = rows.at(-1)?.seq ?? pos;
          if (last && rows.length === 0) return;
        }
      })();
      await Promise.all(Array.from({ length: n }, (_, i) => s.commit({ instances: [instance(`c${i}`)], stepEvents: [stepEvent(`c${i}:0`)] })));
      writing = false;
      await reader;
      assert.equal(read, n);
      await Promise.all(Array.from({ length: 10 }, (_, i) => s.enqueue([{ sandboxId: 'sb', personKey: 'k', kind: 'event', dedupeKey: `d${i}`, payload: '{}', at: i }])));
      const seqs = (await s.readInbox(0, 100)).map((x) => x.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
      assert.equal((await s.readInbox(0, 100)).length, 10);
    } finally {
      await drop(schema);
    }
  });

  it('concurrent units writing the same instances, cursors and outbox never deadlock (the unit lock comes first)', async () => {
    const schema = await fresh();
    try {
      const s = await PgJourneyStore.open({ pool, schema });
      await s.enqueue(Array.from({ length: 40 }, (_, i) => ({ sandboxId: 'sb', personKey: 'k', kind: 'event' as const, dedupeKey: `d${i}`, payload: '{}', at: i })));
      const seqs = (await s.readInbox(0, 100)).map((x) => x.seq);
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => {
          const pair = [instance('a', { steps: i }), instance('b', { steps: i })];
          return s.commit({ instances: i % 2 ? pair : pair.reverse(), stepEvents: [stepEvent(`a:${i}`)], consumed: [seqs[i]!, seqs[39 - i]!], cursors: { x: i, y: i } });
        }),
      );
      assert.equal((await s.readOutbox(0, 100)).length, 40);
      assert.deepEqual(await s.readInbox(0, 100), []);
    } finally {
      await drop(schema);
    }
  });
});
