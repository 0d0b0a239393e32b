import type { FastifyRequest } from 'fastify';
import type { Sandbox } from '../sandbox/sandbox-service.js';

/** Who is calling, for which org and sandbox. Set by the gateway on every authenticated request. */
export interface RequestContext {
  orgId: string;
  tenantId: string;
  /** Present on sandboxed APIs (x-sandbox-name). */
  sandbox?: Sandbox;
  credentialId?: string;
  /** Who to record as createdBy/updatedBy. */
  actor: string;
  requestId: string;
}

/** A request context that is guaranteed to carry a sandbox. */
export type SandboxContext = RequestContext & { sandbox: Sandbox };

/** How a route is protected: all four AEP headers, org-level (no sandbox header), or public. */
export type AuthMode = 'sandbox' | 'org' | 'none';

declare module 'fastify' {
  interface FastifyRequest {
    kith?: RequestContext;
  }
  interface FastifyContextConfig {
    auth?: AuthMode;
    /** `per-message`: the route checks each streamed message's nesting itself (see json-depth.ts). */
    jsonDepth?: 'per-message';
    /** `oauth`: input errors answer `{error: 'invalid_request', error_description}` (the IMS token endpoint). */
    /** Errors answered in a client's own shape: OAuth's token errors, Segment's `{success:false,code,message}`. */
    errorFormat?: 'oauth' | 'segment';
  }
}

export function ctxOf(req: FastifyRequest): RequestContext {
  if (!req.kith) throw new Error('route has no request context: is it registered with auth "none"?');
  return req.kith;
}

export function sandboxCtxOf(req: FastifyRequest): SandboxContext {
  const c = ctxOf(req);
  if (!c.sandbox) throw new Error('route has no sandbox: register it with auth "sandbox"');
  return c as SandboxContext;
}
