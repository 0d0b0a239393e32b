/**
 * The console's only door into Kith: its public HTTP API, with the AEP headers of the signed-in session. The token
 * lives in sessionStorage (gone when the tab closes); the secret is never stored.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Session {
  apiKey: string;
  token: string;
  orgId: string;
  tenantId: string;
  credentialName: string;
  expiresAt: string;
  sandbox: string;
}

const KEY = 'kith.console.session';
let current: Session | undefined = read();
const listeners = new Set<() => void>();

function read(): Session | undefined {
  try {
    const s = sessionStorage.getItem(KEY);
    return s ? (JSON.parse(s) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export const getSession = (): Session | undefined => current;

export function setSession(s: Session | undefined): void {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
  current = s;
  clearCache();
  for (const l of listeners) l();
}

export function useSession(): Session | undefined {
  const [, tick] = useState(0);
  useEffect(() => {
    const l = () => tick((n) => n + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return current;
}

export interface ApiResult<T> {
  ok: boolean;
  status: number;
  data: T;
  /** What went wrong, in the server's words (problem detail, gateway message, OAuth description). */
  error?: string;
}

export interface CallOptions {
  body?: unknown;
  /** false: org-level route (no x-sandbox-name) */
  sandboxed?: boolean;
  headers?: Record<string, string>;
  /** read the body as text (CSV) */
  text?: boolean;
  signal?: AbortSignal;
}

export function authHeaders(s: Session, sandboxed = true): Record<string, string> {
  return { authorization: `Bearer ${s.token}`, 'x-api-key': s.apiKey, 'x-gw-ims-org-id': s.orgId, ...(sandboxed ? { 'x-sandbox-name': s.sandbox } : {}) };
}

export function errorText(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const msg = b.detail ?? b.message ?? b.error_description ?? b.title ?? b.error ?? b.reason;
    if (typeof msg === 'string' && msg) return msg;
  }
  if (typeof body === 'string' && body && body.length < 300) return body;
  return `HTTP ${status}`;
}

export async function call<T = any>(method: string, path: string, o: CallOptions = {}): Promise<ApiResult<T>> {
  const s = current;
  const headers: Record<string, string> = { ...(s ? authHeaders(s, o.sandboxed !== false) : {}), ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers };
  let r: Response;
  try {
    r = await fetch(path, { method, headers, body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body), signal: o.signal });
  } catch (e) {
    return { ok: false, status: 0, data: undefined as T, error: `The server did not answer (${(e as Error).message})` };
  }
  const text = await r.text();
  let data: any = text;
  if (!o.text && text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!o.text && !text) data = undefined;
  // a token that expired or was revoked ends the session
  if (r.status === 401 && s && path !== '/ims/token/v3') setSession(undefined);
  return r.ok ? { ok: true, status: r.status, data } : { ok: false, status: r.status, data, error: errorText(r.status, data) };
}

export const get = <T = any>(path: string, o?: CallOptions) => call<T>('GET', path, o);
export const post = <T = any>(path: string, body?: unknown, o?: CallOptions) => call<T>('POST', path, { ...o, body: body ?? {} });

/** Per-sandbox lookups that rarely change (dataset, audience, journey names): fetched once per session and sandbox. */
const cache = new Map<string, Promise<unknown>>();
export function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  const k = `${current?.sandbox}:${key}`;
  let p = cache.get(k) as Promise<T> | undefined;
  if (!p) {
    p = load();
    cache.set(k, p);
    p.catch(() => cache.delete(k));
  }
  return p;
}
export function clearCache(key?: string): void {
  if (key === undefined) cache.clear();
  else cache.delete(`${current?.sandbox}:${key}`);
}

export const qs = (o: Record<string, string | number | boolean | undefined>) =>
  Object.entries(o)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');

/** Names of datasets, audiences, journeys and computed attributes of the sandbox, by id. */
export const datasetNames = () =>
  cached('datasets', async () => {
    const r = await get<Record<string, { name: string }>>('/data/foundation/catalog/dataSets?limit=100');
    return new Map(Object.entries(r.ok && r.data ? r.data : {}).map(([id, d]) => [id, d.name]));
  });
export const audienceList = () =>
  cached('audiences', async () => {
    const r = await get<{ segments: Array<{ id: string; name: string; description?: string }> }>('/data/core/ups/segment/definitions?limit=100');
    return r.ok ? r.data.segments : [];
  });
export const journeyList = () =>
  cached('journeys', async () => {
    const r = await get<{ children: Array<{ id: string; name: string }> }>('/ajo/journeys?limit=100');
    return r.ok ? r.data.children : [];
  });
export const namespaceList = () =>
  cached('namespaces', async () => {
    const r = await get<Array<{ id: number; code: string; name: string; idType: string }>>('/data/core/idnamespace/identities');
    return r.ok ? r.data : [];
  });
export const mergePolicies = () =>
  cached('mergePolicies', async () => {
    const r = await get<{ children: Array<{ id: string; name: string; default?: boolean }> }>('/data/core/ups/config/mergePolicies');
    return r.ok ? r.data.children : [];
  });
export const caDefinitions = () =>
  cached('ca', async () => {
    const r = await get<{ computedAttributes: Array<{ id: string; name: string; displayName?: string; expression?: Record<string, unknown> }> }>('/data/core/ca/attributes');
    return r.ok ? r.data.computedAttributes : [];
  });

/** Loads on mount and when `deps` change; `reload()` runs it again. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): { data?: T; error?: string; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [n, setN] = useState(0);
  useEffect(() => {
    const ac = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load(ac.signal).then(
      (data) => !ac.signal.aborted && setState({ data, loading: false }),
      (e: Error) => !ac.signal.aborted && setState({ error: e.message, loading: false }),
    );
    return () => ac.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, n]);
  return { ...state, reload: () => setN((x) => x + 1) };
}

/** The data of a call, or an Error with the server's words (for useLoad). */
export async function must<T>(p: Promise<ApiResult<T>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(r.error);
  return r.data;
}
