import { isObj } from '../../shared/objects.js';
import { at, MAX_NAME, type Problems } from './definition-problems.js';
import type { ActionSpec, EmailActionSpec, HttpActionSpec, UpdateProfileActionSpec } from '../journey-types.js';
import { checkHttpAction } from '../actions/http-action.js';
import { checkEmailAction } from '../actions/email-action.js';
import { checkUpdateProfile } from '../actions/update-profile-action.js';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const ACTION_KINDS = ['http', 'email', 'updateProfile'] as const;
/** `a@b.c` or `Name <a@b.c>`. */
const EMAIL = /^(?:[^<>]*<\s*[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+\s*>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/;
/** RFC 7230 token (a header name). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PROTECTED_ROOTS = new Set(['_id', 'identityMap']);

/** Checks an action node's spec (HTTP, email, profile update): its shape, then what its runner would refuse (templates). */
export function checkAction(p: Problems, a: unknown, path: string): void {
  const before = p.list.length;
  checkShape(p, a, path);
  // a well-shaped action the runner would refuse at every call (an unclosed placeholder, an email without a body) is a 400 now
  if (p.list.length === before && isObj(a)) {
    const r = runnerCheck(a as unknown as ActionSpec);
    if (!r.ok) p.add(path, r.error);
  }
}

function runnerCheck(a: ActionSpec) {
  if (a.kind === 'http') return checkHttpAction(a as HttpActionSpec);
  if (a.kind === 'email') return checkEmailAction(a as EmailActionSpec);
  return checkUpdateProfile(a as UpdateProfileActionSpec);
}

function checkShape(p: Problems, a: unknown, path: string): void {
  if (!isObj(a)) return p.add(path, a === undefined ? 'is required' : 'must be an object');
  switch (a.kind) {
    case 'http': {
      p.unknown(a, path, ['kind', 'method', 'url', 'headers', 'auth', 'body', 'timeoutMs', 'retries', 'backoffMs', 'ratePerSecond']);
      if (!(HTTP_METHODS as readonly unknown[]).includes(a.method)) p.add(at(path, 'method'), `must be one of ${HTTP_METHODS.join(', ')}`);
      const url = p.text(a, 'url', path, { required: true, max: 8192 });
      if (url !== undefined && url.trim() !== '') {
        const bad = urlProblem(url);
        if (bad) p.add(at(path, 'url'), bad);
      }
      if (a.headers !== undefined) {
        const hp = at(path, 'headers');
        if (!isObj(a.headers)) p.add(hp, 'must be an object of header name → value');
        else
          for (const [k, v] of Object.entries(a.headers)) {
            if (!HEADER_NAME.test(k)) p.add(at(hp, k), 'is not a valid header name');
            if (typeof v !== 'string') p.add(at(hp, k), 'must be a string');
          }
      }
      if (a.auth !== undefined) checkAuth(p, a.auth, at(path, 'auth'));
      p.text(a, 'body', path, { max: 1_000_000 });
      p.number(a, 'timeoutMs', path, { min: 1, max: 30_000, integer: true });
      p.number(a, 'retries', path, { min: 0, max: 5, integer: true });
      p.number(a, 'backoffMs', path, { min: 0, max: 60_000, integer: true });
      p.number(a, 'ratePerSecond', path, { above: 0, max: 100_000 });
      return;
    }
    case 'email': {
      p.unknown(a, path, ['kind', 'to', 'from', 'subject', 'text', 'html']);
      const from = p.text(a, 'from', path, { required: true, max: 512 });
      if (from !== undefined && from.trim() !== '' && !EMAIL.test(from.trim())) p.add(at(path, 'from'), 'must be an email address (a@b.example or "Name <a@b.example>")');
      p.text(a, 'subject', path, { required: true, max: 1000 });
      p.text(a, 'to', path, { max: 1000 });
      p.text(a, 'text', path, { max: 1_000_000 });
      p.text(a, 'html', path, { max: 1_000_000 });
      return;
    }
    case 'updateProfile': {
      p.unknown(a, path, ['kind', 'set']);
      const sp = at(path, 'set');
      if (!isObj(a.set) || Object.keys(a.set).length === 0) return p.add(sp, 'must be a non-empty object of XDM path → value');
      for (const [k, v] of Object.entries(a.set)) {
        const segs = k.split('.');
        if (segs.some((s) => s === '')) p.add(at(sp, k), 'must be a dot-separated XDM path');
        else if (PROTECTED_ROOTS.has(segs[0]!)) p.add(at(sp, k), `${segs[0]} is not writable by a journey`);
        if (!(v === null || ['string', 'number', 'boolean'].includes(typeof v)) || (typeof v === 'number' && !Number.isFinite(v))) p.add(at(sp, k), 'must be a string, number, boolean or null');
      }
      return;
    }
    default:
      p.add(at(path, 'kind'), `must be one of ${ACTION_KINDS.join(', ')}`);
  }
}

function checkAuth(p: Problems, a: unknown, path: string): void {
  if (!isObj(a)) return p.add(path, 'must be an object');
  const fields: Record<string, string[]> = { none: [], basic: ['username', 'password'], bearer: ['token'], apiKey: ['header', 'value'] };
  const want = typeof a.type === 'string' ? fields[a.type] : undefined;
  if (!want) return p.add(at(path, 'type'), 'must be one of none, basic, bearer, apiKey');
  p.unknown(a, path, ['type', ...want]);
  for (const f of want) p.text(a, f, path, { required: true, max: 4096 });
  if (a.type === 'apiKey' && typeof a.header === 'string' && !HEADER_NAME.test(a.header)) p.add(at(path, 'header'), 'is not a valid header name');
}

/** The URL with its `{{…}}` placeholders taken out must be an absolute http(s) URL. */
export function urlProblem(url: string): string | undefined {
  const open = url.split('{{').length - 1;
  const close = url.split('}}').length - 1;
  if (open !== close || /\{\{[^}]*\{\{/.test(url) || /\{\{\s*\}\}/.test(url)) return 'has an unclosed or empty {{placeholder}}';
  const filled = url.replace(/\{\{[^}]*\}\}/g, 'x');
  let u: URL;
  try {
    u = new URL(filled);
  } catch {
    return 'must be an absolute http(s) URL ({{placeholders}} aside)';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `must be an http or https URL, not ${u.protocol}`;
  // the origin is fixed: the rate cap is per origin, and a profile field must not pick the host a call goes to
  if (/\{\{/.test(/^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1] ?? '')) return 'the host must not hold a {{placeholder}}';
  return undefined;
}
