import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASET, eventEntry, openProcessorFixture, PROFILE_DATASET, profileEntry, SANDBOX } from './testing/processor-fixture.js';
import type { RunCounter, RunTally } from './run-tally.js';

type Entry = ReturnType<typeof eventEntry>;

/** Run counters kept in memory: the lake stage's counts summed over every commit past the mark. */
function memoryRuns() {
  const marks = { lake: 0, profile: 0 };
  const totals: Record<string, number> = {};
  const counter: RunCounter = {
    windowMs: 60_000,
    mark: async (stage) => marks[stage],
    commit: async (stage, upTo, tallies: readonly RunTally[]) => {
      if (upTo <= marks[stage]) return;
      marks[stage] = upTo;
      if (stage === 'lake') for (const t of tallies) for (const g of t.groups.values()) for (const [f, n] of Object.entries(g.counts)) totals[f] = (totals[f] ?? 0) + n;
    },
  };
  return { runs: { counter, notPlaced: () => new Set<number>() }, totals };
}

/** A profile record entry with a hand-made payload (invalid-input rows). */
const rawProfile = (x: string, extra: Record<string, unknown>, entity: Record<string, unknown>): Entry => ({
  sandboxId: SANDBOX,
  orgId: 'org1',
  kind: 'xdm',
  receivedAt: 1_700_000_000_000,
  payload: JSON.stringify({ d: PROFILE_DATASET.id, s: PROFILE_DATASET.schemaId, x, src: 'edge:Commerce', c: 'conn-edge', ...extra, e: { identityMap: { CustomerId: [{ id: '1001' }] }, ...entity } }),
  importBatchId: undefined,
} as unknown as Entry);

interface Case {
  name: string;
  /** Appended and drained one after the other (a later send meets the seen-ids store, not the chunk). */
  sends: Entry[][];
  /** Rows per table: `_id` (null: none) and how many times. */
  events?: Array<{ _id: string | null; n: number }>;
  profiles?: Array<{ _id: string | null; n: number }>;
  duplicates: number;
}

describe('LakeProcessor `_id` dedupe: ExperienceEvents and profile records that came through the Edge endpoints', () => {
  let dir = '';
  let k = 0;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'kith-dedupe-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function run(c: Case) {
    const m = memoryRuns();
    const fx = await openProcessorFixture(join(dir, String(k++)), { runs: m.runs });
    try {
      for (const send of c.sends) {
        await fx.log.append(send);
        await fx.processor.drain();
      }
      const count = async (table: string) => (await fx.lake.query(SANDBOX, `SELECT _id, count(*)::INT AS n FROM ${table} GROUP BY _id ORDER BY _id NULLS LAST`).catch(() => [])) as Array<{ _id: string | null; n: number }>;
      return { events: await count(DATASET.tableName), profiles: await count(PROFILE_DATASET.tableName), totals: m.totals, failed: await fx.failed.list({ sandboxId: SANDBOX, limit: 100 }) };
    } finally {
      await fx.close();
    }
  }

  async function check(c: Case) {
    const r = await run(c);
    assert.deepEqual(r.failed, [], 'nothing fails');
    assert.deepEqual(r.events, c.events ?? []);
    assert.deepEqual(r.profiles, c.profiles ?? []);
    assert.equal(r.totals.duplicates ?? 0, c.duplicates, 'duplicates in the flow-run tally');
    const sent = c.sends.flat().length;
    assert.equal(r.totals.received, sent);
    assert.equal(r.totals.ingested, sent - c.duplicates);
  }

  const cases: Case[] = [
    { name: 'a retried ExperienceEvent (same chunk) is dropped', sends: [[eventEntry('e1'), eventEntry('e1')]], events: [{ _id: 'e1', n: 1 }], duplicates: 1 },
    { name: 'a retried Edge profile record (same chunk) is dropped', sends: [[profileEntry('p1', 'edge', 1), profileEntry('p1', 'edge', 2)]], profiles: [{ _id: 'p1', n: 1 }], duplicates: 1 },
    { name: 'a retried Edge profile record (a later send: the seen-ids store) is dropped', sends: [[profileEntry('p1', 'edge', 1)], [profileEntry('p1', 'edge', 2)]], profiles: [{ _id: 'p1', n: 1 }], duplicates: 1 },
    {
      name: 'Edge profile records with different `_id`s (create, update, delete) all land',
      sends: [[profileEntry('p1', 'edge', 1), profileEntry('p2', 'edge', 2), profileEntry('p3', 'edge', 3)]],
      profiles: [{ _id: 'p1', n: 1 }, { _id: 'p2', n: 1 }, { _id: 'p3', n: 1 }],
      duplicates: 0,
    },
    { name: 'the same `_id` on /collection profile records is NOT dropped', sends: [[profileEntry('p1', 'collection', 1), profileEntry('p1', 'collection', 2)], [profileEntry('p1', 'collection', 3)]], profiles: [{ _id: 'p1', n: 3 }], duplicates: 0 },
    { name: 'a /collection record first does not make the Edge record with its `_id` a duplicate', sends: [[profileEntry('p1', 'collection', 1)], [profileEntry('p1', 'edge', 2)]], profiles: [{ _id: 'p1', n: 2 }], duplicates: 0 },
    { name: 'Edge profile records without `_id` are not dropped', sends: [[profileEntry(undefined, 'edge', 1), profileEntry(undefined, 'edge', 2)], [profileEntry(undefined, 'edge', 3)]], profiles: [{ _id: null, n: 3 }], duplicates: 0 },
    { name: 'an event `_id` does not make a profile record with the same `_id` a duplicate (per dataset)', sends: [[eventEntry('x1'), profileEntry('x1', 'edge', 1)]], events: [{ _id: 'x1', n: 1 }], profiles: [{ _id: 'x1', n: 1 }], duplicates: 0 },
  ];
  for (const c of cases) it(c.name, () => check(c));

  describe('invalid input', () => {
    const bad: Case[] = [
      { name: 'a non-string `_id` on an Edge profile record: not deduplicated', sends: [[rawProfile('a', { u: 1 }, { _id: 7 }), rawProfile('b', { u: 1 }, { _id: 7 })]], profiles: [{ _id: '7', n: 2 }], duplicates: 0 },
      { name: 'a mark other than `"u":1` is no mark', sends: [[rawProfile('a', { u: true }, { _id: 'p1' }), rawProfile('b', { u: '1' }, { _id: 'p1' })]], profiles: [{ _id: 'p1', n: 2 }], duplicates: 0 },
    ];
    for (const c of bad) it(c.name, () => check(c));
  });
});
