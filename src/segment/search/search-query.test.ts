import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchesSearch, parseSearch } from './search-query.js';

const docs = {
  gold: { segmentId: 'a1', segmentName: 'Gold members', segmentDescription: 'Loyalty tier gold, running shoes buyers', folderId: 'root' },
  cars: { segmentId: 'b2', segmentName: 'Fast cars', segmentDescription: 'Porsche camp visitors', folderId: 'root' },
  aam: { segmentId: 'c3', segmentName: 'AAM heavy equipment', segmentDescription: undefined, folderId: 'root' },
};
type Name = keyof typeof docs;

describe('segment search expressions (Lucene subset)', () => {
  const cases: Array<[string, Name[]]> = [
    ['gold', ['gold']],
    ['GOLD', ['gold']],
    ['gold cars', ['gold', 'cars']], // juxtaposition is OR
    ['gold OR cars', ['gold', 'cars']],
    ['gold || aam', ['gold', 'aam']],
    ['gold AND members', ['gold']],
    ['gold && cars', []],
    ['fast NOT porsche', []],
    ['cars NOT gold', ['cars']],
    ['NOT gold', ['cars', 'aam']],
    ['!gold', ['cars', 'aam']],
    ['(gold OR aam) AND NOT heavy', ['gold']],
    ['segmentName:gold', ['gold']],
    ['segmentDescription:gold', ['gold']],
    ['segmentName:porsche', []],
    ['segmentId:b2', ['cars']],
    ['run*', ['gold']],
    ['cam?', ['cars']],
    ['cam?ra', []],
    ['"heavy equipment"', ['aam']],
    ['"equipment heavy"', []],
    ['segmentName:"fast cars"', ['cars']],
    ['folderId:root', ['gold', 'cars', 'aam']],
    ['segmentName: AAM OR Platform', ['aam']],
  ];
  for (const [s, want] of cases)
    it(`${s} -> ${want.join(', ') || 'nothing'}`, () => {
      const q = parseSearch(s);
      assert.ok(q.ok, q.ok ? '' : q.error);
      assert.deepEqual((Object.keys(docs) as Name[]).filter((n) => matchesSearch(q.value, docs[n])), want);
    });

  describe('invalid input', () => {
    const bad: Array<[string, RegExp]> = [
      ['', /empty/],
      ['   ', /empty/],
      ['blue~', /"~" at position 4/],
      ['"hotel airport"~5', /proximity/],
      ['/[mh]otel/', /regular-expression/],
      ['gold^2', /"\^"/],
      ['[a TO b]', /"\["/],
      ['name:foo', /unknown field "name"/],
      ['"open', /unterminated phrase/],
      ['(gold', /"\)" expected/],
      ['gold AND', /ends where a term is expected/],
      ['gold )', /unexpected "\)"/],
      ['segmentName:', /a term is missing/],
      ['---', /no letters or digits/],
    ];
    for (const [s, re] of bad)
      it(`${JSON.stringify(s)} is refused`, () => {
        const q = parseSearch(s);
        assert.equal(q.ok, false);
        if (!q.ok) assert.match(q.error, re);
      });
  });
});
