import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunDelta, RunMetricsStore } from './run-metrics-store.js';

export interface RunMetricsHarness {
  /** A fresh, empty store. */
  create(): Promise<RunMetricsStore>;
  /** The same data through a new adapter instance (a restart). */
  reopen(s: RunMetricsStore): Promise<RunMetricsStore>;
  destroy(s: RunMetricsStore): Promise<void>;
}

const H = 3_600_000;
const delta = (over: Partial<RunDelta> = {}): RunDelta => ({
  sandboxId: 'sb1', flowId: 'f1', connectionId: 'c1', datasetId: 'd1', windowStart: 10 * H, runId: 'run-f1-10', windowMs: H,
  counts: { received: 3, ingested: 2, failed: 1, inputBytes: 300 }, errors: { SCHEMA_VALIDATION: 1 }, firstAt: 10 * H + 5, lastAt: 10 * H + 9, at: 10 * H + 20,
  ...over,
});

/** The contract every RunMetricsStore adapter runs. */
export function runMetricsStoreContract(name: string, h: RunMetricsHarness): void {
  describe(`RunMetricsStore contract: ${name}`, () => {
    let s: RunMetricsStore;
    before(async () => {
      s = await h.create();
    });
    after(async () => h.destroy(s));

    it('starts empty, marks at 0', async () => {
      assert.equal(await s.mark('lake'), 0);
      assert.deepEqual(await s.rows({ sandboxId: 'sb1' }), []);
      assert.deepEqual(await s.errors('sb1', ['run-f1-10']), []);
    });

    it('adds a chunk and moves the stage mark in one call', async () => {
      assert.equal(await s.add('lake', 100, [delta()]), true);
      assert.equal(await s.mark('lake'), 100);
      assert.equal(await s.mark('profile'), 0, 'marks are per stage');
      const [r] = await s.rows({ sandboxId: 'sb1' });
      assert.deepEqual(r, {
        sandboxId: 'sb1', flowId: 'f1', connectionId: 'c1', datasetId: 'd1', windowStart: 10 * H, runId: 'run-f1-10', windowMs: H,
        received: 3, ingested: 2, failed: 1, duplicates: 0, profileIngested: 0, profileNotIngested: 0, inputBytes: 300,
        firstAt: 10 * H + 5, lastAt: 10 * H + 9, updatedAt: 10 * H + 20,
      });
      assert.deepEqual(await s.errors('sb1', ['run-f1-10']), [{ sandboxId: 'sb1', runId: 'run-f1-10', datasetId: 'd1', code: 'SCHEMA_VALIDATION', count: 1 }]);
    });

    it('a replayed chunk (upTo at or below the mark) changes nothing', async () => {
      assert.equal(await s.add('lake', 100, [delta()]), false);
      assert.equal(await s.add('lake', 50, [delta()]), false);
      const [r] = await s.rows({ sandboxId: 'sb1' });
      assert.equal(r!.received, 3);
      assert.equal(await s.mark('lake'), 100);
    });

    it('later chunks add to the same key; times widen; other stages count on their own mark', async () => {
      await s.add('lake', 200, [delta({ counts: { received: 1, duplicates: 1 }, errors: {}, firstAt: 10 * H + 1, lastAt: 10 * H + 50, at: 10 * H + 60 })]);
      await s.add('profile', 150, [delta({ counts: { profileIngested: 1, profileNotIngested: 1 }, errors: { SCHEMA_VALIDATION: 2 }, at: 10 * H + 30 })]);
      const [r] = await s.rows({ sandboxId: 'sb1' });
      assert.deepEqual(
        [r!.received, r!.ingested, r!.failed, r!.duplicates, r!.profileIngested, r!.profileNotIngested, r!.firstAt, r!.lastAt, r!.updatedAt],
        [4, 2, 1, 1, 1, 1, 10 * H + 1, 10 * H + 50, 10 * H + 60],
      );
      assert.equal((await s.errors('sb1', ['run-f1-10']))[0]!.count, 3);
    });

    it('deltas of one key within a chunk are merged', async () => {
      await s.add('lake', 300, [delta({ windowStart: 11 * H, runId: 'run-f1-11' }), delta({ windowStart: 11 * H, runId: 'run-f1-11', counts: { received: 1 }, errors: { SCHEMA_VALIDATION: 4 } })]);
      const [r] = await s.rows({ sandboxId: 'sb1', runId: 'run-f1-11' });
      assert.equal(r!.received, 4);
      assert.equal((await s.errors('sb1', ['run-f1-11']))[0]!.count, 5);
    });

    it('an empty chunk still moves the mark', async () => {
      assert.equal(await s.add('lake', 400, []), true);
      assert.equal(await s.mark('lake'), 400);
    });

    it('rows filter by flow, connection, run, datasets, window range and sandbox', async () => {
      await s.add('lake', 500, [
        delta({ flowId: '', connectionId: 'c2', datasetId: 'd2', windowStart: 12 * H, runId: 'run-c2-12' }),
        delta({ sandboxId: 'sb2', windowStart: 12 * H, runId: 'run-sb2' }),
      ]);
      const keys = async (q: Parameters<RunMetricsStore['rows']>[0]) => (await s.rows(q)).map((r) => `${r.runId}/${r.datasetId}`);
      assert.deepEqual(await keys({ sandboxId: 'sb1' }), ['run-f1-10/d1', 'run-f1-11/d1', 'run-c2-12/d2'], 'by window start');
      assert.deepEqual(await keys({ sandboxId: 'sb1', flowId: 'f1' }), ['run-f1-10/d1', 'run-f1-11/d1']);
      assert.deepEqual(await keys({ sandboxId: 'sb1', flowId: '' }), ['run-c2-12/d2']);
      assert.deepEqual(await keys({ sandboxId: 'sb1', connectionId: 'c2' }), ['run-c2-12/d2']);
      assert.deepEqual(await keys({ sandboxId: 'sb1', runId: 'run-f1-11' }), ['run-f1-11/d1']);
      assert.deepEqual(await keys({ sandboxId: 'sb1', datasetIds: ['d2', 'x'] }), ['run-c2-12/d2']);
      assert.deepEqual(await keys({ sandboxId: 'sb1', datasetIds: [] }), []);
      assert.deepEqual(await keys({ sandboxId: 'sb1', from: 11 * H, to: 12 * H }), ['run-f1-11/d1']);
      assert.deepEqual(await keys({ sandboxId: 'sb2' }), ['run-sb2/d1']);
      assert.deepEqual(await s.errors('sb2', ['run-f1-10']), [], 'errors are per sandbox');
    });

    describe('invalid input', () => {
      const nothing: Array<[string, Parameters<RunMetricsStore['rows']>[0]]> = [
        ['a run id with NUL', { sandboxId: 'sb1', runId: 'run\u0000' }],
        ['a flow id with NUL', { sandboxId: 'sb1', flowId: '\u0000' }],
        ['a dataset id with NUL', { sandboxId: 'sb1', datasetIds: ['d1\u0000'] }],
        ['a window start beyond any date', { sandboxId: 'sb1', from: 1e308 }],
      ];
      for (const [label, q] of nothing) it(`${label} matches nothing (no error)`, async () => assert.deepEqual(await s.rows(q), []));
      it('errors of run ids with NUL: none (no error)', async () => assert.deepEqual(await s.errors('sb1', ['\u0000']), []));
    });

    it('keeps everything across a restart', async () => {
      s = await h.reopen(s);
      assert.equal(await s.mark('lake'), 500);
      assert.equal(await s.mark('profile'), 150);
      assert.equal((await s.rows({ sandboxId: 'sb1' })).length, 3);
    });
  });
}
