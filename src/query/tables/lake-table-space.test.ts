import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TableSpaceFixture, event } from './testing/table-space-fixture.js';
import { gate } from './testing/test-gate.js';
import type { SessionView } from './table-space.js';
import type { SessionSpec } from '../engine/query-engine.js';
import { unwrap } from '../../shared/result.js';
import { LakeTableSpace } from './lake-table-space.js';
import { ManualClock } from '../../shared/clock.js';

describe('LakeTableSpace', () => {
  let f: TableSpaceFixture;
  let conn: DuckDBConnection;
  const A = { id: 'sb-a', name: 'prod' };
  const B = { id: 'sb-b', name: 'dev' };
  let events = '';
  let profiles = '';
  let other = '';

  /** Prepares the session, sets its search_path and runs a statement through the test gate. */
  const run = async (sql: string, spec: SessionSpec = f.spec(A.id, A.name)) => {
    const view = unwrap(await f.space.prepare(conn, spec));
    await conn.run(`SET search_path = '${view.searchPath}'`);
    const mapped = unwrap(await gate(conn, view, f.space.pgCompat(sql)));
    return f.rows(conn, mapped);
  };

  before(async () => {
    f = await TableSpaceFixture.open();
    conn = await f.lake.connect();
    events = await f.eventsDataset(f.ctx(A.id, A.name), 'Web Events');
    profiles = await f.profileDataset(f.ctx(A.id, A.name), 'Customer Profiles');
    other = await f.eventsDataset(f.ctx(B.id, B.name), 'Secret Events');
    await f.write(A.id, events, [1, 2, 3, 4].map((i) => event(i)));
    await f.write(A.id, profiles, [{ _id: 'p1', person: { name: { firstName: 'Ada' }, birthDate: '1990-02-03' }, personalEmail: { address: 'ada@example.com' } }]);
    await f.write(B.id, other, [event(99)]);
  });
  after(async () => {
    conn.closeSync();
    await f.close();
  });

  it('types each dataset from its XDM schema: _id, timestamp, then the top-level fields in schema order', async () => {
    assert.equal(events, 'web_events');
    const cols = await run(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'web_events' ORDER BY ordinal_position`);
    const names = cols.map((c) => c.column_name);
    assert.deepEqual(names.slice(0, 3), ['_id', 'timestamp', 'eventType']);
    for (const n of ['identityMap', 'commerce', 'web', 'productListItems']) assert.ok(names.includes(n), `${n} in ${names.join(',')}`);
    const typed = await f.rows(conn, `SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'q_sba' AND table_name = 'web_events'`);
    const t = Object.fromEntries(typed.map((c) => [c.column_name, String(c.data_type)]));
    assert.equal(t.timestamp, 'TIMESTAMP WITH TIME ZONE');
    assert.equal(t.eventType, 'VARCHAR');
    assert.match(t.identityMap!, /^MAP\(VARCHAR, STRUCT\(id VARCHAR, authenticatedState VARCHAR, "primary" BOOLEAN\)\[\]\)$/);
    assert.match(t.commerce!, /priceTotal DOUBLE/);
    assert.match(t.productListItems!, /^STRUCT\(.*\)\[\]$/);
  });

  it('answers counts, nested sums, maps and group-bys over the typed table', async () => {
    assert.deepEqual(await run('SELECT count(*)::INTEGER AS n, sum(commerce.order.priceTotal) AS total FROM web_events'), [{ n: 4, total: 105 }]);
    assert.deepEqual(await run(`SELECT identityMap['Email'][1].id AS email FROM web_events WHERE _id = 'ev-2'`), [{ email: 'u2@example.com' }]);
    const byType = await run('SELECT eventType, count(*)::INTEGER AS n FROM public.web_events GROUP BY ALL ORDER BY 1');
    assert.deepEqual(byType, [{ eventType: 'commerce.purchases', n: 2 }, { eventType: 'web.webpagedetails.pageViews', n: 2 }]);
    assert.deepEqual(await run(`SELECT person.birthDate::VARCHAR AS d, personalEmail.address AS e FROM customer_profiles`), [{ d: '1990-02-03', e: 'ada@example.com' }]);
  });

  it('sees every row committed before prepare, and catches up after lake commits in the background', async () => {
    await f.write(A.id, events, [5, 6].map((i) => event(i)));
    assert.deepEqual(await run('SELECT count(*)::INTEGER AS n FROM web_events'), [{ n: 6 }]);
    await f.write(A.id, events, [7].map((i) => event(i)));
    await f.space.idle();
    const direct = await f.rows(conn, 'SELECT count(*)::INTEGER AS n FROM q_sba.web_events');
    assert.deepEqual(direct, [{ n: 7 }]);
    // no duplicates after both paths ran
    assert.deepEqual(await run('SELECT count(DISTINCT _id)::INTEGER AS d, count(*)::INTEGER AS n FROM web_events'), [{ d: 7, n: 7 }]);
  });

  it('rebuilds a typed table when its schema gains a field group', async () => {
    const ctx = f.ctx(A.id, A.name);
    const ds = (await f.catalog.listDatasets(A.id)).find((d) => d.name === 'Web Events')!;
    const s = (await f.schemas.resolve(A.id, ds.schemaRef.id))!;
    const allOf = [...(s.allOf as Array<{ $ref: string }>), { $ref: 'https://ns.adobe.com/xdm/context/experienceevent-marketing' }];
    unwrap(await f.schemas.replace(ctx, 'schemas', s['meta:altId'], { title: s.title, allOf }));
    await f.write(A.id, events, [event(8, { marketing: { campaignName: 'spring' } })]);
    assert.deepEqual(await run(`SELECT count(*)::INTEGER AS n, max(marketing.campaignName) AS c FROM web_events`), [{ n: 8, c: 'spring' }]);
  });

  it('takes the structure of system datasets from their data (membership events carry fields beyond their schema)', async () => {
    const ctx = f.ctx(A.id, A.name);
    const table = await f.eventsDataset(ctx, 'Audience Membership Events', { tags: { 'kith/system': ['segmentation'] } });
    await f.write(A.id, table, [
      { _id: 'm1', timestamp: '2026-01-01T00:00:00Z', eventType: 'segmentMembership.realized', identityMap: { ECID: [{ id: 'e1', primary: true }] }, segmentMembership: { ups: { s1: { status: 'realized', lastQualificationTime: '2026-01-01T00:00:00Z' } } }, _kith: { audienceMembership: { segmentId: 's1', status: 'realized' } } },
    ]);
    const rows = await run(`SELECT _kith.audienceMembership.segmentId AS seg, segmentMembership['ups']['s1'].status AS st FROM audience_membership_events`);
    assert.deepEqual(rows, [{ seg: 's1', st: 'realized' }]);
    await f.write(A.id, table, [{ _id: 'm2', timestamp: '2026-01-02T00:00:00Z', _kith: { audienceMembership: { segmentId: 's2', status: 'exited', previousStatus: 'realized' } } }]);
    const more = await run(`SELECT _kith.audienceMembership.previousStatus AS p FROM audience_membership_events ORDER BY _id`);
    assert.deepEqual(more, [{ p: null }, { p: 'realized' }]);
  });

  it('FLATTEN: leaf fields become top-level columns named by their XDM path', async () => {
    const rows = await run(`SELECT "commerce.order.priceTotal" AS p, "web.webPageDetails.name" AS n FROM web_events WHERE _id = 'ev-1'`, f.spec(A.id, A.name, true));
    assert.deepEqual(rows, [{ p: 10.5, n: 'Home' }]);
  });

  it('SHOW TABLES lists the sandbox\'s tables with their datasets', async () => {
    const rows = await run(f.space.showTables(f.spec(A.id, A.name)));
    assert.deepEqual(rows.map((r) => r.name), ['audience_membership_events', 'customer_profiles', 'web_events']);
    assert.equal(rows[2]!.dataSet, 'Web Events');
  });

  describe('what a session may not name', () => {
    let view: SessionView;
    before(async () => {
      view = unwrap(await f.space.prepare(conn, f.spec(A.id, A.name)));
    });
    const refused: Array<[string, { catalog: string; schema: string; name: string }]> = [
      ['another sandbox\'s table', { catalog: '', schema: '', name: 'secret_events' }],
      ['another sandbox\'s typed schema', { catalog: '', schema: 'q_sbb', name: 'secret_events' }],
      ['the raw lake table', { catalog: '', schema: 's_sba', name: 'web_events' }],
      ['main (progress marks)', { catalog: '', schema: 'main', name: '_kith_query_marks' }],
      ['DuckDB\'s catalog', { catalog: '', schema: '', name: 'duckdb_tables' }],
      ['system catalog', { catalog: 'system', schema: 'main', name: 'duckdb_settings' }],
      ['temp', { catalog: 'temp', schema: 'main', name: 'x' }],
      ['another catalog', { catalog: 'dev:all', schema: 'public', name: 'web_events' }],
      ['the catalog schema directly', { catalog: '', schema: 'c_sba', name: 'pg_class' }],
      ['unknown relation', { catalog: '', schema: '', name: 'nope' }],
    ];
    for (const [what, ref] of refused)
      it(`refuses ${what} as if it did not exist (42P01)`, () => {
        const r = view.resolveTable(ref);
        assert.equal(r.ok, false);
        if (!r.ok) {
          assert.equal(r.error.code, '42P01');
          assert.match(r.error.message, /^relation ".*" does not exist$/);
        }
      });
    it('maps the sandbox\'s own names', () => {
      assert.deepEqual(unwrap(view.resolveTable({ catalog: 'prod:all', schema: 'public', name: 'WEB_EVENTS' })), { catalog: '', schema: 'q_sba', name: 'web_events' });
      assert.deepEqual(unwrap(view.resolveTable({ catalog: '', schema: 'pg_catalog', name: 'pg_class' })), { catalog: '', schema: 'c_sba', name: 'pg_class' });
      assert.deepEqual(unwrap(view.resolveTable({ catalog: '', schema: '', name: 'pg_type' })), { catalog: '', schema: 'c_sba', name: 'pg_type' });
      assert.deepEqual(unwrap(view.resolveTable({ catalog: '', schema: 'information_schema', name: 'tables' })), { catalog: '', schema: 'c_sba', name: 'is_tables' });
      assert.deepEqual(unwrap(view.resolveFunction({ catalog: '', schema: 'pg_catalog', name: 'format_type' })), { catalog: '', schema: 'c_sba', name: 'format_type' });
      assert.deepEqual(unwrap(view.resolveFunction({ catalog: '', schema: 'pg_catalog', name: 'upper' })), { catalog: '', schema: '', name: 'upper' });
      assert.equal(view.resolveFunction({ catalog: '', schema: 's_sba', name: 'f' }).ok, false);
      assert.equal(view.resolveFunction({ catalog: 'system', schema: 'main', name: 'f' }).ok, false);
    });
    it('sandbox B sees only its own table', async () => {
      const rows = await run(`SELECT relname FROM pg_catalog.pg_class ORDER BY 1`, f.spec(B.id, B.name));
      assert.deepEqual(rows, [{ relname: 'secret_events' }]);
    });
    it('a sandbox without any dataset yet opens (its schemas exist, its catalog is empty), plain and FLATTEN', async () => {
      for (const flatten of [false, true]) {
        const spec = { ...f.spec('sb-empty', 'empty'), flatten };
        const view = unwrap(await f.space.prepare(conn, spec));
        await conn.run(`SET search_path = '${view.searchPath}'`);
        assert.deepEqual(await run('SELECT relname FROM pg_catalog.pg_class', spec), []);
      }
    });
  });

  it('warm: typed tables missing at start (a lake older than them) are built in the background, before any session', async () => {
    // a second table space on the same lake, as after a restart: its typed copy of `events` is gone, its mark too
    const restarted = LakeTableSpace.create({ lake: f.lake, catalog: f.catalog, schemas: f.schemas, clock: new ManualClock(0) });
    await restarted.start();
    try {
      await conn.run(`DROP TABLE q_sba.${events}`);
      await conn.run(`DELETE FROM main._kith_query_marks WHERE tbl = 'q_sba.${events}'`);
      restarted.warm([A.id]);
      await restarted.idle();
      const n = (await conn.runAndReadAll(`SELECT count(*) FROM q_sba.${events}`)).getRows()[0]![0];
      const raw = (await conn.runAndReadAll(`SELECT count(*) FROM s_sba.${events}`)).getRows()[0]![0];
      assert.equal(Number(n), Number(raw));
      assert.ok(Number(raw) >= 4);
    } finally {
      await restarted.close();
    }
  });
});
