import { parseCron } from '../../segment/schedule/cron.js';
import { isObj } from '../../shared/objects.js';
import type { JourneyDefinition } from '../journey-types.js';
import { at, MAX_NAME, Problems, type DefinitionProblem } from './definition-problems.js';
import { checkAction } from './validate-action.js';

export { invalidDefinition, MAX_NAME, type DefinitionProblem } from './definition-problems.js';
export { ACTION_KINDS, HTTP_METHODS, urlProblem } from './validate-action.js';

export const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** 91 days: AJO's longest wait and its journey timeout. */
export const MAX_WAIT_SECONDS = 91 * 24 * 3600;
export const MAX_NODES = 500;
export const MAX_EXIT_CRITERIA = 50;
export const ENTRY_TYPES = ['event', 'audienceQualification', 'readAudience'] as const;
export const NODE_TYPES = ['condition', 'wait', 'waitForEvent', 'action', 'jump', 'end'] as const;

/** ISO-8601 date-time with a time zone (`2026-01-05T10:00:00Z`, `…+02:00`). */
const ISO_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;
export const isIsoDateTime = (v: unknown): v is string => typeof v === 'string' && ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v));

/** A node's outgoing edges: field → target id, for the reference, reachability and cycle checks. */
interface Edge {
  path: string;
  to: string;
}

/**
 * Checks a journey version's definition and answers every problem found (never throws, whatever the input).
 *
 * Conditions (entry, condition branches, waitForEvent, event exit criteria) are PQL as segment definitions write it
 * (src/segment/pql): they read the person's profile (`person.name.firstName`, `computedAttributes.ltv`),
 * `inSegment("id")` and `xEvent[…]` over the person's events; a top-level path whose first segment is `event`
 * (`event.commerce.order.priceTotal > 100`) reads the event at hand: the triggering event for branches, the
 * candidate event for an entry, a wait for an event and an exit criterion.
 */
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
