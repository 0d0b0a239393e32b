import { after } from 'node:test';
import pg from 'pg';
import { pgTestUrl } from '../pg-test-url.js';

/**
 * A pool on the tests' PostgreSQL and a schema name of this run for a PostgreSQL adapter's contract suite: the
 * schema is created by `create()` and dropped with the pool when the test file ends.
 */
export function pgTestSchema(prefix: string): { pool: pg.Pool; schema: string; create(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: pgTestUrl(), max: 2 });
  const schema = `t_${prefix}_${process.pid}_${Date.now().toString(36)}`;
  after(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });
  return { pool, schema, create: async () => void (await pool.query(`CREATE SCHEMA ${schema}`)) };
}
