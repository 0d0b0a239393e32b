import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ConcatenatedJsonSplitter, parseJsonFile, parseWithDuckDb, readRows, unflatten, type ParsedRow } from './file-parser.js';

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

  describe('incremental reading (files are never read whole, JSON arrays excepted)', () => {
    const all = async (gen: AsyncGenerator<ParsedRow>) => {
      const out: ParsedRow[] = [];
      for await (const r of gen) out.push(r);
      return out;
    };
    it('the multi-line splitter gives the same documents wherever the text is cut', () => {
      const text = '{\n "a": 1,\n "s": "}{\\"{"\n}\n{"b": {"c": 2}}  {"d":3}';
      const whole = parseJsonFile(Buffer.from(text), { isMultiLineJson: true });
      for (let cut = 0; cut <= text.length; cut++) {
        const s = new ConcatenatedJsonSplitter();
        const docs = [...s.push(text.slice(0, cut)), ...s.push(text.slice(cut)), ...s.end()];
        assert.deepEqual(docs.map((d) => JSON.parse(d.text)), whole.map((r) => (r.value.ok ? r.value.value : null)), `cut at ${cut}`);
      }
    });
    const big = Array.from({ length: 30_000 }, (_, i) => `{"i":${i},"pad":"${'x'.repeat(20)}"}`);
    const files: Array<[string, string, { isMultiLineJson?: boolean }, (rows: ParsedRow[]) => void]> = [
      ['JSON lines across many read chunks', big.join('\r\n') + '\r\n', {}, (rows) => {
        assert.equal(rows.length, 30_000);
        assert.deepEqual(rows[29_999]!.value, { ok: true, value: { i: 29_999, pad: 'x'.repeat(20) } });
      }],
      ['line numbers count blank lines; a BOM is dropped', '\uFEFF{"a":1}\n\n{"a":2}\n', {}, (rows) => assert.deepEqual(rows.map((r) => [r.row, r.value.ok && r.value.value]), [[1, { a: 1 }], [3, { a: 2 }]])],
      ['multi-line documents across many read chunks', big.map((l) => l.replace(',', ',\n  ')).join('\n'), { isMultiLineJson: true }, (rows) => {
        assert.equal(rows.length, 30_000);
        assert.equal(rows[12_345]!.row, 12_346);
      }],
      ['a JSON array (read whole)', '  [{"a":1},{"a":2}]', {}, (rows) => assert.equal(rows.length, 2)],
      ['an empty file', '', {}, (rows) => assert.equal(rows.length, 0)],
    ];
    for (const [name, text, opts, check] of files)
      it(name, async () => {
        const p = join(dir, `${name.replace(/\W+/g, '-')}.json`);
        writeFileSync(p, text);
        check(await all(readRows(p, 'json', opts)));
      });
    it('CSV rows arrive in order across DuckDB chunks', async () => {
      const p = join(dir, 'many.csv');
      writeFileSync(p, 'n,person.name.firstName\n' + Array.from({ length: 5000 }, (_, i) => `${i},p${i}`).join('\n') + '\n');
      const rows = await all(readRows(p, 'csv'));
      assert.equal(rows.length, 5000);
      assert.deepEqual(rows[4321]!.value, { ok: true, value: { n: 4321, person: { name: { firstName: 'p4321' } } } });
      assert.equal(rows[4321]!.row, 4322);
    });
  });

  describe('invalid input', () => {
    it('a malformed JSON line among streamed lines is reported with its line', async () => {
      const p = join(dir, 'bad-lines.json');
      writeFileSync(p, '{"a":1}\n{oops\n');
      const rows: ParsedRow[] = [];
      for await (const r of readRows(p, 'json')) rows.push(r);
      assert.equal(rows[1]!.row, 2);
      assert.equal(rows[1]!.raw, '{oops');
    });
    it('an unterminated multi-line document is reported', async () => {
      const p = join(dir, 'bad-multi.json');
      writeFileSync(p, '{"a":1}\n{"b":\n');
      const rows: ParsedRow[] = [];
      for await (const r of readRows(p, 'json', { isMultiLineJson: true })) rows.push(r);
      assert.equal(rows.length, 2);
      assert.equal(rows[1]!.value.ok, false);
    });
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
      const message = rows[0]!.value.ok ? '' : rows[0]!.value.error;
      assert.equal(message.includes(dir), false, `no server path in "${message}"`);
    });
  });
});
