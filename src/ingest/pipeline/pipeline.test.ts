import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pipeline } from './pipeline.js';
import { runGrouped } from './run-grouped.js';
import { deadLetter, drop, ok, type Step } from './step.js';

interface Msg {
  key?: string;
  n: number;
  body: string;
}

const parse: Step<Msg, Msg & { json: Record<string, unknown> }> = (m) => {
  try {
    const json = JSON.parse(m.body) as unknown;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return deadLetter('body is not a JSON object', 'PARSE_ERROR');
    return ok({ ...m, json: json as Record<string, unknown> });
  } catch (e) {
    return deadLetter(`body is not JSON: ${(e as Error).message}`, 'PARSE_ERROR');
  }
};
const requireId: Step<Msg & { json: Record<string, unknown> }, { id: string; n: number }> = async (m) => {
  if (m.json.skip === true) return drop('skipped on purpose');
  if (typeof m.json._id !== 'string') return deadLetter('_id is missing', 'SCHEMA_VALIDATION', { path: '/_id' });
  return ok({ id: m.json._id, n: m.n }, m.json._id.length > 5 ? ['long _id'] : undefined);
};
const p = pipeline<Msg>().pipe(parse).pipe(requireId, 'requireId');

describe('pipeline', () => {
  const cases: Array<{ name: string; body: string; want: Record<string, unknown> }> = [
    { name: 'valid', body: '{"_id":"a"}', want: { type: 'ok', value: { id: 'a', n: 0 }, step: 1, stepName: 'requireId', warnings: [] } },
    { name: 'valid with warning', body: '{"_id":"abcdefg"}', want: { type: 'ok', value: { id: 'abcdefg', n: 0 }, step: 1, stepName: 'requireId', warnings: ['long _id'] } },
    { name: 'dropped', body: '{"skip":true}', want: { type: 'drop', reason: 'skipped on purpose', step: 1, stepName: 'requireId', warnings: [] } },
  ];
  for (const c of cases)
    it(c.name, async () => {
      assert.deepEqual(await p.run({ n: 0, body: c.body }), c.want);
    });

  it('is immutable: pipe returns a new pipeline', () => {
    const base = pipeline<number>();
    const one = base.pipe((x) => ok(x + 1));
    assert.equal(base.length, 0);
    assert.equal(one.length, 1);
  });

  it('an empty pipeline passes its input through', async () => {
    assert.deepEqual(await pipeline<number>().run(7), { type: 'ok', value: 7, step: -1, stepName: '', warnings: [] });
  });

  describe('invalid input', () => {
    const bad: Array<{ name: string; body: string; code: string; step: number; details?: unknown }> = [
      { name: 'not JSON', body: '{', code: 'PARSE_ERROR', step: 0 },
      { name: 'JSON array', body: '[1]', code: 'PARSE_ERROR', step: 0 },
      { name: 'JSON null', body: 'null', code: 'PARSE_ERROR', step: 0 },
      { name: 'missing _id', body: '{"x":1}', code: 'SCHEMA_VALIDATION', step: 1, details: { path: '/_id' } },
      { name: '_id not a string', body: '{"_id":5}', code: 'SCHEMA_VALIDATION', step: 1, details: { path: '/_id' } },
    ];
    for (const c of bad)
      it(`${c.name} is dead-lettered at step ${c.step}`, async () => {
        const r = await p.run({ n: 0, body: c.body });
        assert.equal(r.type, 'deadLetter');
        if (r.type !== 'deadLetter') return;
        assert.equal(r.code, c.code);
        assert.equal(r.step, c.step);
        assert.deepEqual(r.details, c.details);
        assert.ok(r.reason.length > 0);
      });

    it('a throwing step rejects the run (infrastructure fault, not bad data)', async () => {
      const q = pipeline<number>().pipe(() => {
        throw new Error('store down');
      });
      await assert.rejects(q.run(1), /store down/);
    });
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runGrouped', () => {
  it('keeps order per key while a slow step holds key A; keys B and C proceed meanwhile', async () => {
    const events: string[] = [];
    // A1 holds until B2 and C2 have ended (not a race against a timer: a loaded machine once made B2 end after a 60 ms
    // sleep); a runner that did not run other keys meanwhile would hold it the 2 s fallback and fail below
    let release!: () => void;
    const othersDone = new Promise<void>((r) => (release = r));
    const slowForA: Step<Msg, Msg> = async (m) => {
      events.push(`start ${m.key}${m.n}`);
      if (m.key === 'A' && m.n === 1) await Promise.race([othersDone, sleep(2000)]);
      else await sleep(1);
      events.push(`end ${m.key}${m.n}`);
      if (events.includes('end B2') && events.includes('end C2')) release();
      return ok(m);
    };
    const items: Msg[] = [
      { key: 'A', n: 1, body: '' },
      { key: 'B', n: 1, body: '' },
      { key: 'A', n: 2, body: '' },
      { key: 'C', n: 1, body: '' },
      { key: 'B', n: 2, body: '' },
      { key: 'A', n: 3, body: '' },
      { key: 'C', n: 2, body: '' },
    ];
    const out = await runGrouped(items, (m) => m.key, pipeline<Msg>().pipe(slowForA), { concurrency: 3 });
    // outcomes come back in input order
    assert.deepEqual(out.map((o) => (o.type === 'ok' ? `${o.value.key}${o.value.n}` : '?')), ['A1', 'B1', 'A2', 'C1', 'B2', 'A3', 'C2']);
    for (const k of ['A', 'B', 'C']) {
      const mine = events.filter((e) => e.endsWith(`${k}1`) || e.endsWith(`${k}2`) || e.endsWith(`${k}3`));
      const expected = items.filter((m) => m.key === k).flatMap((m) => [`start ${k}${m.n}`, `end ${k}${m.n}`]);
      assert.deepEqual(mine, expected, `key ${k} ran strictly in order, one at a time`);
    }
    // B and C finished while A1 was still sleeping
    const a1End = events.indexOf('end A1');
    for (const e of ['end B2', 'end C2']) assert.ok(events.indexOf(e) < a1End, `${e} before end A1`);
  });

  it('never runs more keys at once than the concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const step: Step<number, number> = async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep(2);
      inFlight--;
      return ok(n);
    };
    const items = Array.from({ length: 40 }, (_, i) => i);
    const out = await runGrouped(items, (n) => String(n % 10), pipeline<number>().pipe(step), { concurrency: 4 });
    assert.equal(peak, 4);
    assert.deepEqual(out.map((o) => (o.type === 'ok' ? o.value : -1)), items);
  });

  it('items without a key are independent; outcomes of every kind keep input order', async () => {
    const items: Msg[] = [
      { n: 1, body: '{"_id":"x"}' },
      { n: 2, body: '{' },
      { n: 3, body: '{"skip":true}' },
      { key: 'A', n: 4, body: '{"_id":"y"}' },
    ];
    const out = await runGrouped(items, (m) => m.key, p, { concurrency: 2 });
    assert.deepEqual(out.map((o) => o.type), ['ok', 'deadLetter', 'drop', 'ok']);
  });

  it('an empty input gives an empty output', async () => {
    assert.deepEqual(await runGrouped([], () => 'k', p, { concurrency: 2 }), []);
  });

  describe('invalid input', () => {
    for (const concurrency of [0, -1, 1.5, Number.NaN])
      it(`rejects concurrency ${concurrency}`, async () => {
        await assert.rejects(runGrouped([1], () => 'k', pipeline<number>(), { concurrency }), RangeError);
      });

    it('a throwing step rejects and stops later items of that key', async () => {
      const seen: number[] = [];
      const step: Step<number, number> = (n) => {
        seen.push(n);
        if (n === 2) throw new Error('boom');
        return ok(n);
      };
      await assert.rejects(runGrouped([1, 2, 3, 4], () => 'same', pipeline<number>().pipe(step), { concurrency: 2 }), /boom/);
      assert.deepEqual(seen, [1, 2]);
    });
  });
});
