import { after } from 'node:test';
import pg from 'pg';
import { pgTestUrl } from '../pg-test-url.js';

/**
 * Fresh schemas on the tests' PostgreSQL, each with a pool whose search_path is that schema (so adapters that take a
 * table name rather than a schema land there too). Every schema and pool goes when the test file ends.
 */
export function pgScratchSchemas(prefix: string): { create(): Promise<{ pool: pg.Pool; schema: string }> } {
  const admin = new pg.Pool({ connectionString: pgTestUrl(), max: 1 });
  const made: Array<{ pool: pg.Pool; schema: string }> = [];
  after(async () => {
    for (const m of made) {
      await m.pool.end();
      await admin.query(`DROP SCHEMA IF EXISTS ${m.schema} CASCADE`);
    }
    await admin.end();
  });
  return {
    create: async () => {
      const schema = `t_${prefix}_${process.pid}_${Date.now().toString(36)}_${made.length}`;
      await admin.query(`CREATE SCHEMA ${schema}`);
      const pool = new pg.Pool({ connectionString: pgTestUrl(), max: 2, options: `-c search_path=${schema}` });
      made.push({ pool, schema });
      return { pool, schema };
    },
  };
}
