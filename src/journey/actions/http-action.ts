import type { Clock } from '../../shared/clock.js';
import { err, ok, type Result } from '../../shared/result.js';
import type { ActionContext, ActionResult } from '../journey-ports.js';
import type { HttpActionSpec } from '../journey-types.js';
import { DEFAULT_BACKOFF_MS, DEFAULT_RETRIES, failedBeforeCall, messageOf, resultOf, withRetries, type AttemptOutcome } from './attempts.js';
import { endpointOf, type RateCap } from './rate-cap.js';
import { checkTemplate, fillTemplate, parseTemplate, scopeOf, type TemplateScope } from './template.js';

/**
 * Custom HTTP action: templated URL (URL-encoded values), headers and body (JSON-escaped when the body is JSON),
 * auth, `Idempotency-Key: <instanceId>:<stepIndex>`, a timeout per attempt, retries with doubling backoff on
 * timeout / network error / 5xx / 429, and the endpoint's rate cap before every attempt. Redirects are not
 * followed (a 3xx is an `http` error: the cap and the auth belong to the configured origin). The response body is
 * read and discarded, at most 64 KB. Never throws.
 */

export const DEFAULT_TIMEOUT_MS = 5000;
const MAX_RESPONSE_BYTES = 64 * 1024;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export interface HttpActionDeps {
  clock: Clock;
  rateCap: RateCap;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
}

const positive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;
const nonNegative = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isJsonType = (ct: string | null): boolean => ct !== null && /(^|[/+])json\b/i.test(ct);
const noBreaks = (s: string): string => s.replace(/[\r\n]+/g, ' ');

/** For the definition validator: what is wrong with the spec, if anything. */
export function checkHttpAction(spec: HttpActionSpec): Result<void, string> {
  if (!(METHODS as readonly string[]).includes(spec.method)) return err(`method must be one of ${METHODS.join(', ')}`);
  if (typeof spec.url !== 'string' || spec.url === '') return err('url is required');
  const u = parseTemplate(spec.url);
  if (!u.ok) return err(`url: ${u.error}`);
  // placeholders stand for one value each: the URL must parse whatever they hold
  const probe = u.value.map((p) => (p.kind === 'literal' ? p.text : 'x')).join('');
  if (!URL.canParse(probe) || !/^https?:$/.test(new URL(probe).protocol)) return err('url must be an absolute http(s) URL');
  for (const [k, v] of Object.entries(spec.headers ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) return err(`header name '${k}' is not a valid HTTP token`);
    if (typeof v !== 'string') return err(`header '${k}' must be a string`);
    const t = checkTemplate(v);
    if (!t.ok) return err(`header '${k}': ${t.error}`);
  }
  if (spec.body !== undefined) {
    if (typeof spec.body !== 'string') return err('body must be a string (a template)');
    const t = checkTemplate(spec.body);
    if (!t.ok) return err(`body: ${t.error}`);
  }
  const a = spec.auth;
  if (a !== undefined) {
    if (a.type === 'basic' && (typeof a.username !== 'string' || typeof a.password !== 'string')) return err('basic auth needs username and password');
    else if (a.type === 'bearer' && (typeof a.token !== 'string' || a.token === '')) return err('bearer auth needs a token');
    else if (a.type === 'apiKey' && (typeof a.header !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(a.header) || typeof a.value !== 'string')) return err('apiKey auth needs a header name and a value');
    else if (!['none', 'basic', 'bearer', 'apiKey'].includes(a.type)) return err('auth.type must be none, basic, bearer or apiKey');
  }
  if (spec.timeoutMs !== undefined && !positive(spec.timeoutMs)) return err('timeoutMs must be a positive number');
  if (spec.retries !== undefined && (!nonNegative(spec.retries) || spec.retries > 10)) return err('retries must be between 0 and 10');
  if (spec.backoffMs !== undefined && !nonNegative(spec.backoffMs)) return err('backoffMs must be a non-negative number');
  if (spec.ratePerSecond !== undefined && !positive(spec.ratePerSecond)) return err('ratePerSecond must be a positive number');
  return ok(undefined);
}

interface PreparedRequest {
  url: URL;
  init: { method: string; headers: Headers; body?: string };
}

/** The request the spec and the context make, or why none can be made. */
export function prepareRequest(spec: HttpActionSpec, ctx: ActionContext, scope: TemplateScope = scopeOf(ctx)): Result<PreparedRequest, { code: string; context: string }> {
  const checked = checkHttpAction(spec);
  if (!checked.ok) return err({ code: 'invalidSpec', context: checked.error });
  const urlText = fillTemplate(spec.url, scope, 'url');
  if (!urlText.ok || !URL.canParse(urlText.value)) return err({ code: 'invalidUrl', context: 'the filled URL does not parse' });
  const url = new URL(urlText.value);
  if (!/^https?:$/.test(url.protocol)) return err({ code: 'invalidUrl', context: 'only http and https URLs are called' });
  const headers = new Headers();
  try {
    for (const [k, v] of Object.entries(spec.headers ?? {})) {
      const filled = fillTemplate(v, scope, 'text');
      if (filled.ok) headers.set(k, noBreaks(filled.value));
    }
    const a = spec.auth;
    if (a?.type === 'basic') headers.set('authorization', `Basic ${Buffer.from(`${a.username}:${a.password}`, 'utf8').toString('base64')}`);
    else if (a?.type === 'bearer') headers.set('authorization', `Bearer ${noBreaks(a.token)}`);
    else if (a?.type === 'apiKey') headers.set(a.header, noBreaks(a.value));
    headers.set('idempotency-key', ctx.idempotencyKey);
  } catch (e) {
    return err({ code: 'invalidHeader', context: messageOf(e) });
  }
  const init: PreparedRequest['init'] = { method: spec.method, headers };
  if (spec.body !== undefined && spec.method !== 'GET') {
    const ct = headers.get('content-type');
    const asJson = fillTemplate(spec.body, scope, 'json');
    if (isJsonType(ct)) {
      if (asJson.ok) init.body = asJson.value;
    } else if (asJson.ok && parsesAsJson(asJson.value)) {
      init.body = asJson.value;
      if (ct === null) headers.set('content-type', 'application/json');
    } else {
      const text = fillTemplate(spec.body, scope, 'text');
      if (text.ok) init.body = text.value;
    }
  }
  return ok({ url, init });
}

function parsesAsJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

/** Reads and drops at most `limit` bytes of a body (then lets the connection go). */
async function drain(body: ReadableStream<Uint8Array> | null, limit: number): Promise<void> {
  if (body === null) return;
  const reader = body.getReader();
  let seen = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
      if (seen >= limit) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // the status already decided the outcome; a body cut short (timeout, reset) changes nothing
  }
}

/** The network error's code (`ECONNREFUSED`, …) from fetch's `cause`. */
function networkCode(e: unknown): string | undefined {
  const cause = (e as { cause?: unknown } | null)?.cause as { code?: unknown; errors?: Array<{ code?: unknown }> } | undefined;
  if (cause === undefined || cause === null) return undefined;
  if (typeof cause.code === 'string') return cause.code;
  const inner = Array.isArray(cause.errors) ? cause.errors.find((x) => typeof x?.code === 'string') : undefined;
  return typeof inner?.code === 'string' ? inner.code : 'network';
}

async function attempt(req: PreparedRequest, timeoutMs: number, fetchFn: typeof fetch): Promise<AttemptOutcome> {
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, timeoutMs);
  try {
    const res = await fetchFn(req.url, { ...req.init, signal: ac.signal, redirect: 'manual' });
    await drain(res.body, MAX_RESPONSE_BYTES);
    if (res.status >= 200 && res.status < 300) return { ok: true };
    const retryable = res.status === 429 || res.status >= 500;
    return { ok: false, error: 'http', code: String(res.status), context: `HTTP ${res.status} ${res.statusText}`.trim(), retryable };
  } catch (e) {
    if (timedOut) return { ok: false, error: 'timeout', context: `no answer within ${timeoutMs} ms`, retryable: true };
    const code = networkCode(e);
    const detail = messageOf((e as { cause?: unknown } | null)?.cause ?? e);
    // no network cause: a request fetch refused to make (nothing a retry would change)
    return { ok: false, error: 'error', code: code ?? 'request', context: detail, retryable: code !== undefined };
  } finally {
    clearTimeout(timer);
  }
}

export async function runHttpAction(spec: HttpActionSpec, ctx: ActionContext, deps: HttpActionDeps): Promise<ActionResult> {
  const startedAt = deps.clock.now();
  const prepared = prepareRequest(spec, ctx);
  if (!prepared.ok) return failedBeforeCall(ctx, 'http', startedAt, deps.clock, 'error', prepared.error.code, prepared.error.context);
  const req = prepared.value;
  const origin = endpointOf(req.url);
  const timeoutMs = positive(spec.timeoutMs) ? (spec.timeoutMs as number) : DEFAULT_TIMEOUT_MS;
  const report = await withRetries(
    {
      retries: spec.retries ?? DEFAULT_RETRIES,
      backoffMs: spec.backoffMs ?? DEFAULT_BACKOFF_MS,
      sleep: deps.sleep,
      admit: () => deps.rateCap.take(ctx.sandboxId, origin, spec.ratePerSecond),
    },
    () => attempt(req, timeoutMs, deps.fetch),
  );
  return resultOf(ctx, 'http', startedAt, deps.clock, report);
}
