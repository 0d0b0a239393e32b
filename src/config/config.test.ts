import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configHelp, DEFAULTS, loadConfig, redactUrl } from './config.js';

describe('loadConfig', () => {
  const cases: Array<{ name: string; argv: string[]; env: Record<string, string>; expect: Record<string, unknown>; rest?: string[] }> = [
    { name: 'defaults', argv: [], env: {}, expect: { port: 8080, host: '127.0.0.1', ingestLogRetentionMinutes: 60 } },
    { name: 'env', argv: [], env: { KITH_PORT: '9000', KITH_INGEST_LOG_RETENTION_MINUTES: '5' }, expect: { port: 9000, ingestLogRetentionMinutes: 5 } },
    { name: 'a flag overrides env', argv: ['--ingest-log-retention-minutes', '0'], env: { KITH_INGEST_LOG_RETENTION_MINUTES: '5' }, expect: { ingestLogRetentionMinutes: 0 } },
    { name: '--flag=value', argv: ['--port=1234'], env: {}, expect: { port: 1234 } },
    { name: 'an empty env value keeps the default', argv: [], env: { KITH_PORT: '' }, expect: { port: 8080 } },
    { name: 'limits from env', argv: [], env: { KITH_MAX_BACKLOG: '10', KITH_MIN_FREE_DISK_MB: '0', KITH_BODY_TIMEOUT_MS: '5000' }, expect: { maxBacklog: 10, minFreeDiskMb: 0, bodyTimeoutMs: 5000 } },
    { name: 'limits from flags', argv: ['--max-backlog', '7', '--headers-timeout-ms=2000', '--upload-timeout-ms', '60000', '--idle-timeout-ms', '0', '--keep-alive-timeout-ms', '100'], env: {}, expect: { maxBacklog: 7, headersTimeoutMs: 2000, uploadTimeoutMs: 60000, idleTimeoutMs: 0, keepAliveTimeoutMs: 100 } },
    { name: 'limit defaults', argv: [], env: {}, expect: { maxBacklog: 500_000, minFreeDiskMb: 1024, headersTimeoutMs: 10_000, bodyTimeoutMs: 30_000, uploadTimeoutMs: 3_600_000 } },
    { name: 'TLS files', argv: ['--tls-cert', '/c.pem'], env: { KITH_TLS_KEY: '/k.pem' }, expect: { tlsCert: '/c.pem', tlsKey: '/k.pem' } },
    { name: 'embedded storage by default', argv: [], env: {}, expect: { databaseUrl: undefined, databasePoolMax: 10, databaseSchema: undefined } },
    { name: 'database URL from env', argv: [], env: { KITH_DATABASE_URL: 'postgres://kith:pw@db.local:5432/kith' }, expect: { databaseUrl: 'postgres://kith:pw@db.local:5432/kith' } },
    { name: 'postgresql:// scheme', argv: ['--database-url', 'postgresql://127.0.0.1/test'], env: {}, expect: { databaseUrl: 'postgresql://127.0.0.1/test' } },
    { name: 'a socket directory instead of a host', argv: ['--database-url=postgres:///kith?host=/var/run/postgresql'], env: {}, expect: { databaseUrl: 'postgres:///kith?host=/var/run/postgresql' } },
    { name: 'the database flag overrides env', argv: ['--database-url', 'postgres://b/x'], env: { KITH_DATABASE_URL: 'postgres://a/x' }, expect: { databaseUrl: 'postgres://b/x' } },
    { name: 'pool size and schema', argv: ['--database-pool-max', '3'], env: { KITH_DATABASE_URL: 'postgres://h/d', KITH_DATABASE_SCHEMA: 'kith_test' }, expect: { databasePoolMax: 3, databaseSchema: 'kith_test' } },
    { name: 'an empty database URL keeps SQLite', argv: [], env: { KITH_DATABASE_URL: '' }, expect: { databaseUrl: undefined } },
    { name: 'SMTP URL from env, the flag overrides it', argv: ['--smtp-url', 'smtp://127.0.0.1:2525/?ignoreTLS=true'], env: { KITH_SMTP_URL: 'smtp://mail:25' }, expect: { smtpUrl: 'smtp://127.0.0.1:2525/?ignoreTLS=true' } },
    { name: 'no SMTP server by default', argv: [], env: {}, expect: { smtpUrl: undefined } },
    { name: 'unknown arguments are returned', argv: ['start', '--nope', '--port', '1'], env: {}, expect: { port: 1 }, rest: ['start', '--nope'] },
  ];
  for (const c of cases)
    it(c.name, () => {
      const r = loadConfig(c.argv, c.env);
      assert.ok(r.ok, r.ok ? '' : r.error);
      for (const [k, v] of Object.entries(c.expect)) assert.equal((r.config as unknown as Record<string, unknown>)[k], v, k);
      if (c.rest) assert.deepEqual(r.rest, c.rest);
    });

  it('help lists every option with its variable', () => {
    assert.match(configHelp(), /--ingest-log-retention-minutes\s+KITH_INGEST_LOG_RETENTION_MINUTES/);
    for (const [flag, env] of [['max-backlog', 'KITH_MAX_BACKLOG'], ['min-free-disk-mb', 'KITH_MIN_FREE_DISK_MB'], ['tls-cert', 'KITH_TLS_CERT'], ['body-timeout-ms', 'KITH_BODY_TIMEOUT_MS']])
      assert.match(configHelp(), new RegExp(`--${flag}\\s+${env}`));
    assert.equal(DEFAULTS.ingestLogRetentionMinutes, 60);
    for (const [flag, env] of [['database-url', 'KITH_DATABASE_URL'], ['database-pool-max', 'KITH_DATABASE_POOL_MAX'], ['database-schema', 'KITH_DATABASE_SCHEMA'], ['smtp-url', 'KITH_SMTP_URL']])
      assert.match(configHelp(), new RegExp(`--${flag}\\s+${env}`));
  });

  describe('invalid input', () => {
    const bad: Array<[string, string[], Record<string, string>, RegExp]> = [
      ['a negative retention', ['--ingest-log-retention-minutes', '-1'], {}, /KITH_INGEST_LOG_RETENTION_MINUTES.*non-negative integer/],
      ['a fractional retention in env', [], { KITH_INGEST_LOG_RETENTION_MINUTES: '1.5' }, /non-negative integer, got "1.5"/],
      ['a port that is not a number', ['--port', 'http'], {}, /KITH_PORT/],
      ['a flag without its value', ['--port'], {}, /--port needs a value/],
      ['a TLS certificate without its key', ['--tls-cert', '/c.pem'], {}, /go together/],
      ['a TLS key without its certificate', [], { KITH_TLS_KEY: '/k.pem' }, /go together/],
      ['a zero body timeout', ['--body-timeout-ms', '0'], {}, /must be positive/],
      ['a body timeout above the upload timeout', ['--body-timeout-ms', '9000', '--upload-timeout-ms', '8000'], {}, /caps every request/],
      ['a negative backlog', [], { KITH_MAX_BACKLOG: '-1' }, /KITH_MAX_BACKLOG/],
      ['a database URL of another scheme', ['--database-url', 'mysql://h/d'], {}, /KITH_DATABASE_URL.*postgres:\/\/ or postgresql:\/\//],
      ['a database URL that is a file path', [], { KITH_DATABASE_URL: './kith.db' }, /KITH_DATABASE_URL/],
      ['a database URL without a host', ['--database-url', 'postgres://'], {}, /KITH_DATABASE_URL/],
      ['a database pool of 0', ['--database-pool-max', '0'], { KITH_DATABASE_URL: 'postgres://h/d' }, /KITH_DATABASE_POOL_MAX.*at least 1/],
      ['a schema that is not an identifier', ['--database-schema', 'Kith;drop'], { KITH_DATABASE_URL: 'postgres://h/d' }, /KITH_DATABASE_SCHEMA/],
      ['a schema without a database URL', ['--database-schema', 'kith'], {}, /needs KITH_DATABASE_URL/],
    ];
    for (const [name, argv, env, re] of bad)
      it(name, () => {
        const r = loadConfig(argv, env);
        assert.equal(r.ok, false);
        if (!r.ok) assert.match(r.error, re);
      });
    it('a refused database URL is echoed without its password', () => {
      const r = loadConfig(['--database-url', 'mysql://kith:s3cret@h/d'], {});
      assert.equal(r.ok, false);
      if (!r.ok) assert.doesNotMatch(r.error, /s3cret/);
    });
  });

  describe('redactUrl', () => {
    for (const [url, shown] of [
      ['postgres://kith:s3cret@db:5432/kith', 'postgres://kith:***@db:5432/kith'],
      ['postgres://kith@db/kith', 'postgres://kith@db/kith'],
      ['not a url://kith:s3cret@db', 'not a url://kith:***@db'],
    ])
      it(`${url} is shown as ${shown}`, () => assert.equal(redactUrl(url), shown));
  });
});
