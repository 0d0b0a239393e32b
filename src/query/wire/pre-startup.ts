import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { ok, err, type Result } from '../../shared/result.js';
import { SQLSTATE, type SqlError } from '../engine/query-engine.js';

/**
 * The packets before the startup message, read before pg-gateway sees the connection: pg-gateway only knows
 * SSLRequest, and marks the connection started when told a packet was handled (breaking the startup after a
 * GSSENCRequest). So: GSSENCRequest → 'N'; SSLRequest → 'S' and a TLS upgrade (or 'N' without TLS); CancelRequest
 * (also over TLS, as libpq 17 sends it) → its key; the startup packet → its bytes, for pg-gateway. Every packet's
 * length is checked first (PostgreSQL's limit), so a 2 GB length prefix is refused instead of awaited.
 */

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** PostgreSQL's MAX_STARTUP_PACKET_LENGTH. */
const MAX_STARTUP_BYTES = 10_000;

export type PreStartup =
  | { kind: 'startup'; socket: Socket; bytes: Buffer }
  | { kind: 'cancel'; pid: number; secret: number };

const violation = (message: string): SqlError => ({ code: SQLSTATE.protocolViolation, message });

/** Buffers a socket's bytes and hands out whole packets. */
class PacketReader {
  private buf: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private ended = false;
  private readonly onData = (b: Buffer) => {
    this.buf = this.buf.length === 0 ? b : Buffer.concat([this.buf, b]);
    this.wake();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.wake();
  };

  constructor(readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.resume();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** The next length-prefixed packet (the length includes itself), or an error / undefined at EOF. */
  async packet(): Promise<Result<Buffer, SqlError> | undefined> {
    for (;;) {
      if (this.buf.length >= 4) {
        const len = this.buf.readUInt32BE(0);
        if (len < 8 || len > MAX_STARTUP_BYTES) return err(violation(`invalid length of startup packet: ${len}`));
        if (this.buf.length >= len) {
          const p = this.buf.subarray(0, len);
          this.buf = this.buf.subarray(len);
          return ok(p);
        }
      }
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  get rest(): Buffer {
    return this.buf;
  }

  /** Stops listening; the socket is paused so no byte is lost before the next owner listens. */
  release(): void {
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
  }
}

async function upgrade(socket: Socket, tls: { key: Buffer; cert: Buffer }): Promise<TLSSocket | undefined> {
  const secure = new TLSSocket(socket, { isServer: true, key: tls.key, cert: tls.cert });
  // a failed handshake ends this connection only
  secure.on('error', () => secure.destroy());
  return new Promise((resolve) => {
    const fail = () => resolve(undefined);
    secure.once('close', fail);
    secure.once('secure', () => {
      secure.off('close', fail);
      socket.resume();
      resolve(secure);
    });
  });
}

/** Reads up to the startup packet. Err: a fatal protocol error to report; undefined: the client went away. */
export async function readPreStartup(socket: Socket, tls: { key: Buffer; cert: Buffer } | undefined): Promise<Result<PreStartup, SqlError> | undefined> {
  let reader = new PacketReader(socket);
  let secured = false;
  for (;;) {
    const p = await reader.packet();
    if (!p || !p.ok) {
      reader.release();
      return p;
    }
    const code = p.value.readUInt32BE(4);
    if (code === GSSENC_REQUEST) reader.socket.write('N');
    else if (code === CANCEL_REQUEST) {
      reader.release();
      if (p.value.length !== 16) return err(violation('invalid cancel request'));
      return ok({ kind: 'cancel', pid: p.value.readInt32BE(8), secret: p.value.readInt32BE(12) });
    } else if (code === SSL_REQUEST) {
      if (!tls || secured) {
        reader.socket.write('N');
        continue;
      }
      // bytes after the SSLRequest before our answer would be unencrypted data slipped into the TLS stream
      if (reader.rest.length > 0) {
        reader.release();
        return err(violation('received unencrypted data after SSL request'));
      }
      reader.release();
      reader.socket.write('S');
      const secure = await upgrade(reader.socket, tls);
      if (!secure) return undefined;
      secured = true;
      reader = new PacketReader(secure);
    } else {
      reader.release();
      return ok({ kind: 'startup', socket: reader.socket, bytes: Buffer.concat([p.value, reader.rest]) });
    }
  }
}
