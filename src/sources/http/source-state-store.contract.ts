import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { SourceStateStore } from './source-state-store.js';

export interface SourceStateHarness {
  /** A fresh, empty store. */
  create(): Promise<SourceStateStore>;
  /** The same data through a new adapter instance (a restart). */
  reopen(s: SourceStateStore): Promise<SourceStateStore>;
  destroy(s: SourceStateStore): Promise<void>;
}

const HOUR = 3600_000;
const sorted = async (p: Promise<Set<string>>) => [...(await p)].sort();

/** The contract every SourceStateStore adapter runs. */
export function sourceStateStoreContract(name: string, h: SourceStateHarness): void {
  describe(`SourceStateStore contract: ${name}`, () => {
    let s: SourceStateStore;
    before(async () => {
      s = await h.create();
    });
    after(async () => h.destroy(s));

    it('starts empty', async () => {
      assert.deepEqual(await sorted(s.seen(['a'], 0)), []);
      assert.equal(await s.lastVersion('r'), undefined);
      assert.deepEqual(await s.counters(['c']), { c: 0 });
    });

    it('remembers keys until they expire, and answers which of several were seen', async () => {
      await s.remember(['k1', 'k2'], 1000, HOUR);
      assert.deepEqual(await sorted(s.seen(['k1', 'k2', 'k3'], 1000 + HOUR - 1)), ['k1', 'k2']);
      assert.deepEqual(await sorted(s.seen(['k1', 'k2'], 1000 + HOUR)), [], 'expired at now + ttl');
    });

    it('a key remembered again takes the new expiry', async () => {
      await s.remember(['k1'], 1000 + HOUR, HOUR);
      assert.deepEqual(await sorted(s.seen(['k1', 'k2'], 1000 + HOUR + 1)), ['k1']);
    });

    it('expire forgets the expired keys only', async () => {
      assert.equal(await s.expire(1000 + HOUR, 100), 1);
      assert.deepEqual(await sorted(s.seen(['k1', 'k2'], 0)), ['k1'], 'k2 is gone even for an earlier clock');
      assert.equal(await s.expire(1000 + HOUR, 100), 0);
    });

    it('expire takes at most `limit` keys a step, the earliest expiry first', async () => {
      await s.remember(['e3'], 30, 0);
      await s.remember(['e1'], 10, 0);
      await s.remember(['e2'], 20, 0);
      assert.equal(await s.expire(25, 1), 1);
      assert.deepEqual(await sorted(s.seen(['e1', 'e2', 'e3'], 0)), ['e2', 'e3']);
      assert.equal(await s.expire(25, 10), 1);
      assert.deepEqual(await sorted(s.seen(['e1', 'e2', 'e3'], 0)), ['e3']);
      assert.equal(await s.expire(100, 10), 1);
    });

    it('resource versions never move backwards', async () => {
      await s.recordVersion('shop/customers/1', 200);
      await s.recordVersion('shop/customers/1', 100);
      assert.equal(await s.lastVersion('shop/customers/1'), 200);
      await s.recordVersion('shop/customers/1', 300);
      assert.equal(await s.lastVersion('shop/customers/1'), 300);
      assert.equal(await s.lastVersion('shop/customers/2'), undefined);
    });

    it('counters add up, several at once', async () => {
      await s.bump({ 'c:a': 1, 'c:b': 5 });
      await s.bump({ 'c:a': 2 });
      assert.deepEqual(await s.counters(['c:a', 'c:b', 'c:none']), { 'c:a': 3, 'c:b': 5, 'c:none': 0 });
    });

    it('survives a restart', async () => {
      s = await h.reopen(s);
      assert.deepEqual(await sorted(s.seen(['k1'], 0)), ['k1']);
      assert.equal(await s.lastVersion('shop/customers/1'), 300);
      assert.deepEqual(await s.counters(['c:a']), { 'c:a': 3 });
    });

    describe('invalid input', () => {
      const odd = ['m"q', 'b\\s', 'ü😀', 'nul\u0000id', '\u0001lead', 'x'.repeat(5000), '__proto__'];
      it('client-chosen keys (messageIds) with NUL, quotes, unicode and 5,000 characters round-trip', async () => {
        await s.remember(odd, 0, HOUR);
        assert.deepEqual(await sorted(s.seen([...odd, 'nulid', 'nul', '\u0001\u0001lead'], 1)), [...odd].sort());
        await s.recordVersion(odd[3]!, 7);
        assert.equal(await s.lastVersion(odd[3]!), 7);
        await s.bump({ [odd[3]!]: 2, [odd[6]!]: 1 });
        assert.deepEqual(await s.counters([odd[3]!, odd[6]!]), { [odd[3]!]: 2, [odd[6]!]: 1 });
      });
      it('the same key twice in one call is one key', async () => {
        await s.remember(['dup', 'dup'], 0, HOUR);
        assert.deepEqual(await sorted(s.seen(['dup', 'dup'], 1)), ['dup']);
        assert.deepEqual(await s.counters(['c:a', 'c:a']), { 'c:a': 3 });
      });
      const empty: Array<[string, () => Promise<unknown>, unknown]> = [
        ['seen of no keys', async () => [...(await s.seen([], 0))], []],
        ['remember of no keys', () => s.remember([], 0, HOUR), undefined],
        ['bump of nothing', () => s.bump({}), undefined],
        ['counters of no keys', () => s.counters([]), {}],
      ];
      for (const [label, run, want] of empty) it(label, async () => assert.deepEqual(await run(), want));
    });
  });
}
