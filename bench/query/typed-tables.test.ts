import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { eventsInsertSql, GENERATED_BATCH, profilesInsertSql } from './event-sql.js';
import { benchQueries } from './queries.js';
import { baselineTables, jsonStructure, sqlType } from './typed-tables.js';

const str = { type: 'string' };
const num = { type: 'number' };
const obj = (properties: Record<string, unknown>) => ({ type: 'object', properties });
const identityMap = { type: 'object', 'meta:xdmType': 'map', additionalProperties: { type: 'array', items: obj({ id: str, authenticatedState: str, primary: { type: 'boolean' } }) } };

describe('XDM field -> DuckDB type', () => {
  const cases: Array<[string, Record<string, unknown>, string, unknown]> = [
    ['string', str, 'VARCHAR', 'VARCHAR'],
    ['date-time stays text', { type: 'string', format: 'date-time' }, 'VARCHAR', 'VARCHAR'],
    ['number', num, 'DOUBLE', 'DOUBLE'],
    ['integer', { type: 'integer' }, 'BIGINT', 'BIGINT'],
    ['boolean', { type: 'boolean' }, 'BOOLEAN', 'BOOLEAN'],
    ['object with fields', obj({ a: str, b: num }), 'STRUCT("a" VARCHAR, "b" DOUBLE)', { a: 'VARCHAR', b: 'DOUBLE' }],
    ['array of objects', { type: 'array', items: obj({ a: str }) }, 'STRUCT("a" VARCHAR)[]', [{ a: 'VARCHAR' }]],
    ['map (identityMap)', identityMap, 'MAP(VARCHAR, STRUCT("id" VARCHAR, "authenticatedState" VARCHAR, "primary" BOOLEAN)[])', 'MAP(VARCHAR, STRUCT("id" VARCHAR, "authenticatedState" VARCHAR, "primary" BOOLEAN)[])'],
    ['open object', { type: 'object' }, 'JSON', 'JSON'],
    ['object with no fields', obj({}), 'JSON', 'JSON'],
  ];
  for (const [name, schema, type, structure] of cases)
    it(name, () => {
      assert.equal(sqlType(schema), type);
      assert.deepEqual(jsonStructure(schema), structure);
    });

  describe('invalid or odd input', () => {
    const odd: Array<[string, Record<string, unknown>, string]> = [
      ['no type', {}, 'JSON'],
      ['unknown type', { type: 'null' }, 'JSON'],
      ['array without items', { type: 'array' }, 'JSON[]'],
      ['field name with a quote', obj({ 'a"b': str }), 'STRUCT("a""b" VARCHAR)'],
    ];
    for (const [name, schema, type] of odd) it(name, () => assert.equal(sqlType(schema), type));
  });
});

describe('generated data through the bench-made typed tables', () => {
  const eventSchema = obj({
    _id: str,
    timestamp: { type: 'string', format: 'date-time' },
    eventType: str,
    identityMap,
    web: obj({ webPageDetails: obj({ name: str, URL: str, pageViews: obj({ value: num }) }) }),
    device: obj({ type: str, screenWidth: { type: 'integer' } }),
    commerce: obj({ purchases: obj({ value: num }), order: obj({ priceTotal: num, currencyCode: str }) }),
    productListItems: { type: 'array', items: obj({ SKU: str, priceTotal: num, quantity: { type: 'integer' } }) },
  });
  const profileSchema = obj({ _id: str, identityMap, personalEmail: obj({ address: str }), loyalty: obj({ tier: str, points: num }) });
  const RAW = '(_id VARCHAR, "timestamp" TIMESTAMPTZ, _kith_batch_id VARCHAR, _kith_offset BIGINT, _kith_ingested_at TIMESTAMPTZ, record JSON)';

  it('answers the three statements, and appends rows the lake got later', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    try {
      await c.run('CREATE SCHEMA s_sb');
      await c.run(`CREATE TABLE s_sb.ev ${RAW}`);
      await c.run(`CREATE TABLE s_sb.cust ${RAW}`);
      await c.run(eventsInsertSql('s_sb.ev', 0, 1500, 3000, 50));
      await c.run(eventsInsertSql('s_sb.ev', 1500, 1500, 3000, 50));
      await c.run(profilesInsertSql('s_sb.cust', 50, 'NULL::TIMESTAMPTZ'));
      const tables = [{ name: 'ev', schema: eventSchema }, { name: 'cust', schema: profileSchema }];
      const t = await baselineTables(c, 's_sb', tables);
      assert.equal(t?.schema, 'bq_sb');
      await c.run(`SET search_path = '${t!.schema}'`);
      const q = benchQueries('ev', 'cust', 1000);
      const perDay = (await c.runAndReadAll(q.perTypePerDay)).getRowObjectsJson();
      assert.equal(perDay.reduce((n, r) => n + Number(r.events), 0), 3000);
      assert.deepEqual([...new Set(perDay.map((r) => r.eventType))].sort(), ['commerce.productListAdds', 'commerce.productViews', 'commerce.purchases', 'web.webpagedetails.pageViews']);
      const purchasesInRaw = Number((await c.runAndReadAll(`SELECT count(*) FROM s_sb.ev WHERE record->>'$.eventType' = 'commerce.purchases'`)).getRows()[0]![0]);
      const byTier = (await c.runAndReadAll(q.purchasesByTier)).getRowObjectsJson();
      assert.equal(byTier.reduce((n, r) => n + Number(r.purchases), 0), purchasesInRaw, 'every purchase finds its profile by Email');
      const streamed = (await c.runAndReadAll(q.stream)).getRowObjectsJson();
      assert.equal(streamed.length, 1000);
      assert.ok(streamed.every((r) => typeof r.ecid === 'string' && typeof r.page === 'string'));
      const batches = (await c.runAndReadAll(`SELECT DISTINCT _kith_batch_id FROM s_sb.ev`)).getRows();
      assert.deepEqual(batches, [[GENERATED_BATCH]]);

      // a row ingested later (a log offset above the generated rows' 0) reaches the typed table on the next call
      await c.run(`INSERT INTO s_sb.ev VALUES ('late', now(), 'b1', 7, now(), '{"_id":"late","eventType":"x.late","identityMap":{"Email":[{"id":"p1@example.com"}]}}')`);
      const again = await baselineTables(c, 's_sb', tables);
      assert.equal(again?.schema, 'bq_sb');
      assert.equal(Number((await c.runAndReadAll(`SELECT count(*) FROM bq_sb.ev`)).getRows()[0]![0]), 3001);
      assert.equal(Number((await c.runAndReadAll(`SELECT count(*) FROM bq_sb.ev WHERE eventType = 'x.late'`)).getRows()[0]![0]), 1);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });

  it('uses the server typed tables when every table has one', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    try {
      await c.run('CREATE SCHEMA s_sb');
      await c.run('CREATE SCHEMA q_sb');
      await c.run(`CREATE TABLE s_sb.ev ${RAW}`);
      await c.run('CREATE TABLE q_sb.ev (_id VARCHAR)');
      const t = await baselineTables(c, 's_sb', [{ name: 'ev', schema: eventSchema }]);
      assert.equal(t?.schema, 'q_sb');
      assert.equal(t?.buildSeconds, 0);
      await c.run('DROP TABLE q_sb.ev');
      assert.equal(await baselineTables(c, 's_sb', [{ name: 'ev', schema: eventSchema }], { serverTablesOnly: true }), undefined, 'no bench-made tables when only the server tables may serve');
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });
});
