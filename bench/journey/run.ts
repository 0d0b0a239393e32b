/**
 * bench/journey: batch entry throughput of the journey engine (one thread, no HTTP): an audience read of N members
 * (default 1,000,000; `KITH_BENCH_JOURNEY_MEMBERS`) enters a read-audience journey whose first node is a wait, over a
 * real SQLite journey.db in a temp dir. Measures instances started per second from the enqueued run to the last
 * commit, and the commits it took. Prints one JSON object. Target: >= 20,000 instances/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { ManualClock } from '../../src/shared/clock.js';
import { SqliteJourneyStore } from '../../src/journey/store/sqlite-journey-store.js';
import { JourneyEngine } from '../../src/journey/engine/runner.js';
import { journeyOf, T0, versionOf } from '../../src/journey/engine/testing/fixtures.js';
import { FakeActions, FakeDefinitions, FakePeople } from '../../src/journey/engine/testing/engine-fakes.js';

const N = Number(process.env.KITH_BENCH_JOURNEY_MEMBERS ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'kith-bench-journey-'));
const db = openSqlite(dir, 'journey');
const store = new SqliteJourneyStore(db);
let commits = 0;
const commit = store.commit.bind(store);
store.commit = (u) => (commits++, commit(u));
const defs = new FakeDefinitions();
const version = versionOf('j1', {
  entry: { type: 'readAudience', segmentId: 's1', namespace: 'Email', schedule: { frequency: 'once' }, next: 'w' },
  nodes: [{ id: 'w', type: 'wait', seconds: 3600, next: 'end' }, { id: 'end', type: 'end' }],
});
defs.add(journeyOf('j1'), version);
const engine = new JourneyEngine({ store, definitions: defs, people: new FakePeople(), actions: new FakeActions(), clock: new ManualClock(T0), onError: (e) => console.error(e) });

async function* members() {
  for (let i = 0; i < N; i++) yield { namespace: 'Email', id: `m${i}@x.io` };
}
const t0 = performance.now();
await engine.startAudienceRead('sb', 'j1', version.id, 'run1', members());
const t1 = performance.now();
await engine.drain();
const t2 = performance.now();
await engine.close();
const started = (await store.instancesOfVersion('sb', version.id, { status: 'active' })).length;
console.log(JSON.stringify({
  bench: 'journey-batch-entry', members: N, started, commits,
  enqueueMs: Math.round(t1 - t0), entryMs: Math.round(t2 - t1), instancesPerSecond: Math.round((started / (t2 - t1)) * 1000),
}));
db.close();
rmSync(dir, { recursive: true, force: true });
