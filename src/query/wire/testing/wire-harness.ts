import { ok, err } from '../../../shared/result.js';
import { SQLSTATE } from '../../engine/query-engine.js';
import type { QueryAuth } from '../query-auth.js';
import { startQueryServer, type QueryServer, type QueryServerOptions } from '../query-server.js';
import { ScriptedEngine, col, type ScriptedStatement } from './scripted-engine.js';

export const ORG = 'TESTORG@AdobeOrg';
export const PASSWORD = 'pw-secret';

/** Accepts PASSWORD for any user; database names other than prod[:all] do not exist. */
export const stubAuth: QueryAuth = {
  authenticate: async (user, password, dbname) => {
    if (password !== PASSWORD) return err({ code: SQLSTATE.invalidPassword, message: `password authentication failed for user "${user}"` });
    const name = dbname ?? 'prod:all';
    if (!/^prod(:all)?(\?FLATTEN)?$/i.test(name)) return err({ code: SQLSTATE.invalidCatalogName, message: `database "${name}" does not exist` });
    return ok({ orgId: user, sandboxId: 'sb-prod', sandboxName: 'prod', flatten: /\?flatten$/i.test(name), user });
  },
};

/** The statements the wire tests run. */
export const SCRIPT: Record<string, ScriptedStatement> = {
  'select 1': { columns: [col('?column?', 23)], rows: [['1']] },
  'select 2': { columns: [col('?column?', 23)], rows: [['2']] },
  'select $1::int4 as n': { columns: [col('n', 23)], paramTypes: [23], rows: (p) => [[p[0] ?? null]] },
  'select $1::text as t, $2::int8 as b': { columns: [col('t', 25), col('b', 20)], paramTypes: [25, 20], rows: (p) => [[p[0] ?? null, p[1] ?? null]] },
  'select $1 as v': { columns: [col('v', 25)], paramTypes: [0], rows: (p) => [[p[0] ?? null]] },
  "select 'a' as x, null as y": { columns: [col('x', 25), col('y', 25)], rows: [['a', null]] },
  'select ten': { columns: [col('i', 23)], generate: 10 },
  'select big': { columns: [col('i', 23)], generate: 1_000_000 },
  'select slow': { columns: [col('i', 23)], block: true },
  'select fail': { columns: null, error: { code: SQLSTATE.undefinedTable, message: 'relation "nope" does not exist', position: 8 } },
  // pgjdbc's first statement on every connection
  'set extra_float_digits = 3': { kind: 'set', columns: null, tag: 'SET' },
  "set application_name = 'postgresql jdbc driver'": { kind: 'set', columns: null, tag: 'SET', parameterStatus: [['application_name', 'PostgreSQL JDBC Driver']] },
  begin: { kind: 'transaction', columns: null, tag: 'BEGIN' },
  commit: { kind: 'transaction', columns: null, tag: 'COMMIT' },
  rollback: { kind: 'transaction', columns: null, tag: 'ROLLBACK' },
  "set timezone = 'europe/paris'": { kind: 'set', columns: null, tag: 'SET', parameterStatus: [['TimeZone', 'Europe/Paris']] },
};

export interface Harness {
  server: QueryServer;
  engine: ScriptedEngine;
  port: number;
  /** pg.Client configuration for the test org. */
  pg: { host: string; port: number; user: string; password: string; database: string };
}

export async function scriptedServer(opts: Partial<QueryServerOptions> = {}, script = SCRIPT): Promise<Harness> {
  const engine = new ScriptedEngine(script);
  const server = await startQueryServer({ host: '127.0.0.1', port: 0, auth: stubAuth, engine, ...opts });
  return { server, engine, port: server.port, pg: { host: '127.0.0.1', port: server.port, user: ORG, password: PASSWORD, database: 'prod:all' } };
}
