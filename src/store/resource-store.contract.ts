import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceStore } from './resource-store.js';

/**
 * The one contract suite every ResourceStore adapter runs (Hono's `runTest({ newRouter })` pattern).
 * `create` returns a fresh, empty store; `destroy` releases it.
 */
export function resourceStoreContract(
  name: string,
  create: () => Promise<ResourceStore>,
  destroy: (s: ResourceStore) => Promise<void> = (s) => s.close(),
): void {
  describe(`ResourceStore contract: ${name}`, () => {
    let s: ResourceStore;
    before(async () => {
      s = await create();
    });
    after(async () => {
      await destroy(s);
    });

    it('puts and gets a document with version 1', async () => {
      const r = await s.put('dataset', 'sb1', 'a', { name: 'A', nested: { n: 1 } });
      assert.ok(r.ok);
      assert.equal(r.value.version, 1);
      const g = await s.get<{ name: string }>('dataset', 'sb1', 'a');
      assert.deepEqual(g?.doc, { name: 'A', nested: { n: 1 } });
      assert.equal(g?.version, 1);
      assert.ok(g!.createdAt > 0);
    });

    it('bumps the version on update and keeps createdAt', async () => {
      const first = await s.get('dataset', 'sb1', 'a');
      const r = await s.put('dataset', 'sb1', 'a', { name: 'A2' });
      assert.ok(r.ok);
      assert.equal(r.value.version, 2);
      assert.equal(r.value.createdAt, first!.createdAt);
      assert.deepEqual((await s.get('dataset', 'sb1', 'a'))?.doc, { name: 'A2' });
    });

    it('isolates scopes and kinds', async () => {
      assert.equal(await s.get('dataset', 'sb2', 'a'), undefined);
      assert.equal(await s.get('schema', 'sb1', 'a'), undefined);
      await s.put('dataset', 'sb2', 'a', { name: 'other sandbox' });
      assert.deepEqual((await s.get('dataset', 'sb1', 'a'))?.doc, { name: 'A2' });
      assert.equal((await s.list('dataset', 'sb2')).length, 1);
    });

    it('lists in id order with paging', async () => {
      for (const id of ['c', 'b', 'd']) await s.put('dataset', 'sb1', id, { id });
      const all = await s.list('dataset', 'sb1');
      assert.deepEqual(
        all.map((r) => r.id),
        ['a', 'b', 'c', 'd'],
      );
      const page = await s.list('dataset', 'sb1', { after: 'b', limit: 1 });
      assert.deepEqual(
        page.map((r) => r.id),
        ['c'],
      );
    });

    it('enforces expectedVersion', async () => {
      const bad = await s.put('dataset', 'sb1', 'a', { x: 1 }, { expectedVersion: 1 });
      assert.deepEqual(bad, { ok: false, error: 'version-conflict' });
      const create = await s.put('dataset', 'sb1', 'new', { x: 1 }, { expectedVersion: 0 });
      assert.ok(create.ok);
      const again = await s.put('dataset', 'sb1', 'new', { x: 2 }, { expectedVersion: 0 });
      assert.deepEqual(again, { ok: false, error: 'version-conflict' });
    });

    it('enforces unique keys within kind and scope only', async () => {
      assert.ok((await s.put('schema', 'sb1', 's1', { t: 'T' }, { uniqueKey: 't' })).ok);
      assert.deepEqual(await s.put('schema', 'sb1', 's2', { t: 'T' }, { uniqueKey: 't' }), {
        ok: false,
        error: 'unique-conflict',
      });
      assert.ok((await s.put('schema', 'sb2', 's2', { t: 'T' }, { uniqueKey: 't' })).ok, 'other scope may reuse it');
      assert.ok((await s.put('schema', 'sb1', 's1', { t: 'T v2' }, { uniqueKey: 't' })).ok, 'owner may keep it');
      assert.equal((await s.getByUniqueKey('schema', 'sb1', 't'))?.id, 's1');
      assert.ok((await s.put('schema', 'sb1', 's1', { t: 'U' }, { uniqueKey: 'u' })).ok);
      assert.ok((await s.put('schema', 'sb1', 's3', { t: 'T' }, { uniqueKey: 't' })).ok, 'released key is reusable');
    });

    it('deletes', async () => {
      assert.equal(await s.delete('dataset', 'sb1', 'a'), true);
      assert.equal(await s.delete('dataset', 'sb1', 'a'), false);
      assert.equal(await s.get('dataset', 'sb1', 'a'), undefined);
    });

    describe('invalid input', () => {
      it('returns undefined for unknown ids and empty lists for unknown scopes', async () => {
        assert.equal(await s.get('dataset', 'nope', 'x'), undefined);
        assert.deepEqual(await s.list('nope', 'nope'), []);
        assert.equal(await s.getByUniqueKey('dataset', 'sb1', 'missing'), undefined);
      });
      it('keys with NUL, the escape marker and quotes are ordinary keys (ids from request paths)', async () => {
        for (const id of ['\0', 'a\0b', '\u0001x', "o'k"]) {
          assert.equal(await s.get('odd', 'sb\0', id), undefined);
          assert.ok((await s.put('odd', 'sb\0', id, { id }, { uniqueKey: `k${id}` })).ok);
          assert.deepEqual((await s.get('odd', 'sb\0', id))?.doc, { id });
          assert.equal((await s.getByUniqueKey('odd', 'sb\0', `k${id}`))?.id, id);
        }
        assert.deepEqual((await s.list('odd', 'sb\0')).map((r) => r.id).sort(), ['\0', 'a\0b', '\u0001x', "o'k"].sort());
        for (const id of ['\0', 'a\0b', '\u0001x', "o'k"]) assert.equal(await s.delete('odd', 'sb\0', id), true);
      });
      it('round-trips unicode and deep documents', async () => {
        const doc = { name: 'Zoë 🚀', deep: { a: [1, { b: null }] } };
        await s.put('dataset', 'sb1', 'u', doc);
        assert.deepEqual((await s.get('dataset', 'sb1', 'u'))?.doc, doc);
      });
    });
  });
}
