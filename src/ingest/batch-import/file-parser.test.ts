import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseJsonFile, parseWithDuckDb, unflatten } from './file-parser.js';

const dir = mkdtempSync(join(tmpdir(), 'kith-fp-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const values = (rows: ReturnType<typeof parseJsonFile>) => rows.map((r) => (r.value.ok ? r.value.value : { error: r.value.error }));

describe('batch file parsing', () => {
  const cases: Array<[string, string, { isMultiLineJson?: boolean }, unknown[]]> = [
    ['JSON array', '[{"a":1},{"a":2}]', {}, [{ a: 1 }, { a: 2 }]],
    ['JSON lines', '{"a":1}\n\n{"a":2}\r\n', {}, [{ a: 1 }, { a: 2 }]],
    ['multi-line JSON', '{\n "a": 1,\n "s": "}{"\n}\n{\n "a": 2\n}', { isMultiLineJson: true }, [{ a: 1, s: '}{' }, { a: 2 }]],
    ['BOM', '\uFEFF{"a":1}', {}, [{ a: 1 }]],
  ];
  for (const [name, text, opts, expected] of cases) it(name, () => assert.deepEqual(values(parseJsonFile(Buffer.from(text), opts)), expected));

  it('unflattens dotted CSV headers and drops empty cells', () => {
    assert.deepEqual(unflatten({ 'person.name.firstName': 'A', 'person.name.lastName': '', _id: '1' }), { person: { name: { firstName: 'A' } }, _id: '1' });
  });

  it('reads CSV with nested columns', async () => {
    const p = join(dir, 'a.csv');
    writeFileSync(p, '_id,person.name.firstName,loyalty.points\n1,Ann,10\n2,Bob,\n');
    const rows = await parseWithDuckDb(p, 'csv');
    assert.deepEqual(values(rows), [
      { _id: 1, person: { name: { firstName: 'Ann' } }, loyalty: { points: 10 } },
      { _id: 2, person: { name: { firstName: 'Bob' } } },
    ]);
  });

  it('reads Parquet with structs', async () => {
    const p = join(dir, 'a.parquet');
    const inst = await DuckDBInstance.create(':memory:');
    const c = await inst.connect();
    await c.run(`COPY (SELECT '1' AS _id, {'name': {'firstName': 'Ann'}} AS person, NULL::VARCHAR AS x) TO '${p}' (FORMAT parquet)`);
    c.closeSync();
    inst.closeSync();
    assert.deepEqual(values(await parseWithDuckDb(p, 'parquet')), [{ _id: '1', person: { name: { firstName: 'Ann' } } }]);
  });

  describe('invalid input', () => {
    it('reports malformed JSON lines with their line number and raw text', () => {
      const rows = parseJsonFile(Buffer.from('{"a":1}\n{oops\n[1]\n'));
      assert.equal(rows.length, 3);
      assert.equal(rows[1]!.row, 2);
      assert.match(rows[1]!.value.ok ? '' : rows[1]!.value.error, /malformed JSON/);
      assert.equal(rows[1]!.raw, '{oops');
      assert.match(rows[2]!.value.ok ? '' : rows[2]!.value.error, /not a JSON object/);
    });
    it('reports a malformed JSON array as one failure', () => {
      const rows = parseJsonFile(Buffer.from('[{"a":1},'));
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.value.ok, false);
    });
    it('reports unreadable parquet', async () => {
      const p = join(dir, 'bad.parquet');
      writeFileSync(p, 'not parquet');
      const rows = await parseWithDuckDb(p, 'parquet');
      assert.equal(rows[0]!.value.ok, false);
    });
  });
});
