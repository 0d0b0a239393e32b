import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import pg from 'pg';
import { loadConfig } from '../config/config.js';
import { runTransfer } from './transfer.js';
import { pgTestUrl } from '../store/postgres/pg-test-url.js';
import { allRows } from '../store/transfer.js';
import { openTransferStores } from './transfer-stores.js';
import { openStorageOrThrow, type StorageConfig } from '../runtime/storage.js';
import type { IdentityRef } from '../profile/identity-resolver.js';
import { xidOf } from '../identity/xid.js';
import type { Manifest } from './dump.js';
import { openSqlite } from '../store/sqlite/open.js';
import { SqliteResourceStore } from '../store/sqlite/sqlite-resource-store.js';
import { SqliteIngestLog } from '../ingest/log/sqlite-ingest-log.js';
import { SqliteFailedRecordsStore } from '../lake/sqlite-failed-records-store.js';
import { SqliteNotIngestedStore } from '../lake/sqlite-not-ingested-store.js';
import { SqliteSeenIds } from '../lake/sqlite-seen-ids.js';
import { SqliteSourceStateStore } from '../sources/http/sqlite-source-state-store.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(join(tmpdir(), 'kith-transfer-'));
const admin = new pg.Pool({ connectionString: pgTestUrl(), max: 1 });
const schemas: string[] = [];
after(async () => {
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await admin.end();
  rmSync(tmp, { recursive: true, force: true });
});

/** A throwaway schema and a URL that puts every table there (search_path in the connection's options). */
async function scratchUrl(): Promise<string> {
  const schema = `t_cli_transfer_${process.pid}_${Date.now().toString(36)}_${schemas.length}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  schemas.push(schema);
  const u = new URL(pgTestUrl());
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** The `kith` command in a process of its own, from the sources. */
function kith(...args: string[]): { code: number; out: string; err: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, KITH_FROM_SOURCE: '1' };
  delete env.KITH_DATA_DIR;
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/kith.js'), ...args], { encoding: 'utf8', env });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The same command in this process (the argument checks: a process each would cost seconds). */
async function kithHere(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const loaded = loadConfig(argv, {});
  assert.ok(loaded.ok);
  const [command, ...rest] = loaded.rest;
  assert.ok(command === 'export' || command === 'import');
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (c: Buffer, _e, cb) => (f(c.toString()), cb()) });
  const code = await runTransfer(command, loaded.config, rest, argv, {}, { out: sink((s) => (out += s)), errOut: sink((s) => (err += s)) });
  return { code, out, err };
}

/** A data directory with every moved store written through its port, and a lake file. */
async function seedDataDir(dir: string): Promise<void> {
  const control = openSqlite(dir, 'control');
  const rs = new SqliteResourceStore(control);
  await rs.put('dataset', 'sb1', 'ds-1', { name: 'Events', schemaRef: { id: 'x' } });
  await rs.put('schema', 'org:o', 's-1', { title: 'Zoë' }, { uniqueKey: 'zoë' });
  control.close();
  const logDb = openSqlite(dir, 'ingest-log');
  const log = new SqliteIngestLog(logDb);
  await log.append(Array.from({ length: 1500 }, (_, i) => ({ sandboxId: 'sb1', orgId: 'o', kind: 'xdm', receivedAt: i, payload: JSON.stringify({ i }), key: `k${i % 7}` })));
  await log.commit('lake', 1400);
  await log.close();
  logDb.close();
  const failedDb = openSqlite(dir, 'failed-records');
  await new SqliteFailedRecordsStore(failedDb).add([{ sandboxId: 'sb1', datasetId: 'ds-1', batchId: 'B', offset: 3, code: 'SCHEMA', reason: 'bad \u0000', payload: '{}' }]);
  await new SqliteNotIngestedStore(failedDb).add([
    { sandboxId: 'sb1', orgId: 'o', datasetId: 'ds-1', batchId: 'B', offset: 4, recordId: null, xactionId: 'x', isEvent: true, receivedAt: 4, code: 'NO_IDENTITY', reason: 'none', record: '{}' },
  ]);
  await new SqliteSeenIds(failedDb).rememberThrough('lake', 1400, new Map([['sb1/ds-1', ['e1', 'e2']]]));
  failedDb.close();
  const sourcesDb = openSqlite(dir, 'sources');
  const src = new SqliteSourceStateStore(sourcesDb);
  await src.bump({ refused: 2 });
  await src.remember(['shopify:1'], 0, 10 ** 12);
  sourcesDb.close();
  await seedProfiles(dir);
  writeFileSync(join(dir, 'lake.duckdb'), 'not really a lake, copied byte for byte');
  writeFileSync(join(dir, 'credentials.json'), '{}');
}

const PROFILE_STORES = ['identityGraph', 'profileStore', 'segmentStore'] as const;
const people: IdentityRef[] = Array.from({ length: 30 }, (_, i) => ({ namespace: i % 2 ? 'Email' : 'CRMID', id: `p${i}\u0000` }));
const T0 = Date.UTC(2026, 0, 2);

/** An identity graph, profiles with events and computed-attribute state, and audience memberships, through the ports. */
async function seedProfiles(dir: string): Promise<void> {
  const st = await openStorageOrThrow({ dataDir: dir }, 'cli', { extra: PROFILE_STORES });
  const { identityGraph: g, profileStore: p, segmentStore: s } = st.stores;
  try {
    const obs = people.map((r, i) => ({ t: T0 + i, dataset: 'ds-1', batch: 'B', record: `r${i}`, identities: [{ ns: r.namespace, id: r.id, type: 'CROSS_DEVICE', xid: xidOf(r.namespace, r.id) }, { ns: 'ECID', id: `e${i % 10}`, type: 'COOKIE', xid: xidOf('ECID', `e${i % 10}`) }] }));
    await g!.append('sb1', obs, [{ at: T0, op: 'cut', a: xidOf('ECID', 'e1'), rule: 'unique' }]);
    const nodes = people.map((r, i) => ({ xid: xidOf(r.namespace, r.id), ns: r.namespace, id: r.id, type: 'CROSS_DEVICE', firstSeen: T0 + i, lastSeen: T0 + i }));
    await g!.checkpoint('sb1', { nodes, edges: nodes.slice(1).map((n, i) => ({ a: nodes[i]!.xid, b: n.xid, firstSeen: T0, lastSeen: T0, datasets: ['ds-1'], batches: ['B'], lastRecord: `r${i}` })) });
    await g!.append('sb1', obs.slice(0, 3).map((o) => ({ ...o, batch: 'B2' })), []);
    await p!.write(
      people.flatMap((ref, i) => [{ sandboxId: 'sb1', ref }, { sandboxId: 'sb1', ref, event: { eventId: `ev${i}`, cap: 100 } }]),
      (w) =>
        people.forEach((ref, i) => {
          w.putFragment('sb1', { datasetId: 'ds-1', namespace: ref.namespace, id: ref.id, leaves: { 'person.name': [`Zoë ${i}`, T0] }, tags: ['B'], updatedAt: T0 + i });
          w.addEvent('sb1', { eventId: `ev${i}`, namespace: ref.namespace, id: ref.id, datasetId: 'ds-2', batchId: 'B', ts: T0 + i, event: { _id: `ev${i}`, eventType: 'web.visit' }, ingestedAt: T0 }, 100);
          w.putCa('sb1', 'ca-1', ref, { '20455': { sum: i, count: 1, max: i, min: i, latestTs: T0, latest: i } });
        }),
    );
    await s!.begin();
    await s!.prefetch('sb1', people.map((r) => xidOf(r.namespace, r.id)), people);
    people.forEach((ref, i) => {
      s!.putMembership('sb1', { segmentId: 'seg-1', pid: xidOf(ref.namespace, ref.id), ref, status: i % 3 ? 'realized' : 'exited', lastQualificationTime: T0 + i, version: 1 });
      if (i % 5 === 0) s!.setTimer('sb1', ref, T0 + 86_400_000);
    });
    s!.addOutbox('sb1', T0, { _id: 'aud-1', eventType: 'segmentMembership.realized' });
    await s!.commit();
    await s!.rememberSandbox('sb1');
    await s!.markClosed();
  } finally {
    await st.close();
  }
}

/** What the identity, profile and segment ports answer about the seeded deployment. */
async function portAnswers(cfg: StorageConfig): Promise<unknown> {
  const st = await openStorageOrThrow(cfg, 'cli', { extra: PROFILE_STORES });
  const { identityGraph: g, profileStore: p, segmentStore: s } = st.stores;
  try {
    const pids = people.map((r) => xidOf(r.namespace, r.id));
    const byXid = <T extends { xid: string }>(xs: T[]) => [...xs].sort((a, b) => (a.xid < b.xid ? -1 : 1));
    const at = await g!.loadAt('sb1');
    return {
      graph: { nodes: byXid(at.nodes), edges: at.edges.length, seq: at.seq, generation: at.generation },
      tail: await g!.tail('sb1', 0, 1000),
      pending: await g!.pendingObservations('sb1'),
      history: await g!.history('sb1', xidOf('ECID', 'e1')),
      fragments: await p!.fragmentsOf('sb1', people),
      events: await p!.events('sb1', people, { order: 'desc', limit: 100 }),
      eventCount: await p!.countEvents('sb1', people),
      ca: await p!.caStates('sb1', 'ca-1', people),
      memberships: (await s!.membershipsOfPids('sb1', pids)).sort((a, b) => (a.pid < b.pid ? -1 : 1)),
      members: await s!.members('sb1', 'seg-1'),
      timers: await s!.dueTimers(T0 + 10 * 86_400_000),
      outbox: await s!.readOutbox(0, 10),
      active: await s!.activeSandboxes(),
    };
  } finally {
    await st.close();
  }
}

/** Every store's rows of a target, by store (the stores' own export: what their ports answer). */
async function rowsOf(target: StorageConfig): Promise<Record<string, unknown[]>> {
  const s = await openTransferStores(target);
  try {
    const out: Record<string, unknown[]> = {};
    for (const store of s.stores) out[store.transferName] = await allRows(store);
    return out;
  } finally {
    await s.close();
  }
}

const counts = (rows: Record<string, unknown[]>) => Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, v.length]));

describe('kith export / kith import', () => {
  const src = join(tmp, 'src');
  const dump = join(tmp, 'dump');
  let expected: Record<string, unknown[]>;
  let answers: unknown;
  before(async () => {
    await seedDataDir(src);
    expected = await rowsOf({ dataDir: src });
    answers = await portAnswers({ dataDir: src });
    const a = answers as { graph: { nodes: unknown[] }; pending: unknown[]; fragments: unknown[]; events: unknown[]; ca: unknown[]; memberships: unknown[]; timers: unknown[]; outbox: unknown[] };
    assert.deepEqual([a.graph.nodes, a.pending, a.fragments, a.events, a.ca, a.memberships, a.timers, a.outbox].map((x) => x.length), [30, 3, 30, 30, 30, 30, 6, 1], 'the seeded deployment');
  });

  it('exports the data directory: one NDJSON file per store and a manifest with counts', () => {
    const r = kith('export', '--out', dump, '--data-dir', src);
    assert.equal(r.code, 0, r.err);
    const m = JSON.parse(readFileSync(join(dump, 'manifest.json'), 'utf8')) as Manifest;
    assert.equal(m.format, 'kith-dump');
    assert.equal(m.kithVersion, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    assert.deepEqual(Object.fromEntries(m.stores.map((s) => [s.name, s.rows])), counts(expected));
    assert.deepEqual(m.stores.find((s) => s.name === 'ingest-log')?.batches, 4, 'markers, 1,500 entries in batches of 1,000, the head');
    assert.deepEqual(m.copyAlso, ['credentials.json', 'lake.duckdb']);
    assert.match(r.out, /not in the dump .*lake\.duckdb/);
  });

  it('imports into PostgreSQL with the lake copied; the stores answer as the data directory did', async () => {
    const url = await scratchUrl();
    const target = join(tmp, 'pg-target');
    const r = kith('import', '--in', dump, '--database-url', url, '--data-dir', target, '--copy-lake', src);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /ingest-log\s+1502 rows/);
    assert.deepEqual(await rowsOf({ dataDir: target, databaseUrl: url }), expected);
    assert.deepEqual(await portAnswers({ dataDir: target, databaseUrl: url }), answers, 'the graph, profiles, events, CA state and memberships answer the same');
    assert.equal(readFileSync(join(target, 'lake.duckdb'), 'utf8'), readFileSync(join(src, 'lake.duckdb'), 'utf8'));
    assert.match(r.out, /copy .*credentials\.json/);

    const again = kith('import', '--in', dump, '--database-url', url, '--data-dir', target);
    assert.equal(again.code, 2, 'a target holding data is refused');
    assert.match(again.err, /already holds data \(resources, ingest-log/);
    const forced = kith('import', '--in', dump, '--database-url', url, '--data-dir', target, '--force');
    assert.equal(forced.code, 0, forced.err);
    assert.deepEqual(await rowsOf({ dataDir: target, databaseUrl: url }), expected, 'importing twice changes nothing');
  });

  it('imports into another data directory without a URL, and exports from PostgreSQL back', async () => {
    const target = join(tmp, 'dir-target');
    const r = kith('import', '--in', dump, '--data-dir', target, '--copy-lake', src);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(await rowsOf({ dataDir: target }), expected);
    assert.ok(existsSync(join(target, 'lake.duckdb')));

    const url = await scratchUrl();
    assert.equal(kith('import', '--in', dump, '--database-url', url, '--data-dir', join(tmp, 'pg2')).code, 0);
    const back = join(tmp, 'dump-from-pg');
    const e = kith('export', '--out', back, '--database-url', url, '--data-dir', join(tmp, 'pg2'));
    assert.equal(e.code, 0, e.err);
    const home = join(tmp, 'home-again');
    assert.equal(kith('import', '--in', back, '--data-dir', home).code, 0);
    assert.deepEqual(await rowsOf({ dataDir: home }), expected, 'SQLite → PostgreSQL → SQLite');
    assert.deepEqual(await portAnswers({ dataDir: home }), answers);
  });

  describe('invalid input (exit code 2, nothing written)', () => {
    /** A copy of the good dump changed by `alter`. */
    const variant = (name: string, alter: (dir: string) => void) => () => {
      const d = join(tmp, `bad-${name}`);
      cpSync(dump, d, { recursive: true });
      alter(d);
      return d;
    };
    const editManifest = (f: (m: Record<string, unknown>) => void) => (d: string) => {
      const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as Record<string, unknown>;
      f(m);
      writeFileSync(join(d, 'manifest.json'), JSON.stringify(m));
    };
    const cases: Array<{ name: string; args: (target: string) => string[]; error: RegExp }> = [
      { name: 'a missing dump folder', args: (t) => ['import', '--in', join(tmp, 'no-such'), '--data-dir', t], error: /no such folder/ },
      { name: 'no --in', args: (t) => ['import', '--data-dir', t], error: /--in <dir> is required/ },
      { name: 'no --data-dir', args: () => ['import', '--in', dump], error: /--data-dir <dir> is required/ },
      { name: 'a folder without manifest', args: (t) => ['import', '--in', variant('nomanifest', (d) => rmSync(join(d, 'manifest.json')))(), '--data-dir', t], error: /no manifest\.json/ },
      { name: 'a corrupt NDJSON line', args: (t) => ['import', '--in', variant('corrupt', (d) => appendFileSync(join(d, 'seen-ids.ndjson'), '[{"t":"id",\n'))(), '--data-dir', t], error: /seen-ids\.ndjson line 3: not JSON/ },
      { name: 'a line that is not a batch', args: (t) => ['import', '--in', variant('object', (d) => writeFileSync(join(d, 'source-state.ndjson'), '{"t":"counter"}\n'))(), '--data-dir', t], error: /not a batch of rows/ },
      { name: 'rows the manifest does not count', args: (t) => ['import', '--in', variant('count', (d) => appendFileSync(join(d, 'resources.ndjson'), '[]\n[{"x":1}]\n'))(), '--data-dir', t], error: /holds 3 rows, the manifest says 2/ },
      { name: 'an unknown store name', args: (t) => ['import', '--in', variant('unknown', editManifest((m) => (m.stores as Array<{ name: string }>)[0]!.name = 'mystery'))(), '--data-dir', t], error: /store "mystery", which this Kith does not know/ },
      { name: 'another format version', args: (t) => ['import', '--in', variant('format', editManifest((m) => (m.formatVersion = 99)))(), '--data-dir', t], error: /format version 99/ },
      { name: 'another Kith version', args: (t) => ['import', '--in', variant('version', editManifest((m) => (m.kithVersion = '0.0.1')))(), '--data-dir', t], error: /made by Kith 0\.0\.1/ },
      { name: 'a lake folder without a lake', args: (t) => ['import', '--in', dump, '--data-dir', t, '--copy-lake', join(tmp, 'no-such')], error: /holds no lake/ },
      { name: 'a row that does not fit its store', args: (t) => ['import', '--in', variant('row', (d) => writeFileSync(join(d, 'resources.ndjson'), '[{"kind":"k"},{"x":1}]\n'))(), '--data-dir', t], error: /resources: row 1 of the batch does not fit \(scope, id, doc/ },
      { name: 'an unknown flag', args: (t) => ['import', '--in', dump, '--data-dir', t, '--bogus'], error: /unexpected --bogus/ },
      { name: 'export without --out', args: () => ['export', '--data-dir', src], error: /--out <dir> is required/ },
      { name: 'export into a dump', args: () => ['export', '--out', dump, '--data-dir', src], error: /not empty/ },
      { name: 'export of a folder that is no data directory', args: () => ['export', '--out', join(tmp, 'x'), '--data-dir', join(tmp, 'empty')], error: /not a Kith data directory/ },
    ];
    for (const c of cases)
      it(c.name, async () => {
        const target = join(tmp, `target-${c.name.replace(/\W+/g, '-')}`);
        const r = await kithHere(...c.args(target));
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, c.error);
        if (existsSync(target)) for (const [store, rows] of Object.entries(await rowsOf({ dataDir: target }))) assert.deepEqual(rows, [], store);
      });
  });
});
