import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { GatewayRejection, GatewayRejectionStore } from './rejection-store.js';

export interface RejectionStoreHarness {
  /** A fresh, empty store keeping at most `maxRows` rows. */
  create(maxRows?: number): Promise<GatewayRejectionStore>;
  /** The same data through a new adapter instance (a restart). */
  reopen(s: GatewayRejectionStore): Promise<GatewayRejectionStore>;
  destroy(s: GatewayRejectionStore): Promise<void>;
}

const base: GatewayRejection = { orgId: 'ORG@AdobeOrg', clientId: 'kith_ak_abcd', reason: 'invalidApiKey', errorCode: '403003', sandboxName: 'prod', detail: 'unknown API key' };
const at = (r: Partial<GatewayRejection>, n: number, t: number) => ({ ...base, ...r, count: n, at: t });

/** The contract every GatewayRejectionStore adapter runs. */
export function rejectionStoreContract(name: string, h: RejectionStoreHarness): void {
  describe(`GatewayRejectionStore contract: ${name}`, () => {
    let s: GatewayRejectionStore;
    before(async () => {
      s = await h.create();
    });
    after(async () => h.destroy(s));

    it('starts empty', async () => {
      assert.deepEqual(await s.list({ limit: 10 }), []);
    });

    it('aggregates by org, client id, reason and sandbox: count, first and last time, the latest detail', async () => {
      await s.record([at({}, 1, 1000), at({}, 2, 3000), at({ detail: 'older' }, 1, 500)]);
      await s.record([at({ detail: 'latest' }, 4, 5000), at({ reason: 'revokedToken', errorCode: '401013', clientId: '' }, 1, 2000)]);
      const rows = await s.list({ limit: 10 });
      assert.deepEqual(rows, [
        { ...base, detail: 'latest', count: 8, firstAt: 500, lastAt: 5000 },
        { ...base, reason: 'revokedToken', errorCode: '401013', clientId: '', count: 1, firstAt: 2000, lastAt: 2000 },
      ]);
    });

    it('a late report of an earlier rejection adds its count but keeps the latest detail', async () => {
      await s.record([at({ detail: 'stale' }, 1, 100)]);
      const [row] = await s.list({ limit: 1 });
      assert.deepEqual([row!.count, row!.firstAt, row!.lastAt, row!.detail], [9, 100, 5000, 'latest']);
    });

    it('filters by org and by time, newest first, up to the limit', async () => {
      await s.record([at({ orgId: 'OTHER@AdobeOrg' }, 1, 9000)]);
      assert.deepEqual((await s.list({ orgId: 'OTHER@AdobeOrg', limit: 10 })).map((r) => r.orgId), ['OTHER@AdobeOrg']);
      assert.deepEqual((await s.list({ limit: 10 })).map((r) => r.lastAt), [9000, 5000, 2000]);
      assert.deepEqual((await s.list({ orgId: base.orgId, since: 3000, limit: 10 })).map((r) => r.reason), ['invalidApiKey']);
      assert.equal((await s.list({ limit: 1 })).length, 1);
    });

    it('survives a restart', async () => {
      s = await h.reopen(s);
      assert.equal((await s.list({ limit: 10 })).length, 3);
    });

    it('is bounded: beyond maxRows the rows whose last rejection is oldest go', async () => {
      const small = await h.create(3);
      try {
        await small.record([1, 2, 3, 4, 5].map((i) => at({ clientId: `k${i}` }, 1, i * 10)));
        assert.deepEqual((await small.list({ limit: 10 })).map((r) => r.clientId), ['k5', 'k4', 'k3']);
        await small.record([at({ clientId: 'k3' }, 1, 100), at({ clientId: 'k9' }, 1, 60)]);
        assert.deepEqual((await small.list({ limit: 10 })).map((r) => [r.clientId, r.count]), [['k3', 2], ['k9', 1], ['k5', 1]]);
      } finally {
        await h.destroy(small);
      }
    });

    describe('invalid input', () => {
      it('header values with NUL, quotes and unicode round-trip; over-long ones are cut to their bound', async () => {
        const odd = { orgId: 'o\u0000"x😀', clientId: 'c'.repeat(500), sandboxName: '\u0001s', detail: 'd'.repeat(5000) };
        await s.record([at(odd, 1, 20_000)]);
        const [row] = await s.list({ limit: 1 });
        assert.deepEqual([row!.orgId, row!.clientId.length, row!.sandboxName, row!.detail.length], [odd.orgId, 32, '\u0001s', 300]);
      });
      const nothing: Array<[string, () => Promise<unknown>]> = [
        ['no items', () => s.record([])],
        ['a zero count', () => s.record([at({ clientId: 'zero' }, 0, 1)])],
        ['a negative count', () => s.record([at({ clientId: 'neg' }, -5, 1)])],
      ];
      it('a since beyond any date lists nothing (no error)', async () => assert.deepEqual(await s.list({ since: 1e308, limit: 10 }), []));
      for (const [label, run] of nothing)
        it(`${label} records nothing`, async () => {
          await run();
          assert.equal((await s.list({ limit: 100 })).filter((r) => r.clientId === 'zero' || r.clientId === 'neg').length, 0);
        });
    });
  });
}
