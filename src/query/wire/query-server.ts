import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { randomInt } from 'node:crypto';
import { PostgresConnection, type State } from 'pg-gateway';
import { envNumber } from '../../shared/env-number.js';
import { SQLSTATE, type SqlError } from '../engine/query-engine.js';
import * as be from './backend-messages.js';
import { FrameReader, MAX_MESSAGE_BYTES, decodeFrontend, printable, type Frame } from './frontend-messages.js';
import { ok, type Result } from '../../shared/result.js';
import { readPreStartup } from './pre-startup.js';
import type { QueryAuth } from './query-auth.js';
import { WireSession, type Engine } from './wire-session.js';

/**
 * The Query Service's PostgreSQL v3 endpoint. Per connection: our pre-startup reader (GSSENC, SSL/TLS, cancel),
 * pg-gateway for the startup packet, then our cleartext-password exchange (so AuthenticationOk, ParameterStatus,
 * BackendKeyData and ReadyForQuery go out in PostgreSQL's order) and our message loop (`WireSession`), one message at
 * a time with the socket paused meanwhile.
 */

export interface QueryServerOptions {
  host: string;
  port: number;
  tls?: { key: Buffer; cert: Buffer };
  auth: QueryAuth;
  engine: Engine;
  log?: { warn(o: object, m: string): void; info(o: object, m: string): void };
  serverVersion?: string;
  /** Connections past startup at once (default `KITH_QUERY_MAX_CONNECTIONS`, else 100); more get FATAL 53300. */
  maxConnections?: number;
  /** How long a client may take from connecting to being authenticated (ms; PostgreSQL's authentication_timeout). */
  authTimeoutMs?: number;
}

export interface QueryServer {
  port: number;
  close(): Promise<void>;
  /** Authenticated connections open now. */
  sessions(): number;
}

export const DEFAULT_SERVER_VERSION = '15.0 (Kith Query Service)';
/** A password message is small; more bytes than this before authentication is an attack, not a client. */
const MAX_AUTH_BYTES = 64 * 1024;

/** Resolves when the socket closed ('error' is followed by 'close'; `events.once` would reject on it instead). */
const closedOf = (socket: Socket): Promise<void> => new Promise((resolve) => socket.once('close', () => resolve()));

interface CancelKey {
  secret: number;
  sessionId: string;
}

export async function startQueryServer(opts: QueryServerOptions): Promise<QueryServer> {
  const maxConnections = opts.maxConnections ?? envNumber('KITH_QUERY_MAX_CONNECTIONS', 100, { min: 1, integer: true });
  const authTimeoutMs = opts.authTimeoutMs ?? 60_000;
  const keys = new Map<number, CancelKey>();
  /** Every socket and its connection's run (done once its engine session is closed). */
  const open = new Map<Socket, Promise<void>>();
  let admitted = 0;
  let authenticated = 0;

  /** Ends a connection after its last words; a client that never closes its side is cut off shortly after. */
  const finish = (socket: Socket, last?: Uint8Array) => {
    if (socket.destroyed) return;
    if (socket.writable) {
      if (last) socket.end(last);
      else socket.end();
    }
    setTimeout(() => socket.destroy(), 5000).unref();
  };
  const fatal = (socket: Socket, e: SqlError) => finish(socket, be.errorResponse(e, 'FATAL'));

  const cancel = async (pid: number, secret: number) => {
    const k = keys.get(pid);
    if (!k || k.secret !== secret) return;
    try {
      await opts.engine.cancel(k.sessionId);
    } catch (e) {
      opts.log?.warn({ err: e }, 'query cancel failed');
    }
  };

  async function serve(raw: Socket, rawClosed: Promise<void>, authenticatedNow: () => void): Promise<void> {
    const pre = await readPreStartup(raw, opts.tls);
    if (!pre) return void raw.destroy();
    if (!pre.ok) return fatal(raw, pre.error);
    if (pre.value.kind === 'cancel') {
      await cancel(pre.value.pid, pre.value.secret);
      return void raw.destroy();
    }
    const socket = pre.value.socket;
    const closed = socket === raw ? rawClosed : Promise.race([rawClosed, closedOf(socket)]);
    let startup: State['clientInfo'];
    // pg-gateway reads the startup packet (version, parameters, `user` required) and answers malformed ones
    const gateway = new PostgresConnection(socket, {
      onStartup: (state) => {
        gateway.detach();
        startup = state.clientInfo;
        return true;
      },
    });
    await gateway.handleData(pre.value.bytes);
    if (!startup) return finish(socket); // pg-gateway refused it (and said why)
    if (admitted >= maxConnections) return fatal(socket, { code: '53300', message: 'sorry, too many clients already' });
    admitted++;
    try {
      await converse(socket, startup.parameters, closed, authenticatedNow);
    } finally {
      admitted--;
    }
  }

  /** Password exchange, then the message loop until the socket closes. */
  async function converse(socket: Socket, params: Record<string, string>, closed: Promise<void>, authenticatedNow: () => void): Promise<void> {
    const reader = new FrameReader();
    let wake: (() => void) | undefined;
    const onData = (b: Buffer) => {
      reader.push(b);
      const w = wake;
      wake = undefined;
      w?.();
    };
    let isClosed = false;
    void closed.then(() => {
      isClosed = true;
      wake?.();
    });
    socket.on('data', onData);
    socket.resume();
    /** The next whole frame; undefined once the socket closed. The socket is paused while a frame is handled. */
    let maxBytes = MAX_AUTH_BYTES;
    const nextFrame = async (): Promise<Result<Frame, SqlError> | undefined> => {
      for (;;) {
        const f = reader.next(maxBytes);
        if (!f.ok) return f;
        if (f.value) {
          socket.pause();
          return ok(f.value);
        }
        if (isClosed) return undefined;
        socket.resume();
        await new Promise<void>((r) => (wake = r));
      }
    };
    const user = params.user!;
    const write = (b: Uint8Array) => {
      if (!socket.destroyed && socket.writable) socket.write(b);
    };
    write(be.authenticationCleartextPassword());
    const first = await nextFrame();
    if (!first) return;
    if (!first.ok) return fatal(socket, first.error);
    maxBytes = MAX_MESSAGE_BYTES;
    if (first.value.type !== 'p')
      return fatal(socket, { code: SQLSTATE.protocolViolation, message: `expected password response, got message type ${printable(first.value.type)}` });
    const nul = first.value.body.indexOf(0);
    const password = first.value.body.subarray(0, nul < 0 ? first.value.body.length : nul).toString('utf8');
    // dbname defaults to the user name in libpq and pg: that (an org id) is no sandbox, so it means "none given"
    const dbname = params.database === undefined || params.database === user ? undefined : params.database;
    let spec;
    try {
      spec = await opts.auth.authenticate(user, password, dbname);
    } catch (e) {
      opts.log?.warn({ err: e, user }, 'query authentication failed to run');
      return fatal(socket, { code: SQLSTATE.internalError, message: 'authentication is unavailable' });
    }
    if (!spec.ok) {
      opts.log?.info({ user, database: dbname, code: spec.error.code }, 'query connection refused');
      return fatal(socket, spec.error);
    }
    let sessionId: string;
    try {
      sessionId = await opts.engine.openSession(spec.value);
    } catch (e) {
      opts.log?.warn({ err: e, user }, 'query session failed to open');
      return fatal(socket, { code: SQLSTATE.internalError, message: 'the query engine is unavailable' });
    }
    const session = new WireSession(opts.engine, sessionId, {
      write,
      drained: async () => {
        if (socket.writableNeedDrain && !socket.destroyed) await Promise.race([new Promise((r) => socket.once('drain', r)), closed]);
      },
    });
    let pid = randomInt(1, 0x7fffffff);
    while (keys.has(pid)) pid = randomInt(1, 0x7fffffff);
    const secret = randomInt(-0x80000000, 0x7fffffff);
    keys.set(pid, { secret, sessionId });
    authenticated++;
    authenticatedNow();
    try {
      if (isClosed) return;
      write(be.authenticationOk());
      const status: Array<[string, string]> = [
        ['server_version', opts.serverVersion ?? DEFAULT_SERVER_VERSION],
        ['server_encoding', 'UTF8'],
        ['client_encoding', 'UTF8'],
        ['DateStyle', 'ISO, MDY'],
        ['IntervalStyle', 'postgres'],
        ['TimeZone', 'UTC'],
        ['integer_datetimes', 'on'],
        ['standard_conforming_strings', 'on'],
        ['application_name', params.application_name ?? ''],
        ['is_superuser', 'off'],
        ['session_authorization', user],
      ];
      for (const [k, v] of status) write(be.parameterStatus(k, v));
      write(be.backendKeyData(pid, secret));
      write(be.readyForQuery('I'));
      for (;;) {
        const f = await nextFrame();
        if (!f) return;
        if (!f.ok) return fatal(socket, f.error);
        const m = decodeFrontend(f.value);
        const next = m.ok ? await session.handle(m.value) : 'close';
        if (!m.ok) write(be.errorResponse(m.error, 'FATAL'));
        if (next === 'close') return finish(socket);
      }
    } finally {
      keys.delete(pid);
      authenticated--;
      socket.off('data', onData);
      await closeSession(session);
    }
  }

  async function closeSession(session: WireSession): Promise<void> {
    try {
      // a statement still running for a client that left is interrupted, then its session closed
      if (session.busy) await opts.engine.cancel(session.sessionId);
      await opts.engine.closeSession(session.sessionId);
    } catch (e) {
      opts.log?.warn({ err: e }, 'query session failed to close');
    }
  }

  const server: Server = createServer((raw) => {
    raw.setNoDelay(true);
    raw.on('error', () => raw.destroy());
    const closed = closedOf(raw);
    const timer = setTimeout(() => raw.destroy(), authTimeoutMs);
    const run = serve(raw, closed, () => clearTimeout(timer))
      .catch((e: unknown) => {
        opts.log?.warn({ err: e }, 'query connection failed');
        raw.destroy();
      })
      .finally(() => clearTimeout(timer));
    open.set(raw, run);
    void run.then(() => open.delete(raw));
  });
  // bound the sockets that never get as far as startup (the auth timeout ends them)
  server.maxConnections = maxConnections + 100;
  server.listen(opts.port, opts.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    port,
    sessions: () => authenticated,
    close: async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of open.keys()) s.destroy();
      await Promise.all([...open.values()]);
      await stopped;
    },
  };
}
