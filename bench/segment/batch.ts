/**
 * Segment batch benchmark: N profiles (BENCH_PROFILES, default 1,000,000), each with a few attributes and ~5
 * ExperienceEvents, bulk-loaded into a DuckDB file with the segment loader (appender); 20 realistic definitions
 * (attribute comparisons, string tests, a datetime, event counts/sums/max/avg in windows, an inSegment, a CHAIN)
 * compiled by `src/segment/sql` to ONE query and evaluated. Baseline: the same 20 definitions written by hand as
 * plain DuckDB SQL over the same tables. Member counts of both are printed (they must agree on this data).
 *   BENCH_PROFILES=100000 node --import tsx bench/segment/batch.ts
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Condition, TimeUnit, ValueExpr } from '../../src/segment/pql/ast.js';
import { compileSegments } from '../../src/segment/sql/compile.js';
import { DEFAULT_TABLES, loadMemberships, loadProfiles, type SnapshotRow } from '../../src/segment/sql/run-batch.js';
import { hardware } from '../hardware.js';

const N = Number(process.env.BENCH_PROFILES ?? 1_000_000);
const NOW = Date.parse('2024-06-15T12:00:00Z');
const DAY = 86_400_000;

// ------------------------------------------------------------------------------------------------ data
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const NAMES = ['Alice', 'Bob', 'Carla', 'Dmitri', 'Eve', 'Fatima', 'Gus', 'Hana', 'anna', 'Aaron'];
const COUNTRIES = ['US', 'CA', 'FR', 'DE', 'GB', 'JP'];
const DOMAINS = ['gmail.com', 'corp.example.com', 'yahoo.fr', 'GMAIL.COM'];
const TIERS = ['bronze', 'silver', 'gold', 'platinum'];
const TYPES = ['web.webpagedetails.pageViews', 'web.webpagedetails.pageViews', 'commerce.productListAdds', 'commerce.purchases'];

function* profiles(n: number): Generator<SnapshotRow> {
  const r = rng(42);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  for (let i = 0; i < n; i++) {
    const name = pick(NAMES);
    const entity: Record<string, unknown> = {
      person: { name: { firstName: name }, birthDate: new Date(Date.UTC(1950 + Math.floor(r() * 60), Math.floor(r() * 12), 1 + Math.floor(r() * 28))).toISOString().slice(0, 10) },
      homeAddress: { countryCode: pick(COUNTRIES) },
      personalEmail: { address: `${name.toLowerCase()}${i}@${pick(DOMAINS)}` },
      loyalty: { tier: pick(TIERS), points: Math.floor(r() * 5000) },
      age: 16 + Math.floor(r() * 60),
      vip: r() < 0.1,
    };
    if (r() < 0.5) entity.mobilePhone = { number: `+1555${String(i).padStart(7, '0')}` };
    const events: SnapshotRow['events'] = [];
    const k = 3 + Math.floor(r() * 5); // 3..7, ~5
    for (let j = 0; j < k; j++) {
      const ts = NOW - Math.floor(r() * 60 * DAY);
      const eventType = pick(TYPES);
      const event: Record<string, unknown> = { _id: `${i}-${j}`, timestamp: new Date(ts).toISOString(), eventType, web: { webPageDetails: { URL: r() < 0.2 ? 'https://shop.example.com/sale/x' : 'https://shop.example.com/p/y' } } };
      if (eventType === 'commerce.purchases') event.commerce = { order: { priceTotal: Math.floor(r() * 300) } };
      events.push({ id: `${i}-${j}`, ts, event });
    }
    yield { pid: `p${i}`, entity, events };
  }
}

// ------------------------------------------------------------------------------------------------ definitions
const lit = (value: string | number | boolean | null): ValueExpr => ({ kind: 'literal', value });
const p = (d: string): ValueExpr => ({ kind: 'path', root: 'profile', path: d.split('.') });
const ev = (d: string): ValueExpr => ({ kind: 'path', root: 'event', path: d.split('.') });
const cmp = (left: ValueExpr, op: '=' | '!=' | '<' | '<=' | '>' | '>=', right: ValueExpr): Condition => ({ kind: 'compare', op, left, right });
const and = (...items: Condition[]): Condition => ({ kind: 'and', items });
const or = (...items: Condition[]): Condition => ({ kind: 'or', items });
const type = (t: string): Condition => cmp(ev('eventType'), '=', lit(t));
const within = (n: number, unit: TimeUnit = 'day'): Condition => ({ kind: 'occurs', value: ev('timestamp'), window: { kind: 'relative', cmp: '<=', amount: n, unit } });
const agg = (fn: 'count' | 'sum' | 'max' | 'avg', where: Condition, value?: ValueExpr): ValueExpr => ({ kind: 'aggregate', fn, events: { kind: 'events', where }, ...(value ? { value } : {}) });
const exists = (where: Condition): Condition => ({ kind: 'exists', events: { kind: 'events', where } });
const str = (test: 'startsWith' | 'endsWith' | 'contains' | 'like', value: ValueExpr, arg: string, caseSensitive = true): Condition => ({ kind: 'string', test, value, arg: lit(arg), caseSensitive, negate: false });
const PURCHASE = 'commerce.purchases';
const VIEW = 'web.webpagedetails.pageViews';
const price = ev('commerce.order.priceTotal');

const DEFS: Array<{ id: string; root: Condition }> = [
  { id: 'adults', root: cmp(p('age'), '>=', lit(18)) },
  { id: 'us', root: cmp(p('homeAddress.countryCode'), '=', lit('US')) },
  { id: 'gmail', root: str('endsWith', p('personalEmail.address'), '@gmail.com', false) },
  { id: 'gold-plus', root: { kind: 'in', value: p('loyalty.tier'), list: [lit('gold'), lit('platinum')], negate: false } },
  { id: 'a-names', root: str('startsWith', p('person.name.firstName'), 'a', false) },
  { id: 'vip', root: cmp(p('vip'), '=', lit(true)) },
  { id: 'born-before-1980', root: cmp(p('person.birthDate'), '<', { kind: 'datetime', ms: Date.UTC(1980, 0, 1) }) },
  { id: 'young-high-points', root: and(cmp(p('loyalty.points'), '>', lit(2500)), cmp(p('age'), '<', lit(40))) },
  { id: 'has-phone', root: { kind: 'isNull', value: p('mobilePhone.number'), negate: true } },
  { id: 'bought-7d', root: exists(and(type(PURCHASE), within(7))) },
  { id: 'viewer-30d', root: cmp(agg('count', and(type(VIEW), within(30))), '>=', lit(3)) },
  { id: 'spent-30d', root: cmp(agg('sum', and(type(PURCHASE), within(30)), price), '>', lit(200)) },
  { id: 'cart-no-buy-14d', root: and(exists(and(type('commerce.productListAdds'), within(14))), { kind: 'not', item: exists(and(type(PURCHASE), within(14))) }) },
  { id: 'big-ticket', root: cmp(agg('max', type(PURCHASE), price), '>', lit(250)) },
  { id: 'avg-basket', root: cmp(agg('avg', type(PURCHASE), price), '>=', lit(150)) },
  { id: 'sale-visitor', root: exists(and(str('contains', ev('web.webPageDetails.URL'), '/sale/'), within(30))) },
  { id: 'active-yesterday', root: exists({ kind: 'occurs', value: ev('timestamp'), window: { kind: 'day', which: 'yesterday' } }) },
  { id: 'vip-list', root: { kind: 'inSegment', segmentId: 'crm-vip-list' } },
  { id: 'view-then-buy-1d', root: { kind: 'chain', steps: [{ label: 'C0', what: type(VIEW) }, { label: 'C1', what: type(PURCHASE), when: { kind: 'afterStep', step: 0, cmp: '<=', amount: 1, unit: 'day' } }] } },
  { id: 'non-na-or-corp', root: or({ kind: 'in', value: p('homeAddress.countryCode'), list: [lit('US'), lit('CA')], negate: true }, str('like', p('personalEmail.address'), '%@corp.%')) },
];

// ------------------------------------------------------------------------------------------------ hand-written SQL
const t = DEFAULT_TABLES;
const since = (n: number): number => NOW - n * DAY;
const today = Math.floor(NOW / DAY) * DAY;
const BASELINE = `
WITH p AS (SELECT pid,
    TRY_CAST(entity->>'$.age' AS DOUBLE) AS age, entity->>'$.homeAddress.countryCode' AS country,
    entity->>'$.personalEmail.address' AS email, entity->>'$.loyalty.tier' AS tier,
    TRY_CAST(entity->>'$.loyalty.points' AS DOUBLE) AS points, entity->>'$.person.name.firstName' AS first,
    TRY_CAST(entity->>'$.vip' AS BOOLEAN) AS vip, TRY_CAST(entity->>'$.person.birthDate' AS DATE) AS birth,
    entity->>'$.mobilePhone.number' AS phone FROM ${t.profiles}),
e AS (SELECT pid, ts, event->>'$.eventType' AS type, TRY_CAST(event->>'$.commerce.order.priceTotal' AS DOUBLE) AS price,
    event->>'$.web.webPageDetails.URL' AS url FROM ${t.events}),
a AS (SELECT pid,
    count(*) FILTER (WHERE type = '${PURCHASE}' AND ts >= ${since(7)}) AS buy7,
    count(*) FILTER (WHERE type = '${VIEW}' AND ts >= ${since(30)}) AS view30,
    sum(price) FILTER (WHERE type = '${PURCHASE}' AND ts >= ${since(30)}) AS spent30,
    count(*) FILTER (WHERE type = 'commerce.productListAdds' AND ts >= ${since(14)}) AS cart14,
    count(*) FILTER (WHERE type = '${PURCHASE}' AND ts >= ${since(14)}) AS buy14,
    max(price) FILTER (WHERE type = '${PURCHASE}') AS maxp, avg(price) FILTER (WHERE type = '${PURCHASE}') AS avgp,
    count(*) FILTER (WHERE contains(url, '/sale/') AND ts >= ${since(30)}) AS sale30,
    count(*) FILTER (WHERE ts >= ${today - DAY} AND ts < ${today}) AS yest
  FROM e GROUP BY pid),
m AS (SELECT DISTINCT pid FROM ${t.memberships} WHERE segment_id = 'crm-vip-list'),
c AS (SELECT DISTINCT v.pid FROM e v JOIN e b ON b.pid = v.pid AND b.ts > v.ts AND b.ts - v.ts <= ${DAY}
      WHERE v.type = '${VIEW}' AND b.type = '${PURCHASE}')
SELECT pid, segment_id FROM (
  SELECT p.pid, unnest([
    CASE WHEN age >= 18 THEN 'adults' END, CASE WHEN country = 'US' THEN 'us' END,
    CASE WHEN lower(email) LIKE '%@gmail.com' THEN 'gmail' END, CASE WHEN tier IN ('gold', 'platinum') THEN 'gold-plus' END,
    CASE WHEN lower(first) LIKE 'a%' THEN 'a-names' END, CASE WHEN vip THEN 'vip' END,
    CASE WHEN birth < DATE '1980-01-01' THEN 'born-before-1980' END, CASE WHEN points > 2500 AND age < 40 THEN 'young-high-points' END,
    CASE WHEN phone IS NOT NULL THEN 'has-phone' END, CASE WHEN buy7 > 0 THEN 'bought-7d' END,
    CASE WHEN view30 >= 3 THEN 'viewer-30d' END, CASE WHEN spent30 > 200 THEN 'spent-30d' END,
    CASE WHEN cart14 > 0 AND coalesce(buy14, 0) = 0 THEN 'cart-no-buy-14d' END, CASE WHEN maxp > 250 THEN 'big-ticket' END,
    CASE WHEN avgp >= 150 THEN 'avg-basket' END, CASE WHEN sale30 > 0 THEN 'sale-visitor' END,
    CASE WHEN yest > 0 THEN 'active-yesterday' END, CASE WHEN m.pid IS NOT NULL THEN 'vip-list' END,
    CASE WHEN c.pid IS NOT NULL THEN 'view-then-buy-1d' END,
    CASE WHEN country NOT IN ('US', 'CA') OR email LIKE '%@corp.%' THEN 'non-na-or-corp' END]) AS segment_id
  FROM p LEFT JOIN a ON a.pid = p.pid LEFT JOIN m ON m.pid = p.pid LEFT JOIN c ON c.pid = p.pid
) WHERE segment_id IS NOT NULL`;

// ------------------------------------------------------------------------------------------------ run
const dir = mkdtempSync(join(tmpdir(), 'kith-segbench-'));
const instance = await DuckDBInstance.create(join(dir, 'seg.duckdb'), { threads: '2' });
const conn = await instance.connect();
try {
  const l0 = performance.now();
  await loadProfiles(conn, profiles(N));
  const vipList = function* () {
    for (let i = 0; i < N; i += 10) yield { pid: `p${i}`, segmentId: 'crm-vip-list' };
  };
  await loadMemberships(conn, vipList());
  await conn.run('CHECKPOINT');
  const loadSeconds = (performance.now() - l0) / 1000;

  const counts = async (sql: string): Promise<{ seconds: number; members: Record<string, number> }> => {
    const t0 = performance.now();
    const r = await conn.runAndReadAll(`SELECT segment_id, count(*) FROM (${sql}) GROUP BY segment_id`);
    const seconds = (performance.now() - t0) / 1000;
    const members: Record<string, number> = Object.fromEntries(DEFS.map((d) => [d.id, 0]));
    for (const [id, n] of r.getRows()) members[String(id)] = Number(n);
    return { seconds, members };
  };
  const c0 = performance.now();
  const compiled = compileSegments(DEFS, { ...DEFAULT_TABLES, now: NOW });
  if (!compiled.ok || compiled.value.unsupported.length) throw new Error(`compile failed: ${JSON.stringify(compiled)}`);
  const compileMs = performance.now() - c0;
  const ours = await counts(compiled.value.sql);
  const base = await counts(BASELINE);
  const mismatches = DEFS.filter((d) => ours.members[d.id] !== base.members[d.id]).map((d) => d.id);
  console.log(
    JSON.stringify({
      name: 'segment-batch',
      figure: Number(ours.seconds.toFixed(3)),
      unit: 's',
      profiles: N,
      events: Number((await conn.runAndReadAll(`SELECT count(*) FROM ${t.events}`)).getRows()[0]![0]),
      definitions: DEFS.length,
      loadSeconds: Number(loadSeconds.toFixed(3)),
      compileMs: Number(compileMs.toFixed(2)),
      members: ours.members,
      ...(mismatches.length ? { baselineMismatches: mismatches, baselineMembers: base.members } : {}),
      hardware: hardware(),
      baseline: { name: 'hand-written DuckDB SQL for the same 20 definitions', seconds: Number(base.seconds.toFixed(3)) },
    }),
  );
} finally {
  conn.closeSync();
  instance.closeSync();
  rmSync(dir, { recursive: true, force: true });
}
