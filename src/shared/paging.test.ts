import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pageOf, sortByQuery } from './paging.js';

const ten = Array.from({ length: 10 }, (_, i) => i);

describe('pageOf', () => {
  const cases: Array<[string, { start?: number; limit?: number }, number[], number | undefined]> = [
    ['defaults: from 0, the default limit', {}, ten.slice(0, 4), 4],
    ['a middle page', { start: 4, limit: 4 }, [4, 5, 6, 7], 8],
    ['the last page has no next', { start: 8, limit: 4 }, [8, 9], undefined],
    ['a page ending exactly at the end has no next', { start: 6, limit: 4 }, [6, 7, 8, 9], undefined],
  ];
  for (const [name, q, items, next] of cases)
    it(name, () => {
      const p = pageOf(ten, q, 4, 6);
      assert.deepEqual(p.items, items);
      assert.equal(p.next, next);
    });

  describe('invalid input', () => {
    const bad: Array<[string, { start?: number; limit?: number }, number, number]> = [
      ['a limit above the maximum is the maximum', { limit: 50 }, 0, 6],
      ['a limit of 0 is 1', { limit: 0 }, 0, 1],
      ['a negative start is 0', { start: -3, limit: 2 }, 0, 2],
    ];
    for (const [name, q, start, limit] of bad)
      it(name, () => {
        const p = pageOf(ten, q, 4, 6);
        assert.equal(p.start, start);
        assert.equal(p.limit, limit);
        assert.deepEqual(p.items, ten.slice(start, start + limit));
      });
    it('a start past the end is an empty page', () => assert.deepEqual(pageOf(ten, { start: 20 }), { items: [], start: 20, limit: 100 }));
  });
});

describe('sortByQuery', () => {
  const rows = () => [
    { id: 'b', creationTime: 2, name: 'Zed' },
    { id: 'a', creationTime: 2, name: 'amy' },
    { id: 'c', creationTime: 1, name: 'Bob' },
  ];
  const cases: Array<[string, string | undefined, string[], { field: string; dir: string }]> = [
    ['default: creationTime, newest first, ties by id', undefined, ['a', 'b', 'c'], { field: 'creationTime', dir: 'desc' }],
    ['ascending', 'creationTime:asc', ['c', 'a', 'b'], { field: 'creationTime', dir: 'asc' }],
    ['by another allowed field', 'name:asc', ['c', 'b', 'a'], { field: 'name', dir: 'asc' }],
  ];
  for (const [name, sort, ids, used] of cases)
    it(name, () => {
      const r = rows();
      assert.deepEqual(sortByQuery(r, sort, ['creationTime', 'name'], (x) => x.id), used);
      assert.deepEqual(r.map((x) => x.id), ids);
    });

  describe('invalid input', () => {
    it('a field not allowed sorts by creationTime; a direction other than asc is desc', () => {
      const r = rows();
      assert.deepEqual(sortByQuery(r, 'secret:sideways', ['creationTime', 'name'], (x) => x.id), { field: 'creationTime', dir: 'desc' });
      assert.deepEqual(r.map((x) => x.id), ['a', 'b', 'c']);
    });
  });
});
