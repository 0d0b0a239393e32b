import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appliedMigrations, migrate, type Migration } from './migrations.js';
import { pgTestSchema } from './testing/pg-test-schema.js';

const { pool, schema, create } = pgTestSchema('migrations');
const v1: Migration = { version: 1, name: 'items', sql: (p) => `CREATE TABLE ${p}items (id TEXT PRIMARY KEY)` };
const v2: Migration = { version: 2, name: 'items.n', sql: (p) => `ALTER TABLE ${p}items ADD COLUMN n INTEGER NOT NULL DEFAULT 0` };

test('migrations apply in order, once, and record their versions', async () => {
  await create();
  await migrate(pool, 'items', [v2, v1], schema);
  await migrate(pool, 'items', [v1, v2], schema);
  await pool.query(`INSERT INTO ${schema}.items (id, n) VALUES ('a', 1)`);
  assert.equal((await appliedMigrations(pool, schema)).get('items'), 2);
});

test('a later build adds a step; concurrent starts apply it once', async () => {
  const v3: Migration = { version: 3, name: 'items.m', sql: (p) => `ALTER TABLE ${p}items ADD COLUMN m INTEGER` };
  await Promise.all([migrate(pool, 'items', [v1, v2, v3], schema), migrate(pool, 'items', [v1, v2, v3], schema)]);
  assert.equal((await appliedMigrations(pool, schema)).get('items'), 3);
});

test('invalid: a failing step is rolled back and not recorded; a database newer than the build is refused; duplicate versions', async () => {
  const bad: Migration = { version: 4, name: 'bad', sql: (p) => `ALTER TABLE ${p}items ADD COLUMN z INTEGER; SELECT no_such_function()` };
  await assert.rejects(migrate(pool, 'items', [v1, v2, bad], schema), /migration 4 \(bad\) failed/);
  const cols = await pool.query(`SELECT column_name FROM information_schema.columns WHERE table_schema=$1 AND table_name='items'`, [schema]);
  assert.ok(!cols.rows.some((r: { column_name: string }) => r.column_name === 'z'));
  assert.equal((await appliedMigrations(pool, schema)).get('items'), 3);
  await assert.rejects(migrate(pool, 'items', [v1, v2], schema), /database is at version 3/);
  await assert.rejects(migrate(pool, 'other', [v1, v1], schema), /version 1 twice/);
});
