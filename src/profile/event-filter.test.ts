import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchesFilters, parsePropertyFilters } from './event-filter.js';

const EVENT = {
  _id: 'e1',
  timestamp: '2026-03-02T10:00:00Z',
  eventType: 'web.webpagedetails.pageViews',
  web: { webPageDetails: { name: 'Home', isHomepage: true, pageViews: { value: 1 } } },
  commerce: { order: { priceTotal: 120.5, currencyCode: 'USD' } },
  productListItems: [{ SKU: 'a' }, { SKU: 'b' }],
  tags: ['x', 'y'],
};

describe('property filters', () => {
  const cases: Array<[string, string[], boolean]> = [
    ['boolean =', ['web.webPageDetails.isHomepage=true'], true],
    ['boolean = false', ['web.webPageDetails.isHomepage=false'], false],
    ['boolean !=', ['web.webPageDetails.isHomepage!=false'], true],
    ['the documented short path (looked up below the root)', ['webPageDetails.isHomepage=true'], true],
    ['string =', ['eventType=web.webpagedetails.pageViews'], true],
    ['string with quotes', ['web.webPageDetails.name="Home"'], true],
    ['string !=', ['web.webPageDetails.name!=Home'], false],
    ['number >=', ['commerce.order.priceTotal>=120.5'], true],
    ['number >', ['commerce.order.priceTotal>120.5'], false],
    ['number <', ['commerce.order.priceTotal<200'], true],
    ['number <=', ['commerce.order.priceTotal<=100'], false],
    ['number compared with a non-number', ['commerce.order.priceTotal=abc'], false],
    ['ISO date in time order', ['timestamp<2026-03-03'], true],
    ['ISO date after', ['timestamp>="2026-03-03"'], false],
    ['array: any element', ['tags=y'], true],
    ['array: none', ['tags=z'], false],
    ['missing value never matches', ['web.webPageDetails.missing!=1'], false],
    ['all filters must hold', ['commerce.order.currencyCode=USD', 'commerce.order.priceTotal>100', 'web.webPageDetails.isHomepage=true'], true],
    ['one failing filter fails', ['commerce.order.currencyCode=USD', 'commerce.order.priceTotal>500'], false],
    ['an object is not comparable', ['commerce.order=1'], false],
  ];
  for (const [name, raw, want] of cases)
    it(name, () => {
      const f = parsePropertyFilters(raw);
      assert.ok(f.ok, JSON.stringify(!f.ok && f.error));
      assert.equal(matchesFilters(EVENT, f.value), want);
    });

  it('parses path, operator and value', () => {
    const f = parsePropertyFilters(['a.b<=3', 'c!= x ', 'd>"q"']);
    assert.ok(f.ok);
    assert.deepEqual(f.value, [
      { path: ['a', 'b'], op: '<=', value: '3' },
      { path: ['c'], op: '!=', value: 'x' },
      { path: ['d'], op: '>', value: 'q' },
    ]);
  });

  describe('invalid input', () => {
    const bad: Array<[string, string[]]> = [
      ['no operator', ['web.webPageDetails.isHomepage']],
      ['no path', ['=true']],
      ['empty path segment', ['web..x=1']],
      ['more than three filters', ['a=1', 'b=2', 'c=3', 'd=4']],
    ];
    for (const [name, raw] of bad)
      it(`${name} -> 400`, () => {
        const f = parsePropertyFilters(raw);
        assert.ok(!f.ok && f.error.status === 400);
      });
  });
});
