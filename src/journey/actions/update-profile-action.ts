import type { Clock } from '../../shared/clock.js';
import { err, ok, type Result } from '../../shared/result.js';
import type { ActionContext, ActionResult, ProfileUpdateSink } from '../journey-ports.js';
import type { UpdateProfileActionSpec } from '../journey-types.js';
import { baseFields, failedBeforeCall, messageOf } from './attempts.js';
import { checkTemplate, fillTemplate, lookup, scopeOf, singlePlaceholder, type TemplateScope } from './template.js';

/**
 * Update profile: the dotted paths of `set` become a nested fragment, plus `identityMap` with the instance's
 * identity (primary), written through the ProfileUpdateSink with the step's idempotency key.
 * Values: literals (numbers, booleans, null) are kept; a string is a template filled as text, except a string that
 * is exactly one placeholder (whitespace around allowed), which keeps the value's own type (number, boolean,
 * object, array) and, when the value is missing, leaves the field out rather than blanking it.
 * Refused paths (check time): empty, empty segments, starting with `_id` or `identityMap`, `__proto__`-like
 * segments, and a path that is also the parent of another.
 */

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);
const MAX_PATHS = 200;

export interface UpdateProfileDeps {
  clock: Clock;
  sink: ProfileUpdateSink;
}

/** For the definition validator (and before every run): what is wrong with the spec, if anything. */
export function checkUpdateProfile(spec: UpdateProfileActionSpec): Result<void, string> {
  const set = (spec as { set?: unknown }).set;
  if (set === null || typeof set !== 'object' || Array.isArray(set)) return err('set must be an object of path → value');
  const paths = Object.keys(set);
  if (paths.length === 0) return err('set is empty');
  if (paths.length > MAX_PATHS) return err(`set has more than ${MAX_PATHS} paths`);
  for (const path of paths) {
    const segs = path.split('.');
    if (path.trim() === '' || segs.some((s) => s.trim() === '')) return err(`path '${path}' is empty or has an empty segment`);
    if (segs[0] === '_id' || segs[0] === 'identityMap') return err(`path '${path}' may not be set (${segs[0]} is Kith's)`);
    const bad = segs.find((s) => FORBIDDEN_SEGMENTS.has(s));
    if (bad !== undefined) return err(`path '${path}' has a forbidden segment '${bad}'`);
    const parent = paths.find((other) => other !== path && path.startsWith(`${other}.`));
    if (parent !== undefined) return err(`path '${path}' is inside '${parent}', which is set too`);
    const v = (set as Record<string, unknown>)[path];
    if (typeof v === 'string') {
      const t = checkTemplate(v);
      if (!t.ok) return err(`value of '${path}': ${t.error}`);
    } else if (!(v === null || typeof v === 'number' || typeof v === 'boolean')) {
      return err(`value of '${path}' must be a string, number, boolean or null`);
    }
  }
  return ok(undefined);
}

/** The value a `set` entry writes, or `undefined` to leave the field out. */
function valueOf(v: string | number | boolean | null, scope: TemplateScope): unknown {
  if (typeof v !== 'string') return v;
  const single = singlePlaceholder(v);
  if (single !== undefined) return lookup(scope, single.root, single.path) ?? undefined;
  const filled = fillTemplate(v, scope, 'text');
  return filled.ok ? filled.value : undefined;
}

/** The fragment the action writes (the spec must have passed checkUpdateProfile). */
export function buildFragment(spec: UpdateProfileActionSpec, ctx: ActionContext, scope: TemplateScope = scopeOf(ctx)): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [path, raw] of Object.entries(spec.set)) {
    const value = valueOf(raw, scope);
    if (value === undefined) continue;
    const segs = path.split('.');
    let node = record;
    for (const s of segs.slice(0, -1)) {
      const next = Object.hasOwn(node, s) ? node[s] : undefined;
      if (next === undefined || next === null || typeof next !== 'object') node[s] = {};
      node = node[s] as Record<string, unknown>;
    }
    node[segs[segs.length - 1]] = structuredCloneSafe(value);
  }
  const { namespace, id } = ctx.instance.identity;
  record.identityMap = { [namespace]: [{ id, primary: true }] };
  return record;
}

/** A copy, so the fragment never shares objects with the profile or the event it was filled from. */
function structuredCloneSafe(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  try {
    return structuredClone(v);
  } catch {
    return undefined;
  }
}

export async function runUpdateProfileAction(spec: UpdateProfileActionSpec, ctx: ActionContext, deps: UpdateProfileDeps): Promise<ActionResult> {
  const startedAt = deps.clock.now();
  const checked = checkUpdateProfile(spec);
  if (!checked.ok) return failedBeforeCall(ctx, 'updateProfile', startedAt, deps.clock, 'error', 'invalidSpec', checked.error);
  const record = buildFragment(spec, ctx);
  let written: Result<void, string>;
  try {
    written = await deps.sink.write(ctx.sandboxId, ctx.instance.identity, record, ctx.idempotencyKey);
  } catch (e) {
    written = err(messageOf(e));
  }
  const fields = baseFields(ctx, 'updateProfile', startedAt, deps.clock, 1);
  if (written.ok) return { status: 'done', fields };
  return { status: 'failed', error: 'error', fields: { ...fields, actionExecutionError: 'error', actionExecutionErrorCode: 'profileWrite', actionErrorContext: written.error.slice(0, 300) } };
}
