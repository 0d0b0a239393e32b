import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseJsonLossless, parseNumberLossless, tryParseJsonLossless } from './lossless-json.js';
import { fixtureBytes } from './testing/fixtures.js';

describe('parseJsonLossless', () => {
  it('keeps 820982911946154508 exact (JSON.parse would give …500)', () => {
    const raw = fixtureBytes('shopify/orders-create.json');
    assert.equal((JSON.parse(raw.toString()) as { id: number }).id, 820982911946154500);
    const order = parseJsonLossless(raw) as Record<string, unknown>;
    assert.equal(order.id, '820982911946154508');
    const items = order.line_items as Array<Record<string, unknown>>;
    assert.equal(items[0]!.id, '487817672276298554');
    assert.equal(items[1]!.sales_line_item_group_id, '234567890123456789');
    assert.equal(items[3]!.sales_line_item_group_id, 142831562); // safe integers stay numbers
    assert.equal(order.total_weight, 0);
  });
  const table: Array<[string, number | string]> = [
    ['0', 0],
    ['-12', -12],
    ['9007199254740991', 9007199254740991],
    ['9007199254740992', '9007199254740992'],
    ['-9007199254740993', '-9007199254740993'],
    ['19.99', 19.99],
    ['0.06', 0.06],
    ['1e3', 1000],
    ['1e400', '1e400'],
  ];
  for (const [text, expected] of table) it(`number ${text}`, () => assert.deepEqual(parseNumberLossless(text), expected));
  it('property: every integer id survives exactly (as number when safe, else as its decimal string)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), (n) => {
        const v = (parseJsonLossless(`{"id":${n}}`) as { id: unknown }).id;
        return String(v) === n.toString() && (typeof v === 'number') === Number.isSafeInteger(Number(n));
      }),
      { numRuns: 500 },
    );
  });
});

describe('invalid input', () => {
  it('bad JSON is a 400 problem', () => {
    const r = tryParseJsonLossless('{"id": 1,');
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.status, 400);
  });
});
