import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { benchRoot, storageKind } from '../bench/lib/bench-root.js';
import { cpuVerdict, figuresOf, median, medians, parseBenchJson, ratios } from '../bench/lib/compare.js';

/** The pure part of bench/side-by-side.ts and bench/storage-ratio.ts: which figures are compared and how. */
describe('bench comparison', () => {
  describe('figuresOf', () => {
    const cases: Array<[string, unknown, Record<string, number>]> = [
      ['nested figures by dotted path', { kith: { batch100: { msgsPerSec: 100, p99ms: 5, requests: 9 } } }, { 'kith.batch100.msgsPerSec': 100, 'kith.batch100.p99ms': 5 }],
      ['top-level CPU per event', { serverCpuUsPerEvent: 300, seconds: 20, profiles: 1 }, { serverCpuUsPerEvent: 300 }],
      ['hardware and arrays skipped', { hardware: { p99: 1 }, trend: [{ p99: 2 }], figures: [{ figure: 3 }], figure: 4 }, { figure: 4 }],
      ['null CPU (no /proc) skipped', { serverCpuUsPerEvent: null, p50: 1 }, { p50: 1 }],
    ];
    for (const [name, json, want] of cases) it(name, () => assert.deepEqual(figuresOf(json), want));

    describe('invalid input gives no figures', () => {
      for (const bad of [undefined, null, 3, 'x', [1, 2], { p99: 'slow' }, { p99: Number.NaN }])
        it(JSON.stringify(bad) ?? 'undefined', () => assert.deepEqual(figuresOf(bad), {}));
    });
  });

  describe('median and medians', () => {
    const cases: Array<[number[], number | null]> = [[[3, 1, 2], 2], [[4, 1, 3, 2], 2.5], [[7], 7], [[], null]];
    for (const [xs, want] of cases) it(`median ${JSON.stringify(xs)}`, () => assert.equal(median(xs), want));
    it('per path, over the runs that have it', () => assert.deepEqual(medians([{ a: 1, b: 10 }, { a: 3 }, { a: 2, b: 20 }]), { a: 2, b: 15 }));
  });

  describe('ratios and the CPU verdict', () => {
    it('head over base where both have the figure and base is not zero', () =>
      assert.deepEqual(ratios({ a: 110, b: 1, c: 5, z: 1 }, { a: 100, b: 0, z: 3 }), { a: 1.1, z: 0.333 }));
    const verdicts: Array<[string, Record<string, number>, boolean | null]> = [
      ['within at exactly 10 % more', { serverCpuUsPerEvent: 1.1, 'x.p99': 3 }, true],
      ['out when any CPU figure is over', { 'a.serverCpuUsPerEvent': 0.9, 'b.serverCpuUsPerEvent': 1.11 }, false],
      ['no verdict without a CPU figure', { p99: 1 }, null],
    ];
    for (const [name, ratio, within] of verdicts) it(name, () => assert.equal(cpuVerdict(ratio).within, within));
  });

  describe('parseBenchJson', () => {
    const cases: Array<[string, string, unknown]> = [
      ['the whole output', '{"a":1}\n', { a: 1 }],
      ['after progress lines', 'warming up\n{\n "a": {"b": 2}\n}\n', { a: { b: 2 } }],
      ['the last of two objects', '{"a":1}\n{"a":2}\n', { a: 2 }],
      ['no JSON', 'exited 1\n', undefined],
      ['empty', '', undefined],
      ['a truncated object', '{"a":', undefined],
    ];
    for (const [name, text, want] of cases) it(name, () => assert.deepEqual(parseBenchJson(text), want));
  });

  describe('bench root and storage kind from the environment', () => {
    it('KITH_BENCH_ROOT, absolute, with a trailing slash', () => assert.equal(benchRoot({ KITH_BENCH_ROOT: '/tmp/x' }), '/tmp/x/'));
    it('this repository without it', () => assert.ok(benchRoot({}).endsWith('/') && !benchRoot({}).includes('..')));
    const kinds: Array<[NodeJS.ProcessEnv, string]> = [[{ KITH_DATABASE_URL: 'postgres://h/db' }, 'postgres'], [{}, 'embedded'], [{ KITH_DATABASE_URL: '' }, 'embedded']];
    for (const [env, want] of kinds) it(`${JSON.stringify(env)} -> ${want}`, () => assert.equal(storageKind(env), want));
  });
});
