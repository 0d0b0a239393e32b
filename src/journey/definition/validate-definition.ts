import { parsePql } from '../../segment/pql/parser.js';
import { parseCron } from '../../segment/schedule/cron.js';
import { isObj } from '../../shared/objects.js';
import { badRequest, type Problem } from '../../shared/problem.js';
import type { JourneyDefinition } from '../journey-types.js';

/**
 * Checks a journey version's definition and answers every problem found (never throws, whatever the input).
 *
 * Conditions (entry, condition branches, waitForEvent, event exit criteria) are PQL as segment definitions write it
 * (src/segment/pql): they read the person's profile (`person.name.firstName`, `computedAttributes.ltv`),
 * `inSegment("id")` and `xEvent[…]` over the person's events; a top-level path whose first segment is `event`
 * (`event.commerce.order.priceTotal > 100`) reads the event at hand: the triggering event for branches, the
 * candidate event for an entry, a wait for an event and an exit criterion.
 */
export interface DefinitionProblem {
  /** Where, as a JSON path into the definition: `nodes[2].action.url`, `entry.next`. */
  path: string;
  message: string;
  /** PQL-SYNTAX / PQL-UNSUPPORTED for a condition that does not parse. */
  code?: string;
}

export const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_NAME = 256;
/** 91 days: AJO's longest wait and its journey timeout. */
export const MAX_WAIT_SECONDS = 91 * 24 * 3600;
export const MAX_NODES = 500;
export const MAX_EXIT_CRITERIA = 50;
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const ENTRY_TYPES = ['event', 'audienceQualification', 'readAudience'] as const;
export const NODE_TYPES = ['condition', 'wait', 'waitForEvent', 'action', 'jump', 'end'] as const;
export const ACTION_KINDS = ['http', 'email', 'updateProfile'] as const;

/** ISO-8601 date-time with a time zone (`2026-01-05T10:00:00Z`, `…+02:00`). */
const ISO_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;
export const isIsoDateTime = (v: unknown): v is string => typeof v === 'string' && ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v));
/** `a@b.c` or `Name <a@b.c>`. */
const EMAIL = /^(?:[^<>]*<\s*[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+\s*>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/;
/** RFC 7230 token (a header name). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PROTECTED_ROOTS = new Set(['_id', 'identityMap']);

class Problems {
  readonly list: DefinitionProblem[] = [];
  add(path: string, message: string, code?: string): void {
    this.list.push({ path, message, ...(code ? { code } : {}) });
  }
  /** Fields of `o` that are not in `known`: a typo reported rather than silently ignored. */
  unknown(o: Record<string, unknown>, path: string, known: readonly string[]): void {
    for (const k of Object.keys(o)) if (!known.includes(k)) this.add(at(path, k), `unknown field "${k}"`);
  }
  text(o: Record<string, unknown>, key: string, path: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
    const v = o[key];
    const p = at(path, key);
    if (v === undefined) {
      if (opts.required) this.add(p, 'is required');
      return undefined;
    }
    if (typeof v !== 'string') return void this.add(p, 'must be a string');
    if (opts.required && v.trim() === '') return void this.add(p, 'must not be empty');
    if (v.length > (opts.max ?? 10_000)) return void this.add(p, `must be at most ${opts.max ?? 10_000} characters`);
    return v;
  }
  number(o: Record<string, unknown>, key: string, path: string, rule: { min?: number; above?: number; max: number; integer?: boolean; required?: boolean }): number | undefined {
    const v = o[key];
    const p = at(path, key);
    if (v === undefined) {
      if (rule.required) this.add(p, 'is required');
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) return void this.add(p, 'must be a number');
    if (rule.integer && !Number.isInteger(v)) return void this.add(p, 'must be an integer');
    const lower = rule.above !== undefined ? `> ${rule.above}` : `>= ${rule.min}`;
    if ((rule.above !== undefined && v <= rule.above) || (rule.min !== undefined && v < rule.min) || v > rule.max) return void this.add(p, `must be ${lower} and <= ${rule.max}`);
    return v;
  }
  pql(o: Record<string, unknown>, key: string, path: string, required: boolean): void {
    const text = this.text(o, key, path, { required, max: 100_000 });
    if (text === undefined) return;
    if (!required && text.trim() === '') return this.add(at(path, key), 'must not be empty (leave the field out for no condition)');
    const r = parsePql(text);
    if (!r.ok) this.add(at(path, key), `Invalid PQL: ${r.error.message}`, r.error.construct ? 'PQL-UNSUPPORTED' : 'PQL-SYNTAX');
  }
}

const at = (path: string, key: string | number): string => (typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`);

/** A node's outgoing edges: field → target id, for the reference, reachability and cycle checks. */
interface Edge {
  path: string;
  to: string;
}

export function validateDefinition(input: unknown): DefinitionProblem[] {
  const p = new Problems();
  if (!isObj(input)) {
    p.add('', 'a journey definition must be a JSON object');
    return p.list;
  }
  p.unknown(input, '', ['name', 'description', 'entry', 'nodes', 'exitCriteria', 'reentrance', 'instanceTimeoutSeconds']);
  p.text(input, 'name', '', { required: true, max: MAX_NAME });
  p.text(input, 'description', '', { max: 4000 });
  p.number(input, 'instanceTimeoutSeconds', '', { above: 0, max: MAX_WAIT_SECONDS });

  // nodes first: the entry and every edge name them
  const ids = new Map<string, number>();
  const edges = new Map<string, Edge[]>();
  const nodes = input.nodes;
  if (!Array.isArray(nodes)) p.add('nodes', nodes === undefined ? 'is required' : 'must be an array of nodes');
  else if (nodes.length === 0) p.add('nodes', 'a journey needs at least one node');
  else if (nodes.length > MAX_NODES) p.add('nodes', `a journey has at most ${MAX_NODES} nodes`);
  else
    nodes.forEach((n, i) => {
      const path = at('nodes', i);
      if (!isObj(n)) return p.add(path, 'must be an object');
      const id = n.id;
      if (typeof id !== 'string' || !NODE_ID.test(id)) p.add(at(path, 'id'), 'must be 1 to 64 letters, digits, _ or -');
      else if (ids.has(id)) p.add(at(path, 'id'), `"${id}" is also the id of nodes[${ids.get(id)}]`);
      else ids.set(id, i);
      p.text(n, 'name', path, { max: MAX_NAME });
      const out = checkNode(p, n, path);
      if (typeof id === 'string' && !edges.has(id)) edges.set(id, out);
    });

  const entryNext = checkEntry(p, input.entry);
  const refOk = (e: Edge): boolean => {
    if (ids.has(e.to)) return true;
    p.add(e.path, `no node has the id "${e.to}"`);
    return false;
  };
  const entryOk = entryNext !== undefined && refOk(entryNext);
  for (const [from, out] of edges) edges.set(from, out.filter(refOk));

  if (entryOk) checkGraph(p, entryNext.to, ids, edges);
  checkExitCriteria(p, input.exitCriteria);
  checkReentrance(p, input.reentrance);
  return p.list;
}

/** Typed view for callers that validated first. */
export const asDefinition = (v: unknown): JourneyDefinition => v as JourneyDefinition;

function checkEntry(p: Problems, e: unknown): Edge | undefined {
  const path = 'entry';
  if (!isObj(e)) return void p.add(path, e === undefined ? 'is required' : 'must be an object');
  p.text(e, 'namespace', path, { required: true, max: MAX_NAME });
  const next = p.text(e, 'next', path, { required: true, max: 64 });
  switch (e.type) {
    case 'event':
      p.unknown(e, path, ['type', 'eventType', 'condition', 'namespace', 'next']);
      p.text(e, 'eventType', path, { required: true, max: MAX_NAME });
      p.pql(e, 'condition', path, false);
      break;
    case 'audienceQualification':
      p.unknown(e, path, ['type', 'segmentId', 'status', 'namespace', 'next']);
      p.text(e, 'segmentId', path, { required: true, max: MAX_NAME });
      if (e.status !== 'realized' && e.status !== 'exited') p.add(at(path, 'status'), 'must be "realized" or "exited"');
      break;
    case 'readAudience': {
      p.unknown(e, path, ['type', 'segmentId', 'namespace', 'schedule', 'next']);
      p.text(e, 'segmentId', path, { required: true, max: MAX_NAME });
      const s = e.schedule;
      const sp = at(path, 'schedule');
      if (!isObj(s)) p.add(sp, s === undefined ? 'is required' : 'must be an object');
      else if (s.frequency === 'once') {
        p.unknown(s, sp, ['frequency', 'startAt']);
        if (s.startAt !== undefined && !isIsoDateTime(s.startAt)) p.add(at(sp, 'startAt'), 'must be an ISO-8601 date-time with a time zone');
      } else if (s.frequency === 'cron') {
        p.unknown(s, sp, ['frequency', 'cron']);
        const c = parseCron(s.cron);
        if (!c.ok) p.add(at(sp, 'cron'), c.error);
      } else p.add(at(sp, 'frequency'), 'must be "once" or "cron"');
      break;
    }
    default:
      p.add(at(path, 'type'), `must be one of ${ENTRY_TYPES.join(', ')}`);
  }
  return next !== undefined && next !== '' ? { path: at(path, 'next'), to: next } : undefined;
}

/** Checks one node's fields; answers its outgoing edges. */
function checkNode(p: Problems, n: Record<string, unknown>, path: string): Edge[] {
  const out: Edge[] = [];
  const ref = (o: Record<string, unknown>, key: string, base: string, required: boolean): void => {
    const v = p.text(o, key, base, { required, max: 64 });
    if (v !== undefined && v !== '') out.push({ path: at(base, key), to: v });
  };
  const common = ['id', 'name', 'type'];
  switch (n.type) {
    case 'condition': {
      p.unknown(n, path, [...common, 'branches', 'otherwise']);
      const bs = n.branches;
      if (!Array.isArray(bs) || bs.length === 0) p.add(at(path, 'branches'), 'must be a non-empty array of { condition, next }');
      else if (bs.length > 50) p.add(at(path, 'branches'), 'a condition has at most 50 branches');
      else
        bs.forEach((b, i) => {
          const bp = at(at(path, 'branches'), i);
          if (!isObj(b)) return p.add(bp, 'must be an object');
          p.unknown(b, bp, ['name', 'condition', 'next']);
          p.text(b, 'name', bp, { max: MAX_NAME });
          p.pql(b, 'condition', bp, true);
          ref(b, 'next', bp, true);
        });
      ref(n, 'otherwise', path, false);
      break;
    }
    case 'wait': {
      p.unknown(n, path, [...common, 'seconds', 'until', 'next']);
      if ((n.seconds === undefined) === (n.until === undefined)) p.add(path, 'a wait has exactly one of seconds (a duration) or until (a date-time)');
      p.number(n, 'seconds', path, { above: 0, max: MAX_WAIT_SECONDS });
      if (n.until !== undefined && !isIsoDateTime(n.until)) p.add(at(path, 'until'), 'must be an ISO-8601 date-time with a time zone');
      ref(n, 'next', path, true);
      break;
    }
    case 'waitForEvent':
      p.unknown(n, path, [...common, 'eventType', 'condition', 'timeoutSeconds', 'next', 'timeoutNext']);
      p.text(n, 'eventType', path, { required: true, max: MAX_NAME });
      p.pql(n, 'condition', path, false);
      p.number(n, 'timeoutSeconds', path, { above: 0, max: MAX_WAIT_SECONDS, required: true });
      ref(n, 'next', path, true);
      ref(n, 'timeoutNext', path, false);
      break;
    case 'action':
      p.unknown(n, path, [...common, 'action', 'next', 'errorNext']);
      checkAction(p, n.action, at(path, 'action'));
      ref(n, 'next', path, false);
      ref(n, 'errorNext', path, false);
      break;
    case 'jump':
      p.unknown(n, path, [...common, 'journeyId']);
      p.text(n, 'journeyId', path, { required: true, max: 128 });
      break;
    case 'end':
      p.unknown(n, path, common);
      break;
    default:
      p.add(at(path, 'type'), `must be one of ${NODE_TYPES.join(', ')}`);
  }
  return out;
}

function checkAction(p: Problems, a: unknown, path: string): void {
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

/** Every node reachable from the entry, and no cycle (AJO journeys are acyclic). */
function checkGraph(p: Problems, start: string, ids: Map<string, number>, edges: Map<string, Edge[]>): void {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  // iterative DFS: a long chain of nodes must not exhaust the stack
  const visit = (root: string): void => {
    const work: Array<{ id: string; i: number }> = [{ id: root, i: 0 }];
    state.set(root, 'open');
    stack.push(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const out = edges.get(top.id) ?? [];
      if (top.i >= out.length) {
        state.set(top.id, 'done');
        stack.pop();
        work.pop();
        continue;
      }
      const e = out[top.i++]!;
      const s = state.get(e.to);
      if (s === 'open') {
        const cycle = [...stack.slice(stack.indexOf(e.to)), e.to];
        const key = [...cycle.slice(0, -1)].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          p.add(e.path, `makes a cycle (${cycle.join(' → ')}): a journey is acyclic`);
        }
      } else if (s === undefined) {
        state.set(e.to, 'open');
        stack.push(e.to);
        work.push({ id: e.to, i: 0 });
      }
    }
  };
  visit(start);
  for (const [id, i] of ids) if (!state.has(id)) p.add(at('nodes', i), `node "${id}" cannot be reached from the entry`);
}

function checkExitCriteria(p: Problems, xs: unknown): void {
  if (xs === undefined) return;
  if (!Array.isArray(xs)) return p.add('exitCriteria', 'must be an array');
  if (xs.length > MAX_EXIT_CRITERIA) return p.add('exitCriteria', `a journey has at most ${MAX_EXIT_CRITERIA} exit criteria`);
  const seen = new Map<string, number>();
  xs.forEach((x, i) => {
    const path = at('exitCriteria', i);
    if (!isObj(x)) return p.add(path, 'must be an object');
    if (typeof x.id !== 'string' || !NODE_ID.test(x.id)) p.add(at(path, 'id'), 'must be 1 to 64 letters, digits, _ or -');
    else if (seen.has(x.id)) p.add(at(path, 'id'), `"${x.id}" is also the id of exitCriteria[${seen.get(x.id)}]`);
    else seen.set(x.id, i);
    p.text(x, 'name', path, { max: MAX_NAME });
    if (x.type === 'event') {
      p.unknown(x, path, ['id', 'name', 'type', 'eventType', 'condition']);
      p.text(x, 'eventType', path, { required: true, max: MAX_NAME });
      p.pql(x, 'condition', path, false);
    } else if (x.type === 'audienceExit') {
      p.unknown(x, path, ['id', 'name', 'type', 'segmentId']);
      p.text(x, 'segmentId', path, { required: true, max: MAX_NAME });
    } else p.add(at(path, 'type'), 'must be "event" or "audienceExit"');
  });
}

function checkReentrance(p: Problems, r: unknown): void {
  if (r === undefined) return;
  if (!isObj(r)) return p.add('reentrance', 'must be an object');
  if (r.mode === 'none') p.unknown(r, 'reentrance', ['mode']);
  else if (r.mode === 'afterWait') {
    p.unknown(r, 'reentrance', ['mode', 'waitSeconds']);
    p.number(r, 'waitSeconds', 'reentrance', { above: 0, max: 10 * 365 * 24 * 3600, required: true });
  } else p.add(at('reentrance', 'mode'), 'must be "none" or "afterWait"');
}

/** The 400 of a definition with problems: every problem listed (`problems`), and in one line (`detail`). */
export function invalidDefinition(problems: DefinitionProblem[]): Problem {
  const shown = problems.slice(0, 20).map((x) => (x.path ? `${x.path}: ${x.message}` : x.message));
  const more = problems.length > shown.length ? `; and ${problems.length - shown.length} more` : '';
  return badRequest(`The journey definition has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${shown.join('; ')}${more}`, { code: 'JOURNEY-INVALID', problems });
}
