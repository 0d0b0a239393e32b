/**
 * bench/journey/timers: 100,000 waits (BENCH_TIMERS) ending at the same instant T, a few seconds ahead on the real
 * clock. The engine runs its ticker as the server does (tickMs 200, src/journey/wiring.ts) over a real SQLite
 * journey.db; each instance waits at `w` (wait → end). Lateness = when the instance's next step committed (the store's
 * commit returned) minus T; p50/p99, target p99 ≤ 2 s. Baseline in the same run: the same due rows on a fresh
 * journey.db read and rewritten by a plain loop (`due(now, 5000)` then one `commit` ending them with a step event each).
 * The waiting instances are written straight into the store beforehand (as the interpreter leaves them at a wait).
 * Prints one JSON object.
 *   node --import tsx bench/journey/timers.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hardware } from '../hardware.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { systemClock } from '../../src/shared/clock.js';
import { SqliteJourneyStore } from '../../src/journey/store/sqlite-journey-store.js';
import { JourneyEngine } from '../../src/journey/engine/runner.js';
import { sortableIds } from '../../src/journey/engine/instance-ids.js';
import { journeyOf, versionOf } from '../../src/journey/engine/testing/fixtures.js';
import { FakeActions, FakeDefinitions, FakePeople } from '../../src/journey/engine/testing/engine-fakes.js';
import type { JourneyInstance, StepEvent } from '../../src/journey/journey-types.js';
import type { JourneyStore } from '../../src/journey/store/journey-store.js';

const N = Number(process.env.BENCH_TIMERS ?? 100_000);
const LEAD_MS = Number(process.env.BENCH_TIMERS_LEAD_MS ?? 3000);
const TICK_MS = 200;
const UNIT = 5000;
const epochNow = () => performance.timeOrigin + performance.now();
const pct = (s: number[], p: number) => (s.length ? Number(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!.toFixed(1)) : NaN);

const version = versionOf('j1', {
  entry: { type: 'readAudience', segmentId: 's1', namespace: 'Email', schedule: { frequency: 'once' }, next: 'w' },
  nodes: [{ id: 'w', type: 'wait', seconds: 5, next: 'end' }, { id: 'end', type: 'end' }],
});

/** N instances waiting at `w` until T, as the interpreter leaves them after entering (a start step written). */
async function populate(store: JourneyStore, due: number): Promise<void> {
  const newId = sortableIds(systemClock);
  const now = Date.now();
  for (let b = 0; b < N; b += UNIT) {
    const is: JourneyInstance[] = [];
    for (let k = b; k < Math.min(N, b + UNIT); k++) {
      const identity = { namespace: 'Email', id: `m${k}@x.io` };
      is.push({
        id: newId(), sandboxId: 'sb', journeyId: 'j1', versionId: version.id, personKey: `email:m${k}@x.io`, identity, status: 'waiting', nodeId: 'w',
        parentNodeId: 'start', wait: { kind: 'timer', due }, instanceType: 'batch', inTest: false, enteredAt: now, updatedAt: now, steps: 1,
      });
    }
    await store.commit({ instances: is });
  }
}

function open(): { store: SqliteJourneyStore; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kith-bench-timers-'));
  const db = openSqlite(dir, 'journey');
  return { store: new SqliteJourneyStore(db), done: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
}

const summary = (late: number[], T: number, lastAt: number) => {
  late.sort((a, b) => a - b);
  return { fired: late.length, p50ms: pct(late, 50), p99ms: pct(late, 99), maxms: pct(late, 100), firedPerSec: Math.round(late.length / ((lastAt - T) / 1000)) };
};

async function engineRun(): Promise<ReturnType<typeof summary>> {
  const { store, done } = open();
  try {
    const T = Date.now() + LEAD_MS + N / 20; // the writes of the setup fit in the lead
    await populate(store, T);
    const late: number[] = [];
    let lastAt = 0;
    let finished: () => void = () => undefined;
    const all = new Promise<void>((r) => (finished = r));
    const commit = store.commit.bind(store);
    store.commit = async (u) => {
      await commit(u);
      const at = epochNow();
      for (const i of u.instances ?? []) if (i.nodeId !== 'w' || i.status === 'ended') late.push(at - T);
      lastAt = at;
      if (late.length >= N) finished();
    };
    const defs = new FakeDefinitions().add(journeyOf('j1'), version);
    const engine = new JourneyEngine({ store, definitions: defs, people: new FakePeople(), actions: new FakeActions(), clock: systemClock, onError: (e) => console.error(e), options: { tickMs: TICK_MS } });
    engine.start();
    // the engine's ticker is unref'd (it never holds a process open): this keeps the bench alive until the last step
    const alive = setInterval(() => undefined, 1000);
    await all;
    clearInterval(alive);
    await engine.close();
    return summary(late, T, lastAt);
  } finally {
    done();
  }
}

async function baselineRun(): Promise<ReturnType<typeof summary>> {
  const { store, done } = open();
  try {
    const T = Date.now() + LEAD_MS + N / 20;
    await populate(store, T);
    await new Promise((r) => setTimeout(r, Math.max(0, T - Date.now())));
    const late: number[] = [];
    let lastAt = 0;
    for (;;) {
      const due = await store.due(Date.now(), UNIT);
      if (due.length === 0) break;
      const now = Date.now();
      const ended = due.map((i): JourneyInstance => ({ ...i, status: 'ended', nodeId: 'end', parentNodeId: 'w', wait: undefined, endedAt: now, updatedAt: now, steps: i.steps + 1 }));
      const steps = due.map((i): StepEvent => ({
        id: `${i.id}:${i.steps}`, sandboxId: i.sandboxId, timestamp: now, journeyId: i.journeyId, journeyVersionId: i.versionId, journeyVersionName: version.definition.name,
        journeyVersion: '1.0', instanceId: i.id, instanceType: i.instanceType, identity: i.identity, nodeId: 'w', nodeName: 'w', nodeType: 'wait',
        stepStatus: 'ended', entrance: false, instanceEnded: true, inTest: false, eventID: 'timer', processingTime: now - i.updatedAt,
      }));
      await store.commit({ instances: ended, stepEvents: steps });
      lastAt = epochNow();
      for (let k = 0; k < due.length; k++) late.push(lastAt - T);
    }
    return summary(late, T, lastAt);
  } finally {
    done();
  }
}

const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));

const loadBefore = load();
const baseline = await baselineRun();
const engine = await engineRun();
console.log(JSON.stringify({
  bench: 'journey/timers',
  figure: engine.p99ms,
  unit: `ms of lateness, p99, of ${N} waits due at the same instant (their next step committed − due)`,
  engine: { ...engine, tickMs: TICK_MS },
  baseline: { what: 'the same due rows read and rewritten by a plain loop over the store (due + commit of 5,000)', ...baseline },
  target: { p99ms: 2000, met: engine.p99ms <= 2000 },
  loadavg: { before: loadBefore, after: load() },
  hardware: hardware(),
}));
