import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform } from '../helpers/platform.js';

const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict reader of the Prometheus text format 0.0.4: every line is a HELP, a TYPE or a sample; every sample's
 * family has a TYPE; label values are quoted and escaped; values are numbers. Throws naming the first bad line.
 */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sampleRe = new RegExp(`^(${NAME})(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*",?)*)\\})? (-?(?:\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?|Inf|\\+Inf|NaN))(?: -?\\d+)?$`);
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^# HELP (${NAME}) .*$`).exec(line))) continue;
    if ((m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line))) {
      assert.ok(!types.has(m[1]!), `line ${i + 1}: a second TYPE for ${m[1]}`);
      types.set(m[1]!, m[2]!);
      continue;
    }
    m = sampleRe.exec(line);
    assert.ok(m, `line ${i + 1} is not a sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(m[1]!) || types.has(family), `line ${i + 1}: ${m[1]} has no TYPE`);
    samples.push({ name: m[1]!, labels, value: Number(m[3]!.replace(/^\+?Inf$/, 'Infinity')) });
  }
  return { types, samples };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);

describe('/metrics: the Prometheus text format, with the API, processor, segmentation and reader threads merged', () => {
  let k: TestKith;
  let p: Platform;
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    const schema = await p.createSchema('Members', FG('profile'), [FG('identitymap'), FG('profile-personal-details')], true);
    const ds = await p.createDataset('Members', schema, { profile: true, identity: true });
    const { inletId } = await p.createInlet('metrics');
    const post = async (e: Record<string, unknown>) => assert.equal((await p.collect(`/collection/${inletId}`, p.envelope(schema, ds, e))).status, 200);
    await post({ _id: 'm1', identityMap: { Email: [{ id: 'ann@example.com', primary: true }] } });
    await post({ _id: 'm2', personalEmail: { address: 'nobody@example.com' } });
    await post({ _id: 'm3', identityMap: { Email: [{ id: 'bo@example.com', primary: true }] }, notInTheSchema: true });
    await k.processor.drain();
  });
  after(() => k.stop());

  it('scrapes without credentials, as text/plain version 0.0.4, and every line parses', async () => {
    const r = await fetch(`${k.baseUrl}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const { types, samples } = parseExposition(await r.text());

    const cases: Array<[string, string, Record<string, string>, (v: number) => boolean]> = [
      ['kith_http_requests_total', 'counter', { method: 'POST', route: '/collection/:inletId', status: '200' }, (v) => v === 3],
      ['kith_http_request_duration_seconds_count', 'histogram', { method: 'POST', route: '/collection/:inletId' }, (v) => v === 3],
      ['kith_ingest_acknowledged_total', 'counter', { kind: 'xdm' }, (v) => v === 3],
      ['kith_ingest_records_total', 'counter', { stage: 'received' }, (v) => v === 3],
      ['kith_ingest_records_total', 'counter', { stage: 'ingested' }, (v) => v === 2],
      ['kith_ingest_records_total', 'counter', { stage: 'failed' }, (v) => v === 1],
      ['kith_ingest_records_total', 'counter', { stage: 'profile_ingested' }, (v) => v === 1],
      ['kith_ingest_records_total', 'counter', { stage: 'profile_not_ingested' }, (v) => v === 1],
      ['kith_failed_records_total', 'counter', { code: 'SCHEMA_VALIDATION' }, (v) => v === 1],
      ['kith_ingest_log_backlog_entries', 'gauge', { consumer: 'lake' }, (v) => v >= 0],
      ['kith_processor_lag_entries', 'gauge', {}, (v) => v >= 0],
      ['kith_processor_lag_seconds', 'gauge', {}, (v) => v >= 0],
      ['kith_segmentation_backlog_changes', 'gauge', {}, (v) => v >= 0],
      ['kith_thread_cpu_seconds_total', 'gauge', { thread: 'api' }, (v) => v > 0],
      ['kith_thread_cpu_seconds_total', 'gauge', { thread: 'processor' }, (v) => v > 0],
      ['kith_thread_cpu_seconds_total', 'gauge', { thread: 'segmentation' }, (v) => v > 0],
      ['kith_thread_cpu_seconds_total', 'gauge', { thread: 'reader' }, (v) => v > 0],
      ['kith_thread_event_loop_utilization', 'gauge', { thread: 'processor' }, (v) => v >= 0 && v <= 1],
      ['process_cpu_seconds_total', 'counter', {}, (v) => v > 0],
    ];
    for (const [name, type, labels, ok] of cases) {
      const family = name.replace(/_(bucket|sum|count)$/, '');
      assert.equal(types.get(family) ?? types.get(name), type, `${name} is a ${type}`);
      assert.ok(samples.some((s) => s.name === name && Object.entries(labels).every(([k2, v]) => s.labels[k2] === v)), `${name} ${JSON.stringify(labels)} is exported`);
      const v = value(samples, name, labels);
      assert.ok(ok(v), `${name} ${JSON.stringify(labels)} = ${v}`);
    }
    assert.equal(types.get('kith_journey_actions_total'), 'counter');
    if (k.storage.kind === 'sqlite') assert.ok(samples.some((s) => s.name === 'kith_wal_bytes' && s.labels.file === 'ingest-log.db-wal'), 'WAL sizes');
  });

  it('counts its own scrapes nowhere, and an unknown route as unmatched', async () => {
    await fetch(`${k.baseUrl}/no/such/route`);
    const { samples } = parseExposition(await (await fetch(`${k.baseUrl}/metrics`)).text());
    assert.equal(value(samples, 'kith_http_requests_total', { route: '/metrics' }), 0);
    assert.ok(value(samples, 'kith_http_requests_total', { route: 'unmatched', status: '404' }) >= 1);
  });

  describe('invalid input: the strict reader refuses what is not the text format', () => {
    const cases: Array<[string, string]> = [
      ['a sample without a TYPE', 'x_total 1\n'],
      ['an unquoted label', '# TYPE x counter\nx{a=b} 1\n'],
      ['a value that is not a number', '# TYPE x gauge\nx one\n'],
      ['two TYPE lines', '# TYPE x gauge\n# TYPE x gauge\n'],
    ];
    for (const [what, text] of cases) it(what, () => assert.throws(() => parseExposition(text)));
  });
});
