/**
 * Typed calls to services that live on another thread (the processor worker, the segmentation worker).
 *
 * A service map names the objects one side serves (`{ identity: IdentityService; profiles: ProfileService }`).
 * The calling side holds a `Remote<Map>`: `remote.identity.members(sb, xid)` is checked by the compiler (service,
 * method, arguments) and always returns a promise, so a missing `await` is a type-aware lint error
 * (`typescript/no-floating-promises`). The serving side dispatches the same calls to the real objects. Errors thrown
 * there reach the caller with their name, message and the remote stack appended to the local one.
 */

/** Names of a service's methods (its public function-valued members). */
export type MethodsOf<S> = { [K in keyof S]-?: S[K] extends (...args: never[]) => unknown ? K : never }[keyof S] & string;

/** A service as seen from another thread: every method returns a promise of what it returned (or resolved to). */
export type RemoteService<S> = {
  readonly [K in MethodsOf<S>]: S[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** Every service of a map, as seen from another thread. */
export type Remote<M> = { readonly [K in keyof M & string]: RemoteService<M[K]> };

/** What may serve a service: the real object, or anything answering its methods, synchronously or not (a relay). */
export type ServedService<S> = {
  readonly [K in MethodsOf<S>]: S[K] extends (...args: infer A) => infer R ? (...args: A) => Awaited<R> | Promise<Awaited<R>> : never;
};
export type Served<M> = { readonly [K in keyof M & string]: ServedService<M[K]> };

/** An error as it crosses a thread. */
export interface RemoteErrorInfo {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

export interface RpcCall {
  type: 'rpc-call';
  id: number;
  service: string;
  method: string;
  args: unknown[];
}
export type RpcReply = { type: 'rpc-reply'; id: number; ok: true; value: unknown } | { type: 'rpc-reply'; id: number; ok: false; error: RemoteErrorInfo };
export type RpcMessage = RpcCall | RpcReply;

/** Where a call was made: the stack from the caller of the remote method down. */
type CallSite = { stack?: string };

export function errorInfo(e: unknown): RemoteErrorInfo {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const code = (e as { code?: unknown }).code;
  return { name: e.name, message: e.message, stack: e.stack, ...(typeof code === 'string' ? { code } : {}) };
}

/** The error a caller sees: the remote name and message; the local stack (the call site), then the remote one. */
export function remoteError(info: RemoteErrorInfo, site: CallSite, peer: string): Error {
  const e = new Error(info.message);
  e.name = info.name;
  if (info.code !== undefined) (e as Error & { code?: string }).code = info.code;
  const local = (site.stack ?? '').split('\n').slice(1).join('\n');
  const remote = info.stack ?? `${info.name}: ${info.message}`;
  e.stack = `${info.name}: ${info.message}\n${local}\n    --- thrown on the ${peer} thread ---\n${remote}`;
  return e;
}

type Dispatch = (service: string, method: string, args: unknown[], anchor: () => unknown) => Promise<unknown>;

/** A remote whose calls go to `call(service, method, args, anchor)`. */
function remoteOf<M>(call: Dispatch): Remote<M> {
  const services = new Map<string, object>();
  const method = (service: string, name: string) => {
    const fn = (...args: unknown[]): Promise<unknown> => call(service, name, args, fn);
    return fn;
  };
  const serviceProxy = (service: string): object =>
    new Proxy(
      {},
      {
        // `then` and symbols are not methods: a remote service must not look like a promise (await would hang)
        get: (_t, name) => (typeof name !== 'string' || name === 'then' ? undefined : method(service, name)),
      },
    );
  return new Proxy({} as Remote<M>, {
    get: (_t, service) => {
      if (typeof service !== 'string' || service === 'then') return undefined;
      let s = services.get(service);
      if (!s) services.set(service, (s = serviceProxy(service)));
      return s;
    },
  });
}

/**
 * One remote over several peers serving the same map (threads of one kind): calls go to them in turn; calls to a
 * service in `everyone` go to every peer and resolve, with the first peer's answer, when all did ("drop your caches").
 */
export function roundRobin<M>(peers: ReadonlyArray<Remote<M>>, everyone: ReadonlySet<keyof M & string> = new Set()): Remote<M> {
  if (peers.length === 0) throw new Error('roundRobin needs at least one peer');
  let next = 0;
  const on = (peer: Remote<M>, service: string, method: string, args: unknown[]) =>
    (peer as unknown as Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>)[service]![method]!(...args);
  return remoteOf<M>((service, method, args) =>
    everyone.has(service as keyof M & string)
      ? Promise.all(peers.map((p) => on(p, service, method, args))).then((all) => all[0])
      : on(peers[next++ % peers.length]!, service, method, args),
  );
}

/** The serving side: dispatches calls to the real objects. */
export class RpcServer<M> {
  constructor(
    private readonly services: Served<M>,
    /** Runs after each successful call (e.g. telling another thread its cached copies are stale). */
    private readonly after?: (service: keyof M & string, method: string) => void,
  ) {}

  /** The same server with more services. */
  extend<N>(more: Served<N>): RpcServer<M & N> {
    return new RpcServer<M & N>({ ...this.services, ...more } as unknown as Served<M & N>, this.after as ((service: keyof (M & N) & string, method: string) => void) | undefined);
  }

  async invoke(service: string, method: string, args: unknown[]): Promise<unknown> {
    const target = Object.hasOwn(this.services, service) ? (this.services as Record<string, Record<string, unknown>>)[service] : undefined;
    const f = target && !(method in Object.prototype) ? target[method] : undefined;
    if (typeof f !== 'function') throw new Error(`unknown RPC method ${service}.${method}`);
    const value: unknown = await (f as (...a: unknown[]) => unknown).apply(target, args);
    this.after?.(service as keyof M & string, method);
    return value;
  }

  /** Answers a call from another thread; a value that cannot cross (a function, a class instance with methods) is an error reply. */
  async answer(m: RpcCall, post: (r: RpcReply) => void): Promise<void> {
    let reply: RpcReply;
    try {
      reply = { type: 'rpc-reply', id: m.id, ok: true, value: await this.invoke(m.service, m.method, m.args) };
    } catch (e) {
      reply = { type: 'rpc-reply', id: m.id, ok: false, error: errorInfo(e) };
    }
    try {
      post(reply);
    } catch (e) {
      post({ type: 'rpc-reply', id: m.id, ok: false, error: errorInfo(e) });
    }
  }

  /**
   * A same-thread client with the remote interface. Each call starts in a later macrotask, as a call to another
   * thread would, so code that forgets to await behaves the same (and fails the same tests) inline as in a worker.
   */
  local(): Remote<M> {
    return remoteOf<M>(async (service, method, args) => {
      await new Promise<void>((r) => setImmediate(r));
      return this.invoke(service, method, args);
    });
  }
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  site: CallSite;
}

/** The calling side: one pending-call map; replies come back through `receive`. */
export class RpcClient<M> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  readonly remote: Remote<M>;

  constructor(
    private readonly post: (m: RpcCall) => void,
    private readonly opts: {
      /** Names the other thread in errors. */
      peer: string;
      /** Runs before each call is sent (waits for a restarting worker; throws when none is running). */
      before?: (service: keyof M & string, method: string) => Promise<void>;
    },
  ) {
    this.remote = remoteOf<M>((service, method, args, anchor) => this.call(service, method, args, anchor));
  }

  private async call(service: string, method: string, args: unknown[], anchor: () => unknown): Promise<unknown> {
    const site: CallSite = {};
    Error.captureStackTrace(site, anchor); // formatted only if the call fails
    await this.opts.before?.(service as keyof M & string, method);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, site });
      try {
        this.post({ type: 'rpc-call', id, service, method, args });
      } catch (e) {
        // arguments that cannot be cloned
        this.pending.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** A reply from the other thread. */
  receive(m: RpcReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(remoteError(m.error, p.site, this.opts.peer));
  }

  /** The other thread is gone: every call in flight fails (never hangs). */
  rejectAll(message: string): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(new Error(message));
  }

  /** Calls waiting for a reply. */
  inFlight(): number {
    return this.pending.size;
  }
}
