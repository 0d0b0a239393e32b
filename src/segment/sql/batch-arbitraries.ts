/**
 * fast-check arbitraries for the batch-vs-streaming property test: random definitions over a small vocabulary of
 * profile paths (strings, numbers, booleans, ISO datetimes, missing/null values, nested objects, awkward keys) and
 * event paths, every node kind, and random profiles with events around a fixed `now`.
 */
import fc from 'fast-check';
import type { ChainStep, Condition, TimeUnit, TimeWindow, ValueExpr } from '../pql/ast.js';
import type { SnapshotRow } from './run-batch.js';

export const NOW = Date.parse('2024-06-15T12:00:00Z');
const DAY = 86_400_000;
const HOUR = 3_600_000;

const PROFILE_PATHS: string[][] = [
  ['name'],
  ['age'],
  ['vip'],
  ['birth'],
  ['score'],
  ['home', 'country'],
  ['home', 'city'],
  ['tags'],
  ['tags', '0'],
  ['missing'],
  ["it's \"odd\""],
  ['a/b~c', 'x'],
  ['', 'empty'],
];
const EVENT_PATHS: string[][] = [['eventType'], ['commerce', 'order', 'priceTotal'], ['web', 'url'], ['qty'], ['timestamp'], ['nope']];
const UNITS: TimeUnit[] = ['millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'year'];
const SEGMENTS = ['s1', 's2', "o'k"];

const chars = fc.constantFrom('a', 'b', 'A', 'B', 'é', '%', '_', '\\', ' ', "'", '"', '1', '2', '-', 'Ω');
export const smallString = fc.string({ unit: chars, maxLength: 5 });
const num = fc.oneof(fc.integer({ min: -5, max: 40 }), fc.constantFrom(0.5, -2.5, 1e3, 100, 18, -0));
const isoOf = (ms: number): string => new Date(ms).toISOString();
const iso = fc.oneof(
  fc.integer({ min: -40, max: 40 }).map((d) => isoOf(NOW + d * DAY)),
  fc.integer({ min: -40, max: 40 }).map((d) => isoOf(NOW + d * DAY).slice(0, 10)),
  fc.integer({ min: -40, max: 40 }).map((d) => isoOf(NOW + d * DAY).replace('Z', '+02:00').replace('.000', '')),
  fc.constantFrom('2024-02-30', '2024-02-29T10:00:00Z', '2024-06-15 12:00:00', '2024-06-15T12:00:00.123456-01:30', '2024-13-01', 'soon', '2024-06-15T24:00:00Z'),
);
const epoch = fc.integer({ min: -40, max: 40 }).map((d) => NOW + d * DAY);

const scalar: fc.Arbitrary<unknown> = fc.oneof(smallString, num, fc.boolean(), fc.constant(null), iso, epoch);
const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 2 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('country', 'city', 'x'), scalar, { maxKeys: 2 }) },
);

/** Sets `value` at `path` in `obj` (creating objects on the way), as own data properties. */
function put(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const next = cur[k];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) Object.defineProperty(cur, k, { value: {}, enumerable: true, writable: true, configurable: true });
    cur = cur[k] as Record<string, unknown>;
  }
  Object.defineProperty(cur, path[path.length - 1]!, { value, enumerable: true, writable: true, configurable: true });
}

const entity = fc
  .array(fc.tuple(fc.constantFrom(...PROFILE_PATHS), jsonValue), { maxLength: 8 })
  .map((kvs) => {
    const e: Record<string, unknown> = {};
    for (const [p, v] of kvs) put(e, p, v);
    return e;
  });

const eventBody = fc.record(
  {
    eventType: fc.oneof(fc.constantFrom('view', 'buy', 'cart', 'VIEW'), jsonValue),
    price: fc.oneof(fc.integer({ min: -3, max: 50 }), fc.constantFrom(0.5, 12.25), jsonValue),
    url: fc.oneof(fc.constantFrom('https://x.io/a', 'https://x.io/b%', 'http://y'), smallString),
    qty: num,
  },
  { requiredKeys: ['eventType'] },
);
/** Offsets chosen to hit window edges exactly (whole days/hours before now) as well as arbitrary instants. */
const offset = fc.oneof(
  fc.integer({ min: -10, max: 2 }).map((d) => d * DAY),
  fc.integer({ min: -60, max: 5 }).map((h) => h * HOUR),
  fc.integer({ min: -20 * DAY, max: DAY }),
);
const events = fc.array(fc.tuple(offset, eventBody), { maxLength: 6 }).map((list) =>
  list.map(([off, b], i) => {
    const event: Record<string, unknown> = { _id: `e${i}`, timestamp: isoOf(NOW + off), eventType: b.eventType };
    if ('price' in b) put(event, ['commerce', 'order', 'priceTotal'], b.price);
    if ('url' in b) put(event, ['web', 'url'], b.url);
    if ('qty' in b) event.qty = b.qty;
    return { id: `e${i}`, ts: NOW + off, event };
  }),
);

export const profiles: fc.Arbitrary<SnapshotRow[]> = fc
  .array(fc.tuple(entity, events), { minLength: 1, maxLength: 6 })
  .map((list) => list.map(([e, ev], i) => ({ pid: `p${i}`, entity: e, events: ev })));

export const memberships = (n: number): fc.Arbitrary<Array<{ pid: string; segmentId: string }>> =>
  fc.array(fc.tuple(fc.integer({ min: 0, max: Math.max(0, n - 1) }), fc.constantFrom(...SEGMENTS)), { maxLength: 6 }).map((l) => l.map(([i, s]) => ({ pid: `p${i}`, segmentId: s })));

// ---------------------------------------------------------------- definitions

const lit = (value: string | number | boolean | null): ValueExpr => ({ kind: 'literal', value });
const literal: fc.Arbitrary<ValueExpr> = fc.oneof(smallString, num, fc.boolean(), fc.constant(null), iso).map((v) => lit(v as string | number | boolean | null));
const duration: fc.Arbitrary<ValueExpr> = fc.record({ kind: fc.constant('duration' as const), amount: fc.constantFrom(0, 1, 2, 3, 7, 30, 0.5), unit: fc.constantFrom(...UNITS) });
const profilePath: fc.Arbitrary<ValueExpr> = fc.constantFrom(...PROFILE_PATHS).map((path) => ({ kind: 'path', root: 'profile', path }));
const eventPath: fc.Arbitrary<ValueExpr> = fc.constantFrom(...EVENT_PATHS).map((path) => ({ kind: 'path', root: 'event', path }));
const ts: ValueExpr = { kind: 'path', root: 'event', path: ['timestamp'] };
const timeConst: fc.Arbitrary<ValueExpr> = fc.oneof(
  fc.constant<ValueExpr>({ kind: 'now' }),
  fc.constant<ValueExpr>({ kind: 'today' }),
  fc.integer({ min: -30, max: 5 }).map((d): ValueExpr => ({ kind: 'datetime', ms: NOW + d * DAY })),
);

type Scope = 'profile' | 'event';

function value(scope: Scope, depth: number): fc.Arbitrary<ValueExpr> {
  const leaves: Array<fc.Arbitrary<ValueExpr>> = [literal, profilePath, timeConst, duration];
  if (scope === 'event') leaves.push(eventPath, eventPath, fc.constant(ts));
  if (depth <= 0) return fc.oneof(...leaves);
  const sub = value(scope, depth - 1);
  const more: Array<fc.Arbitrary<ValueExpr>> = [
    fc.record({ kind: fc.constant('arith' as const), op: fc.constantFrom('+' as const, '-' as const, '*' as const, '/' as const, '%' as const), left: sub, right: sub }),
    fc.record({ kind: fc.constant('fn' as const), fn: fc.constantFrom('lower' as const, 'upper' as const, 'trim' as const, 'length' as const), arg: sub }),
  ];
  if (scope === 'profile') more.push(aggregate(depth - 1));
  return fc.oneof({ weight: 3, arbitrary: fc.oneof(...leaves) }, { weight: 2, arbitrary: fc.oneof(...more) });
}

function aggregate(depth: number): fc.Arbitrary<ValueExpr> {
  return fc
    .tuple(fc.constantFrom('count' as const, 'sum' as const, 'min' as const, 'max' as const, 'avg' as const), fc.option(condition('event', Math.min(depth, 1)), { nil: undefined }), fc.option(value('event', 0), { nil: undefined }))
    .map(([fn, where, v]) => ({ kind: 'aggregate', fn, events: where ? { kind: 'events', where } : { kind: 'events' }, ...(v ? { value: v } : {}) }));
}

const window: fc.Arbitrary<TimeWindow> = fc.oneof(
  fc.record({ kind: fc.constant('relative' as const), cmp: fc.constantFrom('<' as const, '<=' as const, '>' as const, '>=' as const), amount: fc.constantFrom(0, 1, 2, 3, 7), unit: fc.constantFrom<TimeUnit>('hour', 'day', 'week', 'month') }),
  fc.record({ kind: fc.constant('day' as const), which: fc.constantFrom('today' as const, 'yesterday' as const) }),
  fc.record({ kind: fc.constant('absolute' as const), from: fc.option(fc.oneof(timeConst, literal, profilePath), { nil: undefined }), to: fc.option(fc.oneof(timeConst, literal), { nil: undefined }), inclusive: fc.boolean() }).map((w) => {
    const out: TimeWindow = { kind: 'absolute', inclusive: w.inclusive };
    if (w.from) out.from = w.from;
    if (w.to) out.to = w.to;
    return out;
  }),
);

const LIKE = ['a%', '%a', '_', '%\\%%', 'A_b%', '\\', '%é%', "%'%", '%'];
const REGEX = ['^a', 'b$', 'a.b', '[ab]+', '\\d', '(?i)A', 'é|Ω', '^\\s', '[', 'a{2}', '\\w+\\b'];

function condition(scope: Scope, depth: number): fc.Arbitrary<Condition> {
  const v = value(scope, Math.min(depth, 1));
  const leaves: Array<fc.Arbitrary<Condition>> = [
    fc.boolean().map((b): Condition => ({ kind: 'bool', value: b })),
    fc.record({ kind: fc.constant('compare' as const), op: fc.constantFrom('=' as const, '!=' as const, '<' as const, '<=' as const, '>' as const, '>=' as const), left: v, right: v }),
    fc.record({ kind: fc.constant('in' as const), value: v, list: fc.array(fc.oneof(literal, v), { maxLength: 3 }), negate: fc.boolean() }),
    fc.record({ kind: fc.constant('isNull' as const), value: v, negate: fc.boolean() }),
    fc.record({
      kind: fc.constant('string' as const),
      test: fc.constantFrom('startsWith' as const, 'endsWith' as const, 'contains' as const, 'equals' as const),
      value: v,
      arg: fc.oneof(smallString.map(lit), v),
      caseSensitive: fc.boolean(),
      negate: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('string' as const), test: fc.constant('like' as const), value: v, arg: fc.constantFrom(...LIKE).map(lit), caseSensitive: fc.boolean(), negate: fc.boolean() }),
    fc.record({ kind: fc.constant('string' as const), test: fc.constant('matches' as const), value: v, arg: fc.constantFrom(...REGEX).map(lit), caseSensitive: fc.boolean(), negate: fc.boolean() }),
    fc.record({ kind: fc.constant('occurs' as const), value: scope === 'event' ? fc.oneof(fc.constant(ts), v) : v, window }),
  ];
  if (scope === 'event') leaves.push(fc.constantFrom('view', 'buy', 'cart').map((t): Condition => ({ kind: 'compare', op: '=', left: { kind: 'path', root: 'event', path: ['eventType'] }, right: lit(t) })));
  if (scope === 'profile') {
    leaves.push(fc.constantFrom(...SEGMENTS).map((segmentId): Condition => ({ kind: 'inSegment', segmentId })));
    if (depth > 0) {
      leaves.push(fc.option(condition('event', depth - 1), { nil: undefined }).map((where): Condition => ({ kind: 'exists', events: where ? { kind: 'events', where } : { kind: 'events' } })));
      leaves.push(chain(depth - 1));
    }
  }
  if (depth <= 0) return fc.oneof(...leaves);
  const sub = condition(scope, depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: fc.oneof(...leaves) },
    { weight: 1, arbitrary: fc.array(sub, { maxLength: 3 }).map((items): Condition => ({ kind: 'and', items })) },
    { weight: 1, arbitrary: fc.array(sub, { maxLength: 3 }).map((items): Condition => ({ kind: 'or', items })) },
    { weight: 1, arbitrary: sub.map((item): Condition => ({ kind: 'not', item })) },
  );
}

function chain(depth: number): fc.Arbitrary<Condition> {
  const what = fc.oneof(
    fc.constantFrom('view', 'buy', 'cart').map((t): Condition => ({ kind: 'compare', op: '=', left: { kind: 'path', root: 'event', path: ['eventType'] }, right: lit(t) })),
    condition('event', Math.min(depth, 1)),
  );
  const steps = fc.array(fc.tuple(what, fc.integer({ min: 0, max: 5 }), window, fc.integer({ min: -1, max: 3 }), fc.constantFrom('<' as const, '<=' as const), fc.constantFrom(1, 2, 24, 48), fc.constantFrom<TimeUnit>('hour', 'day')), { minLength: 0, maxLength: 3 });
  return steps.map((list): Condition => ({
    kind: 'chain',
    steps: list.map(([w, pick, win, stepRef, cmp, amount, unit], i): ChainStep => {
      const s: ChainStep = { label: `C${i}`, what: w };
      if (pick === 1) s.when = win;
      if (pick >= 3 && i > 0) s.when = { kind: 'afterStep', step: pick === 5 ? stepRef : Math.min(i - 1, Math.max(0, stepRef)), cmp, amount, unit };
      return s;
    }),
  }));
}

export const definitions: fc.Arbitrary<Array<{ id: string; root: Condition }>> = fc
  .array(condition('profile', 2), { minLength: 1, maxLength: 4 })
  .map((roots) => roots.map((root, i) => ({ id: `d${i}`, root })));
