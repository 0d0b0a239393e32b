import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { RawClient, errorFields, types, type BackendMsg } from './testing/raw-client.js';
import { ORG, PASSWORD, scriptedServer, type Harness } from './testing/wire-harness.js';

const status = (ms: BackendMsg[]) => ms.at(-1)?.body.toString() ?? '';
const uint32 = (...ns: number[]) => {
  const b = Buffer.alloc(4 * ns.length);
  ns.forEach((n, i) => b.writeUInt32BE(n >>> 0, 4 * i));
  return b;
};
/** A message of type `t` with a raw body. */
const frame = (t: string, body: Buffer = Buffer.alloc(0)) => Buffer.concat([Buffer.from(t), uint32(body.length + 4), body]);

/** The protocol message by message, through a raw socket. */
describe('query wire server: the protocol, message by message', () => {
  let h: Harness;
  let c: RawClient;
  before(async () => {
    h = await scriptedServer();
  });
  after(() => h.server.close());
  const login = async () => {
    c = await RawClient.connect(h.port);
    return c.login(ORG, PASSWORD);
  };

  it('after authentication: AuthenticationOk, ParameterStatus…, BackendKeyData, ReadyForQuery in that order', async () => {
    const ms = await login();
    assert.match(types(ms), /^RS{11}KZ$/);
    const params = Object.fromEntries(ms.filter((m) => m.type === 'S').map((m) => m.body.toString().split('\0').slice(0, 2)));
    assert.equal(params.server_version, '15.0 (Kith Query Service)');
    assert.equal(params.session_authorization, ORG);
    assert.equal(params.DateStyle, 'ISO, MDY');
    assert.equal(params.integer_datetimes, 'on');
    assert.equal(status(ms), 'I');
    c.end();
  });

  it('portal with maxRows: DataRows then PortalSuspended, until CommandComplete', async () => {
    await login();
    c.send(serialize.parse({ name: 's1', text: 'select ten' }), serialize.bind({ statement: 's1', portal: 'p1' }), serialize.describe({ type: 'P', name: 'p1' }));
    c.send(serialize.execute({ portal: 'p1', rows: 4 }), serialize.execute({ portal: 'p1', rows: 4 }), serialize.execute({ portal: 'p1', rows: 4 }), serialize.sync());
    assert.equal(types(await c.until('Z')), '12TDDDDsDDDDsDDCZ');
    c.end();
  });

  it('Describe statement: ParameterDescription and RowDescription; NoData for a statement without rows', async () => {
    await login();
    c.send(serialize.parse({ name: 'q', text: 'select $1::int4 as n' }), serialize.describe({ type: 'S', name: 'q' }));
    c.send(serialize.parse({ name: 'b', text: 'begin' }), serialize.describe({ type: 'S', name: 'b' }), serialize.sync());
    const ms = await c.until('Z');
    assert.equal(types(ms), '1tT1tnZ');
    assert.equal(ms[1]!.body.readInt16BE(0), 1);
    assert.equal(ms[1]!.body.readUInt32BE(2), 23);
    c.end();
  });

  it('transaction status: T inside BEGIN…COMMIT, E after an error in it, I after ROLLBACK', async () => {
    await login();
    const step = async (sql: string) => {
      c.send(serialize.query(sql));
      return c.until('Z');
    };
    assert.equal(status(await step('begin')), 'T');
    assert.equal(status(await step('select 1')), 'T');
    const failed = await step('select fail');
    assert.equal(status(failed), 'E');
    const refused = await step('select 1');
    assert.equal(errorFields(refused[0]).C, '25P02');
    assert.equal(status(refused), 'E');
    assert.equal(status(await step('rollback')), 'I');
    assert.equal(status(await step('begin; select 1; commit')), 'I');
    assert.equal(status(await step('select fail')), 'I');
    c.end();
  });

  it('an error in the extended protocol skips to Sync, then ReadyForQuery', async () => {
    await login();
    c.send(serialize.parse({ text: 'select fail' }), serialize.bind({}), serialize.execute({}), serialize.sync());
    const ms = await c.until('Z');
    assert.equal(types(ms), 'EZ');
    assert.equal(errorFields(ms[0]).C, '42P01');
    c.send(serialize.query('select 1'));
    assert.equal(types(await c.until('Z')), 'TDCZ');
    c.end();
  });

  it('Close statement and portal answer CloseComplete; an unnamed statement is replaced by the next Parse', async () => {
    await login();
    c.send(serialize.parse({ text: 'select 1' }), serialize.parse({ text: 'select 2' }), serialize.bind({}), serialize.execute({}));
    c.send(serialize.close({ type: 'P', name: '' }), serialize.close({ type: 'S', name: '' }), serialize.close({ type: 'S', name: 'never' }), serialize.sync());
    const ms = await c.until('Z');
    assert.equal(types(ms), '112DC333Z');
    assert.equal(ms[3]!.body.subarray(6).toString(), '2');
    c.end();
  });

  it('binary parameters and binary results (int4 round trip)', async () => {
    await login();
    const four = Buffer.alloc(4);
    four.writeInt32BE(-5);
    c.send(serialize.parse({ text: 'select $1::int4 as n', types: [23] }), serialize.bind({ values: [four], binary: true }), serialize.execute({}), serialize.sync());
    const ms = await c.until('Z');
    assert.equal(types(ms), '12DCZ');
    assert.equal(ms[2]!.body.readInt32BE(6), -5);
    c.end();
  });

  describe('invalid input: errors, never a crash; the server serves the next client', () => {
    const survives = async () => {
      const p = new pg.Client({ host: '127.0.0.1', port: h.port, user: ORG, password: PASSWORD, database: 'prod:all' });
      await p.connect();
      assert.deepEqual((await p.query('select 1')).rows, [{ '?column?': 1 }]);
      await p.end();
    };

    it('Bind with the wrong parameter count → 08P01, then skip to Sync', async () => {
      await login();
      c.send(serialize.parse({ name: 'w', text: 'select $1::int4 as n' }), serialize.bind({ statement: 'w', values: [] }), serialize.execute({}), serialize.sync());
      const ms = await c.until('Z');
      assert.equal(types(ms), '1EZ');
      assert.equal(errorFields(ms[1]).C, '08P01');
      c.end();
    });

    const afterLogin: Array<[string, Buffer, string, string]> = [
      ['an unknown message type', frame('z'), 'FATAL', '08P01'],
      ['a 2 GB length prefix', Buffer.concat([Buffer.from('Q'), uint32(0x80000000)]), 'FATAL', '08P01'],
      ['a length below 4', Buffer.concat([Buffer.from('Q'), uint32(2)]), 'FATAL', '08P01'],
      ['a Query without its NUL', frame('Q', Buffer.from('select 1')), 'FATAL', '08P01'],
      ['a Bind cut short', frame('B', Buffer.from('\0\0\0')), 'FATAL', '08P01'],
    ];
    for (const [name, bytes, severity, code] of afterLogin)
      it(`${name} → ${severity} ${code}`, async () => {
        await login();
        c.send(bytes);
        const ms = await c.until('Z');
        assert.equal(errorFields(ms[0]).S, severity);
        assert.equal(errorFields(ms[0]).C, code);
        if (severity === 'FATAL') await c.closed;
        await survives();
      });

    it('CopyData and FunctionCall outside COPY → ERROR, the connection goes on', async () => {
      await login();
      c.send(serialize.copyData(Buffer.from('x')));
      let ms = await c.until('Z');
      assert.equal(types(ms), 'EZ');
      c.send(frame('F', Buffer.alloc(10)));
      ms = await c.until('Z');
      assert.equal(errorFields(ms[0]).C, '0A000');
      c.send(serialize.query('select 1'));
      assert.equal(types(await c.until('Z')), 'TDCZ');
      c.end();
    });

    it('a message truncated by the client going away', async () => {
      await login();
      c.send(frame('Q', Buffer.from('select 1\0')).subarray(0, 7));
      c.end();
      await c.closed;
      await survives();
    });

    const beforeStartup: Array<[string, Buffer]> = [
      ['a 2 GB startup length', uint32(0x80000000, 196608)],
      ['a startup length of 3', uint32(3, 196608)],
      ['garbage with a plausible length', Buffer.concat([uint32(16, 0x12345678), Buffer.from('garbage!')])],
      ['a startup without user', Buffer.concat([uint32(17, 196608), Buffer.from('database\0x\0\0')])],
      ['a truncated cancel request', uint32(12, 80877102, 1)],
    ];
    for (const [name, bytes] of beforeStartup)
      it(`${name}: refused, connection closed`, async () => {
        const r = await RawClient.connect(h.port);
        r.send(bytes);
        await r.closed;
        await survives();
      });

    it('a password message that is something else → FATAL 08P01', async () => {
      const r = await RawClient.connect(h.port);
      r.send(serialize.startup({ user: ORG, database: 'prod:all' }));
      assert.equal((await r.next())?.type, 'R');
      r.send(serialize.query('select 1'));
      const ms = await r.until('E');
      assert.equal(errorFields(ms.at(-1)).C, '08P01');
      await r.closed;
    });

    it('a password message announcing 1 MB → FATAL 08P01 at once (nothing is buffered before authentication)', async () => {
      const r = await RawClient.connect(h.port);
      r.send(serialize.startup({ user: ORG, database: 'prod:all' }));
      assert.equal((await r.next())?.type, 'R');
      r.send(Buffer.concat([Buffer.from('p'), uint32(1 << 20)]));
      const ms = await r.until('E');
      assert.equal(errorFields(ms.at(-1)).C, '08P01');
      await r.closed;
    });

    it('GSSENCRequest is declined with N, then the startup goes on', async () => {
      const r = await RawClient.connect(h.port);
      r.send(uint32(8, 80877104));
      assert.equal(await r.byte(), 'N');
      assert.equal(status(await r.login(ORG, PASSWORD)), 'I');
      r.end();
    });

    it('SSLRequest without TLS configured is declined with N', async () => {
      const r = await RawClient.connect(h.port);
      r.send(serialize.requestSsl());
      assert.equal(await r.byte(), 'N');
      assert.equal(status(await r.login(ORG, PASSWORD)), 'I');
      r.end();
    });
  });
});

describe('query wire server: TLS', () => {
  let h: Harness;
  before(async () => {
    h = await scriptedServer({ tls: { key: readFileSync('test/fixtures/tls/key.pem'), cert: readFileSync('test/fixtures/tls/cert.pem') } });
  });
  after(() => h.server.close());

  it('the pg client with ssl: the session is encrypted', async () => {
    const p = new pg.Client({ ...h.pg, ssl: { rejectUnauthorized: false } });
    await p.connect();
    assert.deepEqual((await p.query('select 1')).rows, [{ '?column?': 1 }]);
    await p.end();
  });

  describe('invalid input', () => {
    it('garbage instead of a TLS handshake closes that connection only', async () => {
      const s = connect(h.port, '127.0.0.1');
      await once(s, 'connect');
      s.on('error', () => undefined);
      s.write(serialize.requestSsl());
      await once(s, 'data');
      s.write(Buffer.alloc(64, 0x41));
      await once(s, 'close');
      const p = new pg.Client({ ...h.pg, ssl: { rejectUnauthorized: false } });
      await p.connect();
      await p.end();
    });
  });
});
