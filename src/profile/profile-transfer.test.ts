import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sqliteAdapterHarness } from '../store/sqlite/testing/sqlite-adapter-harness.js';
import { pgFreshSchemas } from '../store/postgres/testing/pg-test-schema.js';
import { transferContract } from '../store/transfer.contract.js';
import { allRows } from '../store/transfer.js';
import { SqliteProfileStore } from './sqlite-profile-store.js';
import { PgProfileStore } from './pg-profile-store.js';
import type { CaState, StoredEvent } from './fragment-store.js';
import type { IdentityRef } from './identity-resolver.js';

type Store = SqliteProfileStore | PgProfileStore;
const h = sqliteAdapterHarness('profile', (db) => new SqliteProfileStore(db));
const pg = pgFreshSchemas('profile_transfer');
const openPg = async () => PgProfileStore.open({ pool: pg.pool, schema: await pg.fresh() });

const SB = ['sb1', 'sb\u00002'];
const people: IdentityRef[] = Array.from({ length: 1200 }, (_, i) => ({ namespace: i % 2 ? 'Email' : 'CRMID', id: i === 7 ? 'nul\u0000id' : `p${i}` }));
const heavy: IdentityRef = { namespace: 'ECID', id: 'heavy' };
const ev = (ref: IdentityRef, eventId: string, ts: number, over: Partial<StoredEvent> = {}): StoredEvent => ({
  eventId, namespace: ref.namespace, id: ref.id, datasetId: 'dsE', batchId: `b${ts % 3}`, ts, event: { _id: eventId, note: 'ü😀\u0000' }, ingestedAt: ts + 0.5, ...over,
});
const STATE: CaState = { '19000': { sum: 3.5, count: 2, max: 2, min: 1.5, latestTs: 7, latest: { a: [1] } } };

async function seed(s: Store): Promise<void> {
  for (const sb of SB) {
    await s.write(people.map((ref) => ({ sandboxId: sb, ref })), (w) => {
      people.forEach((ref, i) => {
        w.putFragment(sb, { datasetId: 'd1', namespace: ref.namespace, id: ref.id, leaves: { name: [`N${i}`, i], odd: ['a"\\\u0000', 1] }, tags: ['b1', 'b\u00002'], updatedAt: i });
        if (i % 5 === 0) w.putFragment(sb, { datasetId: 'd\u00002', namespace: ref.namespace.toLowerCase(), id: ref.id, leaves: {}, tags: [], updatedAt: i + 0.25 });
        if (i % 4 === 0) w.putCa(sb, 'ca1', ref, STATE);
      });
      w.putCa(sb, 'ca\u00002', people[0]!, {});
    });
    const evs = people.slice(0, 40).flatMap((ref, i) => [ev(ref, `e${i}a`, 1000 + i), ev(ref, `e${i}b`, 1000 + i, { datasetId: 'dsF' })]);
    await s.write(evs.map((e) => ({ sandboxId: sb, ref: e, event: { eventId: e.eventId, cap: 10 } })), (w) => evs.forEach((e) => w.addEvent(sb, e, 10)));
  }
  const many = Array.from({ length: 150 }, (_, i) => ev(heavy, `h${String(i).padStart(3, '0')}`, 5000 + (i % 50)));
  await s.write(many.map((e) => ({ sandboxId: 'sb1', ref: heavy, event: { eventId: e.eventId, cap: 1000 } })), (w) => many.forEach((e) => w.addEvent('sb1', e, 1000)));
}

const refKeys = (refs: IdentityRef[]) => refs.map((r) => `${r.namespace.toLowerCase()}\u0000${r.id}`).sort();

async function check(a: Store, b: Store): Promise<void> {
  const refs = [...people.slice(0, 60), heavy, { namespace: 'nobody', id: 'x' }];
  for (const sb of [...SB, 'never']) {
    assert.deepEqual(await b.fragmentsOf(sb, refs), await a.fragmentsOf(sb, refs), `fragments ${JSON.stringify(sb)}`);
    for (const r of refs.slice(0, 12)) assert.deepEqual(await b.fragmentsOf(sb, [r]), await a.fragmentsOf(sb, [r]));
    assert.equal(await b.countEvents(sb, refs), await a.countEvents(sb, refs));
    for (const q of [{ order: 'asc', limit: 1000 }, { order: 'desc', limit: 7 }, { order: 'asc', limit: 5, from: { ts: 5010, eventId: 'h010' }, startTime: 0, endTime: 6000 }] as const)
      assert.deepEqual(await b.events(sb, refs, q), await a.events(sb, refs, q), `events ${JSON.stringify(q)}`);
    for (const id of ['e3a', 'h149', 'none']) assert.deepEqual(await b.findEvent(sb, refs, id), await a.findEvent(sb, refs, id));
    assert.deepEqual(refKeys(await b.allEventRefs(sb)), refKeys(await a.allEventRefs(sb)));
    assert.deepEqual(refKeys(await b.allRefs(sb)), refKeys(await a.allRefs(sb)));
    for (const ca of ['ca1', 'ca\u00002', 'none']) assert.deepEqual(await b.caStates(sb, ca, people), await a.caStates(sb, ca, people), `ca ${JSON.stringify(ca)}`);
  }
}

transferContract<Store>(
  'profile',
  { name: 'sqlite', create: () => h.create(), destroy: (s) => h.destroy(s as SqliteProfileStore) },
  { name: 'postgres', create: openPg, destroy: async (s) => s.close() },
  seed,
  check,
  [
    ['a fragment whose leaves are not JSON', [{ t: 'fragment', sandbox: 's', ns: 'n', namespace: 'N', id: 'i', dataset: 'd', leaves: '{', tags: [], updatedAt: 1 }]],
    ['a fragment whose tags are not text', [{ t: 'fragment', sandbox: 's', ns: 'n', namespace: 'N', id: 'i', dataset: 'd', leaves: '{}', tags: [1], updatedAt: 1 }]],
    ['an event without a time', [{ t: 'event', sandbox: 's', ns: 'n', namespace: 'N', id: 'i', eventId: 'e', dataset: 'd', batch: 'b', body: '{}', ingestedAt: 1 }]],
    ['an event whose body is an object, not its text', [{ t: 'event', sandbox: 's', ns: 'n', namespace: 'N', id: 'i', eventId: 'e', ts: 1, dataset: 'd', batch: 'b', body: {}, ingestedAt: 1 }]],
    ['a computed-attribute state without its attribute', [{ t: 'ca', sandbox: 's', ns: 'n', id: 'i', state: '{}' }]],
  ],
);

describe('profile import into SQLite: event counts', () => {
  it('an identity above the counted threshold keeps an exact count after the import', async () => {
    const src = await openPg();
    const dst = await h.create();
    try {
      const many = Array.from({ length: 130 }, (_, i) => ev(heavy, `h${i}`, 100 + i));
      await src.write(many.map((e) => ({ sandboxId: 'sb', ref: heavy, event: { eventId: e.eventId, cap: 1000 } })), (w) => many.forEach((e) => w.addEvent('sb', e, 1000)));
      await dst.importRows(await allRows(src));
      const next = ev(heavy, 'h-next', 999);
      const added = await dst.write([{ sandboxId: 'sb', ref: heavy, event: { eventId: next.eventId, cap: 1000 } }], (w) => w.addEvent('sb', next, 1000));
      assert.deepEqual([added.inserted, added.count], [true, 131]);
      assert.equal(await dst.countEvents('sb', [heavy]), 131);
    } finally {
      await h.destroy(dst);
    }
  });
});
