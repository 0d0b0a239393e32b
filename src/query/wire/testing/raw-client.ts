import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { serialize } from 'pg-protocol';

/**
 * A minimal PostgreSQL frontend over a raw socket for the wire tests: sends whatever bytes a test builds (pg-protocol's
 * serializer, or hostile ones) and hands back the server's messages one at a time.
 */

export interface BackendMsg {
  type: string;
  body: Buffer;
}

export class RawClient {
  private buf: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private ended = false;
  /** Resolves when the server closed the connection. */
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (b: Buffer) => {
      this.buf = Buffer.concat([this.buf, b]);
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.ended = true;
        this.wake();
        resolve();
      }),
    );
  }

  static async connect(port: number): Promise<RawClient> {
    const s = connect(port, '127.0.0.1');
    await once(s, 'connect');
    return new RawClient(s);
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private async wait(): Promise<boolean> {
    if (this.ended) return false;
    await new Promise<void>((r) => (this.waiter = r));
    return true;
  }

  send(...bufs: Buffer[]): void {
    this.socket.write(Buffer.concat(bufs));
  }

  /** One raw byte (answers to SSLRequest / GSSENCRequest); undefined if the server closed. */
  async byte(): Promise<string | undefined> {
    while (this.buf.length < 1) if (!(await this.wait())) return undefined;
    const b = String.fromCharCode(this.buf[0]!);
    this.buf = this.buf.subarray(1);
    return b;
  }

  /** The next message; undefined once the server closed without one. */
  async next(): Promise<BackendMsg | undefined> {
    for (;;) {
      if (this.buf.length >= 5) {
        const len = this.buf.readUInt32BE(1);
        if (this.buf.length >= len + 1) {
          const m = { type: String.fromCharCode(this.buf[0]!), body: this.buf.subarray(5, len + 1) };
          this.buf = this.buf.subarray(len + 1);
          return m;
        }
      }
      if (!(await this.wait())) return undefined;
    }
  }

  /** Messages up to and including the first of `type` (or up to the close). */
  async until(type: string): Promise<BackendMsg[]> {
    const out: BackendMsg[] = [];
    for (;;) {
      const m = await this.next();
      if (!m) return out;
      out.push(m);
      if (m.type === type) return out;
    }
  }

  /** Startup + cleartext password; resolves with the messages up to the first ReadyForQuery (or the error). */
  async login(user: string, password: string, database = 'prod:all'): Promise<BackendMsg[]> {
    this.send(serialize.startup({ user, database }));
    const first = await this.next();
    if (!first || first.type !== 'R') return first ? [first] : [];
    this.send(serialize.password(password));
    return this.until('Z');
  }

  end(): void {
    this.socket.destroy();
  }
}

/** The types of a message list, as a string ('1', '2', 'D', …) for compact assertions. */
export const types = (ms: BackendMsg[]): string => ms.map((m) => m.type).join('');

/** An ErrorResponse's fields by code letter. */
export function errorFields(m: BackendMsg | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!m) return out;
  let i = 0;
  while (i < m.body.length && m.body[i] !== 0) {
    const k = String.fromCharCode(m.body[i]!);
    const end = m.body.indexOf(0, i + 1);
    out[k] = m.body.toString('utf8', i + 1, end);
    i = end + 1;
  }
  return out;
}
