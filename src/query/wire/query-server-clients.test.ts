import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { ORG, PASSWORD, scriptedServer, type Harness } from './testing/wire-harness.js';

const JDBC_JAR = '/usr/share/java/postgresql.jar';
const PROBE = 'test/fixtures/jdbc/Probe.java';

/** Runs a client asynchronously (the server under test lives in this process). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { ...process.env };
  // libpq tries GSS encryption first unless told not to: the server must decline it
  delete base.PGGSSENCMODE;
  for (const k of ['PGPASSWORD', 'PGSSLMODE', 'PGDATABASE', 'PGUSER']) delete base[k];
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...base, ...env }, timeout: 120_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout: stdout.toString(), stderr: stderr.toString() }),
    );
  });
}

const tls = { key: readFileSync('test/fixtures/tls/key.pem'), cert: readFileSync('test/fixtures/tls/cert.pem') };

describe('query wire server: psql', () => {
  let h: Harness;
  before(async () => {
    h = await scriptedServer({ tls });
  });
  after(() => h.server.close());
  const conninfo = (extra = '', password = PASSWORD) => `host=127.0.0.1 port=${h.port} dbname=prod:all user=${ORG} password=${password} ${extra}`;

  const cases: Array<[string, string, string[], string]> = [
    ['plain (GSSENC declined, SSL declined)', 'sslmode=disable', ['-c', 'select 1'], '1\n'],
    ['sslmode=require over TLS', 'sslmode=require', ['-c', 'select 1'], '1\n'],
    ['several statements and commands', 'sslmode=prefer', ['-c', 'select 1; select 2', '-c', 'begin', '-c', 'commit'], '1\n2\nBEGIN\nCOMMIT\n'],
    ['an empty query', '', ['-c', ';'], ''],
  ];
  for (const [name, extra, args, want] of cases)
    it(name, async () => {
      const r = await run('psql', [conninfo(extra), '-At', '-v', 'ON_ERROR_STOP=1', ...args]);
      assert.equal(r.stderr, '');
      assert.equal(r.stdout, want);
      assert.equal(r.code, 0);
    });

  it('an error reports SQLSTATE and position (VERBOSITY verbose)', async () => {
    const r = await run('psql', [conninfo(), '-At', '-v', 'VERBOSITY=verbose', '-c', 'select fail']);
    assert.match(r.stderr, /ERROR: {2}42P01: relation "nope" does not exist/);
    assert.match(r.stderr, /LINE 1: select fail/);
  });

  describe('invalid input', () => {
    it('a wrong password: FATAL 28P01', async () => {
      const r = await run('psql', [conninfo('sslmode=require', 'nope'), '-c', 'select 1']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /FATAL: {2}password authentication failed for user "TESTORG@AdobeOrg"/);
    });
    it('an unknown sandbox: FATAL 3D000', async () => {
      const r = await run('psql', [`host=127.0.0.1 port=${h.port} dbname=nope:all user=${ORG} password=${PASSWORD} sslmode=disable`, '-c', 'select 1']);
      assert.match(r.stderr, /FATAL: {2}database "nope:all" does not exist/);
    });
  });
});

describe('query wire server: JDBC (pgjdbc)', { skip: existsSync(JDBC_JAR) ? false : `${JDBC_JAR} is not installed` }, () => {
  let h: Harness;
  before(async () => {
    h = await scriptedServer();
  });
  after(() => h.server.close());
  const probe = (query: string, sql: string, ...rest: string[]) =>
    run('java', ['-cp', JDBC_JAR, PROBE, `jdbc:postgresql://127.0.0.1:${h.port}/prod:all${query}`, ORG, PASSWORD, sql, ...rest]);

  it('PreparedStatement with a parameter (client-side statements)', async () => {
    const r = await probe('', 'select ?::int4 as n', '5');
    assert.equal(r.stdout, 'columns\tn\nrow\t5\ncolumns\tn\nrow\t6\ncolumns\tn\nrow\t7\n', r.stderr);
  });

  it('prepareThreshold=1: a named server-prepared statement, parsed once, bound three times', async () => {
    const before = h.engine.calls.length;
    const r = await probe('?prepareThreshold=1', 'select ?::int4 as n', '41');
    assert.equal(r.stdout, 'columns\tn\nrow\t41\ncolumns\tn\nrow\t42\ncolumns\tn\nrow\t43\n', r.stderr);
    const calls = h.engine.calls.slice(before).filter((c) => c.includes('$1::int4'));
    assert.deepEqual(
      calls.map((c) => c.split(' ')[0]),
      ['describe', 'start', 'start', 'start'],
    );
  });

  it('a query with rows', async () => {
    const r = await probe('', 'select ten');
    assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('row')).length, 30);
  });

  describe('invalid input', () => {
    it('a wrong password: SQLSTATE 28P01', async () => {
      const r = await run('java', ['-cp', JDBC_JAR, PROBE, `jdbc:postgresql://127.0.0.1:${h.port}/prod:all`, ORG, 'nope', 'select 1']);
      assert.match(r.stdout, /^SQLSTATE 28P01 /);
      assert.equal(r.code, 2);
    });
    it('an engine error: its SQLSTATE', async () => {
      const r = await probe('', 'select fail');
      assert.match(r.stdout, /^SQLSTATE 42P01 /);
    });
  });
});
