import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Condition } from '../pql/ast.js';
import { evaluate } from '../eval/evaluate.js';
import { chain, cmp, ev, lit, p, step, str } from '../eval/test-helpers.js';
import { compileSegment, compileSegments } from './compile.js';
import { openBatchDb, runBoth, type BatchDb } from './batch-harness.js';
import { jsonPointer, sqlString, tableName } from './literals.js';
import { DEFAULT_TABLES, evaluateBatch } from './run-batch.js';

const NOW = Date.parse('2024-06-15T12:00:00Z');
const T = { ...DEFAULT_TABLES, now: NOW };
const INJECTION = "x'); DROP TABLE seg_profiles; --";

describe('invalid input', () => {
  let db: BatchDb;
  before(async () => {
    db = await openBatchDb();
  });
  after(() => db.close());

  const awkward = JSON.parse(`{"a'b": {"c/d~e": 1, "": "empty", "\\"q\\"": "${INJECTION.replace(/"/g, '\\"')}"}, "$.x": 2, "__proto__": 3}`) as Record<string, unknown>;
  const profiles = [
    { pid: "p'1", entity: awkward, events: [{ id: 'e1', ts: NOW, event: { eventType: INJECTION, "it's": 5 } }] },
    { pid: 'p2', entity: { name: 'plain' }, events: [] },
  ];

  const CASES: Array<{ name: string; root: Condition; members: string[] }> = [
    { name: 'injection-looking string literal', root: cmp(p('name'), '=', lit(INJECTION)), members: [] },
    { name: 'injection-looking value in data', root: cmp({ kind: 'path', root: 'profile', path: ["a'b", '"q"'] }, '=', lit(INJECTION)), members: ["p'1"] },
    { name: 'keys with quote, slash and tilde', root: cmp({ kind: 'path', root: 'profile', path: ["a'b", 'c/d~e'] }, '=', lit(1)), members: ["p'1"] },
    { name: 'empty key', root: cmp({ kind: 'path', root: 'profile', path: ["a'b", ''] }, '=', lit('empty')), members: ["p'1"] },
    { name: 'JSONPath-looking key', root: cmp({ kind: 'path', root: 'profile', path: ['$.x'] }, '=', lit(2)), members: ["p'1"] },
    { name: '__proto__ is a plain key', root: cmp({ kind: 'path', root: 'profile', path: ['__proto__'] }, '=', lit(3)), members: ["p'1"] },
    { name: 'constructor is not inherited', root: { kind: 'isNull', value: { kind: 'path', root: 'profile', path: ['constructor'] }, negate: true }, members: [] },
    { name: 'injection-looking inSegment id', root: { kind: 'inSegment', segmentId: "x' OR 1=1 --" }, members: [] },
    { name: 'injection-looking like pattern', root: str('like', p('name'), "%' OR '1'='1"), members: [] },
    { name: 'event key with a quote', root: { kind: 'exists', events: { kind: 'events', where: cmp(ev("it's"), '=', lit(5)) } }, members: ["p'1"] },
    { name: 'event value that looks like SQL', root: { kind: 'exists', events: { kind: 'events', where: str('contains', ev('eventType'), 'DROP') } }, members: ["p'1"] },
    { name: 'event path outside an event scope is null', root: { kind: 'isNull', value: ev('eventType'), negate: false }, members: ["p'1", 'p2'] },
    { name: 'afterStep to a later step is never satisfied', root: chain(step({ kind: 'bool', value: true }, { kind: 'afterStep', step: 3, cmp: '<=', amount: 1, unit: 'day' })), members: [] },
    { name: 'non-finite number literal is null', root: { kind: 'isNull', value: lit(Number.POSITIVE_INFINITY), negate: false }, members: ["p'1", 'p2'] },
    { name: 'a lone duration is null', root: { kind: 'isNull', value: { kind: 'duration', amount: 3, unit: 'day' }, negate: false }, members: ["p'1", 'p2'] },
    { name: 'an unknown duration unit gives null arithmetic', root: { kind: 'isNull', value: { kind: 'arith', op: '+', left: { kind: 'now' }, right: { kind: 'duration', amount: 1, unit: 'fortnight' as never } }, negate: false }, members: ["p'1", 'p2'] },
  ];
  for (const c of CASES)
    it(c.name, async () => {
      const r = await runBoth(db, [{ id: "seg'id", root: c.root }], profiles, [], NOW);
      assert.deepEqual(r.unsupported, []);
      assert.deepEqual(r.js.get("seg'id"), [...c.members].sort(), 'evaluator');
      assert.deepEqual(r.sql.get("seg'id"), [...c.members].sort(), 'sql');
      const tables = await db.conn.runAndReadAll(`SELECT count(*) FROM seg_profiles`);
      assert.equal(Number(tables.getRows()[0]![0]), 2);
    });

  it('weird JSON numbers: 1e400 reads as null, big integers as the nearest double', async () => {
    await db.conn.run(`DELETE FROM seg_profiles`);
    await db.conn.run(`DELETE FROM seg_events`);
    await db.conn.run(`INSERT INTO seg_profiles VALUES ('a', '{"n": 1e400, "b": 12345678901234567890, "neg": -1e400}'), ('b', '{"n": 1}')`);
    const entity = JSON.parse('{"n": 1e400, "b": 12345678901234567890, "neg": -1e400}') as Record<string, unknown>;
    const defs: Array<{ id: string; root: Condition }> = [
      { id: 'null', root: { kind: 'isNull', value: p('n'), negate: false } },
      { id: 'neq', root: cmp(p('neg'), '!=', lit(1)) },
      { id: 'big', root: cmp(p('b'), '=', lit(12345678901234567000)) },
    ];
    const r = await evaluateBatch(db.conn, defs, { now: NOW });
    assert.deepEqual([...r.members.get('null')!], ['a']);
    assert.deepEqual([...r.members.get('neq')!], []);
    assert.deepEqual([...r.members.get('big')!], ['a']);
    const ctx = { now: NOW, inSegment: () => false };
    assert.deepEqual(
      defs.map((d) => evaluate(d.root, { entity, events: [] }, ctx)),
      [true, false, true],
    );
  });

  const UNSUPPORTED: Array<{ name: string; root: unknown }> = [
    { name: 'NUL in a string', root: cmp(p('name'), '=', lit('a\u0000b')) },
    { name: 'lone surrogate', root: cmp(p('name'), '=', lit('\uD800')) },
    { name: 'unknown condition kind', root: { kind: 'wat' } },
    { name: 'unknown value kind', root: cmp({ kind: 'wat' } as never, '=', lit(1)) },
    { name: 'malformed and', root: { kind: 'and' } },
    { name: 'lookahead in matches', root: str('matches', p('name'), 'a(?=b)') },
    { name: 'backreference in matches', root: str('matches', p('name'), '(a)\\1') },
    { name: 'like with a non-literal pattern', root: { kind: 'string', test: 'like', value: p('name'), arg: p('pattern'), caseSensitive: true, negate: false } },
    { name: 'event set nested in an event filter', root: { kind: 'exists', events: { kind: 'events', where: { kind: 'exists', events: { kind: 'events' } } } } },
    { name: 'inSegment in an event filter', root: { kind: 'exists', events: { kind: 'events', where: { kind: 'inSegment', segmentId: 's' } } } },
  ];
  for (const u of UNSUPPORTED)
    it(`unsupported: ${u.name} (listed, query still valid)`, async () => {
      const defs = [
        { id: 'bad', root: u.root as Condition },
        { id: 'good', root: cmp(p('name'), '=', lit('plain')) },
      ];
      const c = compileSegments(defs, T);
      assert.ok(c.ok);
      assert.deepEqual(c.value.segmentIds, ['good']);
      assert.equal(c.value.unsupported[0]?.id, 'bad');
      assert.equal(compileSegment(defs[0]!, T).ok, false);
      await db.conn.runAndReadAll(c.value.sql);
    });

  const ERRORS: Array<{ name: string; defs: unknown; t: unknown }> = [
    { name: 'table name injection', defs: [], t: { ...T, profiles: 'p; DROP TABLE x' } },
    { name: 'unterminated quoted table', defs: [], t: { ...T, events: '"abc' } },
    { name: 'non-finite now', defs: [], t: { ...T, now: Number.NaN } },
    { name: 'now out of range', defs: [], t: { ...T, now: 1e17 } },
    { name: 'duplicate ids', defs: [{ id: 'a', root: { kind: 'bool', value: true } }, { id: 'a', root: { kind: 'bool', value: true } }], t: T },
    { name: 'id not a string', defs: [{ id: 1, root: { kind: 'bool', value: true } }], t: T },
    { name: 'defs not an array', defs: 'nope', t: T },
  ];
  for (const x of ERRORS)
    it(`error: ${x.name}`, () => {
      assert.equal(compileSegments(x.defs as never, x.t as never).ok, false);
    });

  it('literal helpers escape what they must', () => {
    assert.equal(sqlString("it's"), "'it''s'");
    assert.equal(jsonPointer(['a/b', 'c~d', '']), '/a~1b/c~0d/');
    assert.deepEqual(tableName('"we""ird".t'), { ok: true, value: '"we""ird".t' });
    assert.equal(tableName('a b').ok, false);
    assert.throws(() => sqlString('a\u0000'));
  });

  it('no definitions: a valid empty query', async () => {
    const c = compileSegments([], T);
    assert.ok(c.ok);
    assert.equal((await db.conn.runAndReadAll(c.value.sql)).getRows().length, 0);
  });
});
