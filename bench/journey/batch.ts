/**
 * bench/journey/batch: batch entry throughput of the journey engine (one thread, no HTTP): an audience read of N members
 * (default 1,000,000; `KITH_BENCH_JOURNEY_MEMBERS`) enters a 3-node read-audience journey (wait 1 h → condition on the
 * profile → end) over a real SQLite journey.db in a temp dir. Figure: instances started per second from the start of
 * the read (members enqueued in the inbox) to the last commit (each instance waiting at its first node, its start step
 * in the outbox). Target ≥ 20,000/s. Baseline in the same run: the same number of instances (each with its start
 * step) written straight into a fresh journey.db by a plain loop (`store.commit` of 5,000), the engine's floor.
 * Prints one JSON object.
 *   node --import tsx bench/journey/batch.ts
 */
import os, { tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hardware } from '../hardware.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { ManualClock } from '../../src/shared/clock.js';
import { SqliteJourneyStore } from '../../src/journey/store/sqlite-journey-store.js';
import { JourneyEngine } from '../../src/journey/engine/runner.js';
import { sortableIds } from '../../src/journey/engine/instance-ids.js';
import { journeyOf, T0, versionOf } from '../../src/journey/engine/testing/fixtures.js';
import { FakeActions, FakeDefinitions, FakePeople } from '../../src/journey/engine/testing/engine-fakes.js';
import type { JourneyInstance, StepEvent } from '../../src/journey/journey-types.js';

const N = Number(process.env.KITH_BENCH_JOURNEY_MEMBERS ?? 1_000_000);
const UNIT = 5000;
const TARGET = 20_000;
const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));

const version = versionOf('j1', {
  entry: { type: 'readAudience', segmentId: 's1', namespace: 'Email', schedule: { frequency: 'once' }, next: 'w' },
  nodes: [
    { id: 'w', type: 'wait', seconds: 3600, next: 'c' },
    { id: 'c', type: 'condition', branches: [{ name: 'gold', condition: 'loyalty.tier = "gold"', next: 'end' }], otherwise: 'end' },
    { id: 'end', type: 'end' },
  ],
});

function open() {
  const dir = mkdtempSync(join(tmpdir(), 'kith-bench-journey-'));
  const db = openSqlite(dir, 'journey');
  return { store: new SqliteJourneyStore(db), done: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
}

async function engineRun() {
  const { store, done } = open();
  try {
    let commits = 0;
    const commit = store.commit.bind(store);
    store.commit = (u) => (commits++, commit(u));
    const engine = new JourneyEngine({
      store, definitions: new FakeDefinitions().add(journeyOf('j1'), version), people: new FakePeople(), actions: new FakeActions(), clock: new ManualClock(T0),
      onError: (e) => console.error(e),
    });
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
    const steps = (await store.readOutbox(0, N + 1)).length;
    return { started, stepEvents: steps, commits, enqueueMs: Math.round(t1 - t0), totalMs: Math.round(t2 - t0), instancesPerSec: Math.round((started / (t2 - t0)) * 1000) };
  } finally {
    done();
  }
}

/** The same instances and start steps, written by a plain loop: what the engine costs on top of its writes. */
async function baselineRun() {
  const { store, done } = open();
  try {
    const newId = sortableIds(new ManualClock(T0));
    const t0 = performance.now();
    for (let b = 0; b < N; b += UNIT) {
      const is: JourneyInstance[] = [];
      const steps: StepEvent[] = [];
      for (let k = b; k < Math.min(N, b + UNIT); k++) {
        const identity = { namespace: 'Email', id: `m${k}@x.io` };
        const i: JourneyInstance = {
          id: newId(), sandboxId: 'sb', journeyId: 'j1', versionId: version.id, personKey: `email:m${k}@x.io`, identity, status: 'waiting', nodeId: 'w',
          parentNodeId: 'start', wait: { kind: 'timer', due: T0 + 3_600_000 }, instanceType: 'batch', inTest: false, enteredAt: T0, updatedAt: T0, steps: 1,
        };
        is.push(i);
        steps.push({
          id: `${i.id}:0`, sandboxId: 'sb', timestamp: T0, journeyId: 'j1', journeyVersionId: version.id, journeyVersionName: version.definition.name, journeyVersion: '1.0',
          instanceId: i.id, instanceType: 'batch', identity, nodeId: 'start', nodeName: 'start', nodeType: 'start', stepStatus: 'transitions', entrance: true,
          instanceEnded: false, inTest: false, eventID: 'audience', processingTime: 0,
        });
      }
      await store.commit({ instances: is, stepEvents: steps });
    }
    const ms = performance.now() - t0;
    return { written: N, totalMs: Math.round(ms), instancesPerSec: Math.round((N / ms) * 1000) };
  } finally {
    done();
  }
}

const loadBefore = load();
const baseline = await baselineRun();
const engine = await engineRun();
console.log(JSON.stringify({
  bench: 'journey/batch-entry',
  figure: engine.instancesPerSec,
  unit: `instances started per second, ${N} audience members into a 3-node journey (wait → condition → end), read start → last commit`,
  engine,
  baseline: { what: 'the same instances and start steps written straight into journey.db by a plain loop (store.commit of 5,000)', ...baseline },
  engineShareOfBaseline: Number((engine.instancesPerSec / baseline.instancesPerSec).toFixed(2)),
  target: { instancesPerSec: TARGET, met: engine.instancesPerSec >= TARGET },
  loadavg: { before: loadBefore, after: load() },
  hardware: hardware(),
}));
