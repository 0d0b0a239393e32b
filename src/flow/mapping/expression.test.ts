import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ARITY, evaluate, getPath, parseExpression, FUNCTIONS } from './expression.js';

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);
const ev = (src: string, data: unknown = {}) => {
  const p = parseExpression(src);
  assert.ok(p.ok, p.ok ? '' : p.error);
  return evaluate(p.value, data, () => NOW);
};

const RAW = {
  first: '  Ann ',
  last: 'Lee',
  email: 'Ann@Example.COM',
  n: '42.9',
  f: '1.5',
  vip: true,
  tier: null,
  empty: '',
  born: '31/12/1990',
  items: [{ sku: 'a', qty: 2 }, { sku: 'b' }],
  'First Name': 'Zed',
  addr: { city: 'Paris', 'zip code': '75001' },
};

describe('expression parser', () => {
  const cases: Array<[string, unknown]> = [
    ['"text"', { kind: 'lit', value: 'text' }],
    ["'single'", { kind: 'lit', value: 'single' }],
    ['"esc\\"aped"', { kind: 'lit', value: 'esc"aped' }],
    ['42', { kind: 'lit', value: 42 }],
    ['-1.5', { kind: 'lit', value: -1.5 }],
    ['true', { kind: 'lit', value: true }],
    ['null', { kind: 'lit', value: null }],
    ['a', { kind: 'path', path: ['a'] }],
    ['a.b.c', { kind: 'path', path: ['a', 'b', 'c'] }],
    ['items[0].sku', { kind: 'path', path: ['items', 0, 'sku'] }],
    ['m[1][2]', { kind: 'path', path: ['m', 1, 2] }],
    ['${First Name}', { kind: 'path', path: ['First Name'] }],
    ['addr.${zip code}', { kind: 'path', path: ['addr', 'zip code'] }],
    ['  lower ( x )  ', { kind: 'call', fn: 'lower', args: [{ kind: 'path', path: ['x'] }], pos: 2 }],
    ['UPPER(x)', { kind: 'call', fn: 'upper', args: [{ kind: 'path', path: ['x'] }], pos: 0 }],
    ['uuid()', { kind: 'call', fn: 'uuid', args: [], pos: 0 }],
    ['a == "x"', { kind: 'cmp', op: '==', left: { kind: 'path', path: ['a'] }, right: { kind: 'lit', value: 'x' }, pos: 2 }],
    ['(a)', { kind: 'path', path: ['a'] }],
  ];
  for (const [src, ast] of cases) it(src, () => assert.deepEqual(parseExpression(src), { ok: true, value: ast }));
});

describe('expression functions', () => {
  const cases: Array<[string, unknown]> = [
    ['first', '  Ann '],
    ['items[1].sku', 'b'],
    ['items', RAW.items],
    ['addr.${zip code}', '75001'],
    ['${First Name}', 'Zed'],
    ['missing.deep.path', undefined],
    ['items[5].sku', undefined],
    ['lower(email)', 'ann@example.com'],
    ['lower(missing)', undefined],
    ['upper(last)', 'LEE'],
    ['trim(first)', 'Ann'],
    ['lower(trim(first))', 'ann'],
    ['concat(trim(first), " ", last)', 'Ann Lee'],
    ['concat(last, missing, "!")', 'Lee!'],
    ['concat(items[0].qty)', '2'],
    ['to_date(born, "dd/MM/yyyy")', '1990-12-31T00:00:00.000Z'],
    ['date("2025-01-01T10:00:00+02:00")', '2025-01-01T08:00:00.000Z'],
    ['to_date(missing, "yyyy")', undefined],
    ['to_date(empty)', undefined],
    ['to_date(1700000000000)', '2023-11-14T22:13:20.000Z'],
    ['to_integer(n)', 42],
    ['to_integer("-7")', -7],
    ['to_integer(true)', 1],
    ['to_integer(missing)', undefined],
    ['to_float(f)', 1.5],
    ['to_float(3)', 3],
    ['iif(vip, "gold", "basic")', 'gold'],
    ['iif("false", "yes", "no")', 'no'],
    ['iif(missing, "yes", "no")', 'no'],
    ['iif(last == "Lee", "L", "other")', 'L'],
    ['iif(last != "Lee", "L", "other")', 'other'],
    ['iif(items[0].qty >= 2, "many", "one")', 'many'],
    ['iif(items[0].qty < 2, "one", "many")', 'many'],
    ['iif(true, "ok", to_integer("boom"))', 'ok'],
    ['nvl(tier, empty, missing, "basic")', 'basic'],
    ['nvl(last, "x")', 'Lee'],
    ['nvl(missing, tier)', undefined],
    ['now()', '2026-01-02T03:04:05.000Z'],
    ['substr(last, 1)', 'ee'],
    ['substr(last, 0, 2)', 'Le'],
    ['split("a,b", ",")', ['a', 'b']],
    ['replacestr(email, "@", " at ")', 'Ann at Example.COM'],
    ['is_empty(empty)', true],
    ['is_empty(last)', false],
    ['size_of(items)', 2],
    ['size_of(missing)', 0],
    ['constructor', undefined],
    ['__proto__', undefined],
    ['last.length', undefined],
  ];
  for (const [src, expected] of cases) it(src, () => assert.deepEqual(ev(src, RAW), { ok: true, value: expected }));

  it('uuid() gives a fresh v4 uuid each time', () => {
    const a = ev('uuid()');
    const b = ev('uuid()');
    assert.ok(a.ok && b.ok);
    assert.match(String(a.value), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.notEqual(a.value, b.value);
  });

  it('getPath reads own properties only', () => {
    assert.equal(getPath({ a: {} }, ['a', 'toString']), undefined);
    assert.equal(getPath('str', ['length']), undefined);
  });

  it('every listed function parses with its minimum arity', () => {
    for (const fn of FUNCTIONS) {
      const args = Array.from({ length: ARITY[fn]![0] }, () => 'a').join(', ');
      const p = parseExpression(`${fn}(${args})`);
      assert.ok(p.ok && p.value.kind === 'call' && p.value.fn === fn, fn);
    }
  });
});

describe('invalid input', () => {
  const parseErrors: Array<[string, RegExp]> = [
    ['', /unexpected end of expression at position 0/],
    ['explode(a)', /unknown function "explode" at position 0/],
    ['trim(explode(a))', /unknown function "explode" at position 5/],
    ['concat("a', /unterminated string at position 7/],
    ['concat(a b)', /expected "," or "\)" at position 9/],
    ['lower(a', /missing "\)" to close lower\( at position 7/],
    ['a b', /unexpected "b" at position 2/],
    ['a.', /expected a field name after "\." at position 2/],
    ['a[x]', /expected \[index\] at position 1/],
    ['a[99999]', /larger than 10000/],
    ['${x', /unterminated \$\{\.\.\.\} at position 0/],
    ['${}', /empty \$\{\} at position 0/],
    ['#', /unexpected "#" at position 0/],
    ['lower()', /lower\(\) takes 1 argument, got 0 at position 0/],
    ['lower(a, b)', /lower\(\) takes 1 argument, got 2/],
    ['iif(a, b)', /iif\(\) takes 3 arguments, got 2/],
    ['nvl(a)', /nvl\(\) takes at least 2 arguments, got 1/],
    ['substr(a)', /substr\(\) takes 2 to 3 arguments/],
    ['uuid(a)', /uuid\(\) takes 0 arguments, got 1/],
    ['to_date(a, "yyyy-QQ")', /unsupported letter "Q" in date format/],
    ["to_date(a, \"yyyy'T\")", /unterminated quote/],
    ['(a', /expected "\)" at position 2/],
    ['a ==', /unexpected end of expression at position 4/],
    ['toString(a)', /unknown function "toString"/],
    [`${'lower('.repeat(70)}a${')'.repeat(70)}`, /nested deeper than 64/],
  ];
  for (const [src, re] of parseErrors)
    it(`parse: ${src.slice(0, 30) || '(empty)'}`, () => {
      const p = parseExpression(src);
      assert.equal(p.ok, false);
      assert.match(p.ok ? '' : p.error, re);
    });

  const runtimeErrors: Array<[string, RegExp]> = [
    ['to_integer(last)', /"Lee" is not a number \(to_integer at position 0\)/],
    ['to_float(items)', /is not a number \(to_float/],
    ['to_date(last)', /cannot parse "Lee" as a date \(to_date at position 0\)/],
    ['to_date(born, "yyyy-MM-dd")', /cannot parse "31\/12\/1990" as a date with format "yyyy-MM-dd"/],
    ['to_date(born, 5)', /date format must be a string/],
    ['date("2025-02-30")', /cannot parse/],
    ['substr(last, "x")', /positions must be integers/],
    ['lower(to_integer(last))', /not a number/],
    ['iif(to_integer(last), 1, 2)', /not a number/],
    ['nvl(missing, to_float(last))', /not a number/],
    ['iif(to_integer(last) == 1, 1, 2)', /not a number/],
  ];
  for (const [src, re] of runtimeErrors)
    it(`evaluate: ${src}`, () => {
      const r = ev(src, RAW);
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.error, re);
    });
});
