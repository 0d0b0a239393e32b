import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { pgTestUrl } from '../src/store/postgres/pg-test-url.js';
import { backendPids, cpuPerUnit, databasePort, readCpu, type CpuReading } from '../bench/lib/server-cpu.js';

/** bench/lib/server-cpu.ts: the PostgreSQL backends serving a process count in its CPU per event. */
describe('bench server CPU', () => {
  it('finds the backend of this process’s own PostgreSQL connection through /proc', async () => {
    const c = new pg.Client({ connectionString: pgTestUrl() });
    await c.connect();
    try {
      const backend = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      const port = Number(new URL(pgTestUrl()).port || 5432);
      assert.ok(backendPids(process.pid, port).includes(backend));
      assert.ok(readCpu(process.pid, port).backends.has(backend));
    } finally {
      await c.end();
    }
  });

  describe('cpuPerUnit', () => {
    const r = (serverMs: number | undefined, backends: Array<[number, number]> = []): CpuReading => ({ serverMs, backends: new Map(backends) });
    const cases: Array<[string, CpuReading, CpuReading, number, boolean, { server: number | null; database: number | null; total: number | null }]> = [
      ['embedded: server only', r(100), r(400), 1000, false, { server: 300, database: null, total: 300 }],
      ['postgres: backends added', r(100, [[7, 50]]), r(400, [[7, 150]]), 1000, true, { server: 300, database: 100, total: 400 }],
      ['a backend opened in the window counts whole', r(0), r(100, [[8, 20]]), 100, true, { server: 1000, database: 200, total: 1200 }],
      ['no /proc: no figure', r(undefined), r(undefined), 10, false, { server: null, database: null, total: null }],
      ['zero units does not divide by zero', r(0), r(1), 0, false, { server: 1000, database: null, total: 1000 }],
    ];
    for (const [name, a, b, units, onPg, want] of cases) it(name, () => assert.deepEqual(cpuPerUnit(a, b, units, onPg), want));
  });

  describe('databasePort', () => {
    const cases: Array<[NodeJS.ProcessEnv, number | undefined]> = [
      [{}, undefined],
      [{ KITH_DATABASE_URL: 'postgres://u@127.0.0.1/db' }, 5432],
      [{ KITH_DATABASE_URL: 'postgres://u@127.0.0.1:6543/db' }, 6543],
      [{ KITH_DATABASE_URL: 'not a url' }, undefined],
    ];
    for (const [env, want] of cases) it(JSON.stringify(env), () => assert.equal(databasePort(env), want));
  });
});
