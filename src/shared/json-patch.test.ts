import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch } from './json-patch.js';

describe('applyJsonPatch', () => {
  const cases: Array<[string, unknown, unknown[], unknown]> = [
    ['add to object', { a: 1 }, [{ op: 'add', path: '/b', value: 2 }], { a: 1, b: 2 }],
    ['append to array', { a: [1] }, [{ op: 'add', path: '/a/-', value: 2 }], { a: [1, 2] }],
    ['insert into array', { a: [1, 3] }, [{ op: 'add', path: '/a/1', value: 2 }], { a: [1, 2, 3] }],
    ['remove', { a: 1, b: 2 }, [{ op: 'remove', path: '/a' }], { b: 2 }],
    ['replace', { a: 1 }, [{ op: 'replace', path: '/a', value: 3 }], { a: 3 }],
    ['replace a missing key adds it', { a: 1 }, [{ op: 'replace', path: '/b', value: 3 }], { a: 1, b: 3 }],
    ['escaped keys', { 'a/b': 1 }, [{ op: 'replace', path: '/a~1b', value: 2 }], { 'a/b': 2 }],
    ['move', { a: 1 }, [{ op: 'move', from: '/a', path: '/b' }], { b: 1 }],
    ['copy', { a: { x: 1 } }, [{ op: 'copy', from: '/a', path: '/b' }], { a: { x: 1 }, b: { x: 1 } }],
    ['test passes', { a: 1 }, [{ op: 'test', path: '/a', value: 1 }], { a: 1 }],
  ];
  for (const [name, doc, ops, expected] of cases) it(name, () => assert.deepEqual(applyJsonPatch(doc, ops), { ok: true, value: expected }));
  it('does not mutate the input', () => {
    const doc = { a: [1] };
    applyJsonPatch(doc, [{ op: 'add', path: '/a/-', value: 2 }]);
    assert.deepEqual(doc, { a: [1] });
  });

  describe('invalid input', () => {
    const bad: Array<[string, unknown[], RegExp]> = [
      ['unknown op', [{ op: 'jump', path: '/a' }], /unknown op/],
      ['missing path', [{ op: 'add', value: 1 }], /must have "op" and "path"/],
      ['path without slash', [{ op: 'add', path: 'a', value: 1 }], /invalid path/],
      ['remove missing', [{ op: 'remove', path: '/zz' }], /does not exist/],
      ['add without value', [{ op: 'add', path: '/b' }], /needs a value/],
      ['index out of range', [{ op: 'add', path: '/arr/9', value: 1 }], /out of range/],
      ['failed test', [{ op: 'test', path: '/a', value: 2 }], /test failed/],
      ['missing parent', [{ op: 'add', path: '/x/y', value: 1 }], /parent/],
      ['not an object', ['nope'], /must have/],
    ];
    for (const [name, ops, re] of bad)
      it(name, () => {
        const r = applyJsonPatch({ a: 1, arr: [] }, ops);
        assert.equal(r.ok, false);
        assert.match(r.ok ? '' : r.error, re);
      });
  });
});
