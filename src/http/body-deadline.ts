import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A large-body route (batch file uploads): the upload deadline applies instead of the body deadline. */
    upload?: boolean;
  }
}

export interface BodyDeadlines {
  /** Every route but uploads: the whole body must arrive within this (ms). */
  bodyMs: number;
  /** Upload routes (ms). */
  uploadMs: number;
  /** A body that makes no progress for this long is dropped (ms; 0: off). */
  idleMs: number;
}

const REQUEST_TIMEOUT = JSON.stringify({
  type: 'http://ns.adobe.com/aep/errors/request-timeout',
  status: 408,
  title: 'Request Timeout',
  detail: 'The request body was not received in time',
});

const hasBody = (req: FastifyRequest) => {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
};

/**
 * Per-route body deadlines, and an idle limit while a body is being received. Node's own `requestTimeout` is one value for the whole server (set to the upload
 * deadline, the longest); this hook gives every other route the short one, so a client trickling a body cannot
 * hold a connection and its buffered bytes. On expiry: 408 with `Connection: close`, then the socket is destroyed.
 */
export function installBodyDeadlines(app: FastifyInstance, d: BodyDeadlines): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!hasBody(req)) return;
    const ms = req.routeOptions.config?.upload ? d.uploadMs : d.bodyMs;
    const raw = req.raw;
    const res = reply.raw;
    // injected requests (tests) have no real socket to close
    const close = () => (typeof raw.socket?.destroy === 'function' ? raw.socket.destroy() : undefined);
    // idle only while the body arrives: a long-running handler after it (a big COMPLETE) is not the client stalling
    const sock = raw.socket as { setTimeout?: (ms: number) => unknown } | null;
    const idle = d.idleMs > 0 && typeof sock?.setTimeout === 'function';
    if (idle) sock!.setTimeout!(d.idleMs); // Node's server destroys a socket whose timeout nobody handles
    const timer = setTimeout(() => {
      req.log.info({ ms }, 'request body deadline passed: closing the connection');
      if (!res.headersSent && !res.writableEnded) {
        res.writeHead(408, { 'content-type': 'application/json', connection: 'close', 'content-length': Buffer.byteLength(REQUEST_TIMEOUT) });
        res.end(REQUEST_TIMEOUT, close);
      } else close();
    }, ms);
    timer.unref();
    const clear = () => {
      clearTimeout(timer);
      if (idle) sock!.setTimeout!(0);
    };
    raw.once('end', clear);
    raw.once('close', clear);
    raw.once('error', clear);
    // answered without reading the body (an auth or content-type error): only a real socket still needs the deadline
    if (typeof raw.socket?.destroy !== 'function') res.once('finish', clear);
  });
}
