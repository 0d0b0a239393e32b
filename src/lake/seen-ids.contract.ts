import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { SeenIds } from '../ingest/processor/processor-ports.js';

export interface SeenIdsHarness {
  /** A fresh, empty store. */
  create(): Promise<SeenIds>;
  /** The same data through a new adapter instance (a restart). */
  reopen(s: SeenIds): Promise<SeenIds>;
  destroy(s: SeenIds): Promise<void>;
  /** Makes writing a seen mark fail ("disk full") until the returned function is called. */
  refuseMarks(s: SeenIds): Promise<() => Promise<void>>;
}

const sorted = async (p: Promise<Set<string>>) => [...(await p)].sort();

/** The contract every SeenIds adapter runs (the `_id` dedupe index and its seen marks). */
export function seenIdsContract(name: string, h: SeenIdsHarness): void {
  describe(`SeenIds contract: ${name}`, () => {
    let s: SeenIds;
    before(async () => {
      s = await h.create();
    });
    after(async () => h.destroy(s));

    it('has no mark until one is recorded (a directory from before marks)', async () => {
      assert.equal(await s.rememberedThrough('lake'), undefined);
    });

    it('remembers ids per dataset and answers which were seen', async () => {
      await s.remember('sb-1/ds-1', ['a', 'b']);
      assert.deepEqual(await sorted(s.seen('sb-1/ds-1', ['a', 'c', 'b'])), ['a', 'b']);
      assert.deepEqual(await sorted(s.seen('sb-1/ds-2', ['a'])), [], 'another dataset');
      await s.remember('sb-1/ds-1', ['a']);
    });

    it('ids with NUL, quotes, backslashes, unicode, JSON look-alikes and 5,000 characters round-trip; duplicates in one call are one', async () => {
      const odd = ['a"b', 'c\\d', 'ü-😀', '[1,2]', '{"x":1}', 'null', ' lead', 'x'.repeat(5000), '0', '\u0000nul', '\u0001lead'];
      await s.remember('sb-1/odd', [...odd, ...odd]);
      assert.deepEqual(await sorted(s.seen('sb-1/odd', [...odd, 'absent', 'A"B', 'nul', '\u0001\u0000nul'])), [...odd].sort());
      assert.deepEqual(await sorted(s.seen('sb-1/odd', [])), [], 'nothing asked, nothing seen');
      await s.remember('sb-1/odd', []);
    });

    it('checks 20,000 ids against 100,000 remembered (one chunk)', async () => {
      for (let i = 0; i < 100_000; i += 25_000) await s.remember('sb-1/big', Array.from({ length: 25_000 }, (_, j) => `id-${i + j}`));
      const hits = await s.seen('sb-1/big', Array.from({ length: 20_000 }, (_, i) => `id-${i * 10}`));
      assert.equal(hits.size, 10_000);
    });

    it('remembers the ids of several datasets with the mark, per consumer, across a restart', async () => {
      await s.rememberThrough('lake', 10, new Map([['sb/a', ['a1', 'a2']], ['sb/b', ['b1']]]));
      s = await h.reopen(s);
      assert.equal(await s.rememberedThrough('lake'), 10);
      assert.equal(await s.rememberedThrough('other'), undefined);
      assert.deepEqual(await sorted(s.seen('sb/a', ['a1', 'a2', 'b1'])), ['a1', 'a2']);
      assert.deepEqual(await sorted(s.seen('sb/b', ['b1', 'a1'])), ['b1']);
      assert.deepEqual(await sorted(s.seen('sb-1/ds-1', ['a', 'z'])), ['a']);
    });

    it('rolls the ids back when the mark cannot be written (one transaction)', async () => {
      const undo = await h.refuseMarks(s);
      try {
        await assert.rejects(s.rememberThrough('lake', 20, new Map([['sb/a', ['a3']]])), /disk full/);
        await assert.rejects(s.rememberThrough('fresh', 20, new Map([['sb/a', ['a4']]])), /disk full/, 'a first mark too');
      } finally {
        await undo();
      }
      assert.deepEqual(await sorted(s.seen('sb/a', ['a3', 'a4'])), []);
      assert.equal(await s.rememberedThrough('lake'), 10);
      assert.equal(await s.rememberedThrough('fresh'), undefined);
    });

    describe('invalid input', () => {
      const cases: Array<{ name: string; upTo: number; ids: Map<string, string[]>; mark: number; seen: Array<[string, string[]]> }> = [
        { name: 'no ids at all still moves the mark (a chunk of failed records only)', upTo: 30, ids: new Map(), mark: 30, seen: [] },
        { name: 'a dataset with an empty list', upTo: 31, ids: new Map([['sb/c', []]]), mark: 31, seen: [['sb/c', []]] },
        { name: 'a mark below the stored one (a replayed range) keeps the mark, remembers the ids', upTo: 5, ids: new Map([['sb/a', ['a9']]]), mark: 31, seen: [['sb/a', ['a9']]] },
        { name: 'odd ids and the same id twice', upTo: 40, ids: new Map([['sb/d', ['q"x', 'q"x', '\u0000', 'ü😀']]]), mark: 40, seen: [['sb/d', ['\u0000', 'q"x', 'ü😀']]] },
        { name: 'ids already remembered', upTo: 41, ids: new Map([['sb/a', ['a1', 'a9']]]), mark: 41, seen: [['sb/a', ['a1', 'a9']]] },
      ];
      for (const c of cases)
        it(c.name, async () => {
          await s.rememberThrough('lake', c.upTo, c.ids);
          assert.equal(await s.rememberedThrough('lake'), c.mark);
          for (const [k, ids] of c.seen) assert.deepEqual(await sorted(s.seen(k, [...ids, 'absent'])), ids);
        });
    });
  });
}
