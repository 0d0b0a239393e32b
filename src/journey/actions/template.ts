import { err, ok, type Result } from '../../shared/result.js';
import type { ActionContext } from '../journey-ports.js';

/**
 * Action templates: `{{root.a.b}}` placeholders filled from the instance's data. Lookup only (own properties,
 * numeric segments index arrays); nothing is ever evaluated.
 *
 * Roots:
 * - `profile.…`   the person's merged profile (e.g. `{{profile.personalEmail.address}}`)
 * - `event.…`     the triggering event or audience transition (e.g. `{{event.commerce.order.priceTotal}}`)
 * - `instance.…`  id, journeyId, versionId, personKey, sandboxId, instanceType, inTest, enteredAt
 * - `identity.…`  namespace, id (the identity the instance was entered with)
 * - `journey.…`   id, versionId
 * A root alone (`{{event}}`) is the whole object. Whitespace inside the braces is allowed.
 *
 * Values: strings as-is, numbers/booleans as text, objects/arrays as JSON, missing/null → empty string.
 * Modes:
 * - `text`: as above.
 * - `json`: a placeholder inside a JSON string literal is JSON-string-escaped (quotes, newlines cannot break the
 *   body); outside a string literal it becomes a JSON value (`JSON.stringify`, missing → `null`).
 * - `url`:  values are `encodeURIComponent`'ed.
 * - `html`: values are HTML-escaped.
 * Malformed templates (unclosed `{{`, empty or bad placeholder, unknown root) are an error value.
 */

export const TEMPLATE_ROOTS = ['profile', 'event', 'instance', 'identity', 'journey'] as const;
export type TemplateRoot = (typeof TEMPLATE_ROOTS)[number];

export type TemplateMode = 'text' | 'json' | 'url' | 'html';

export type TemplateScope = Partial<Record<TemplateRoot, unknown>>;

export type TemplatePart = { kind: 'literal'; text: string } | { kind: 'placeholder'; root: TemplateRoot; path: string[]; raw: string };

const SEGMENT = /^[A-Za-z0-9_$@:-]+$/;
const MAX_TEMPLATE = 100_000;
const MAX_PATH = 32;

/** Splits a template into literals and placeholders, or says what is wrong with it (with the offset). */
export function parseTemplate(text: string): Result<TemplatePart[], string> {
  if (typeof text !== 'string') return err('template is not a string');
  if (text.length > MAX_TEMPLATE) return err(`template longer than ${MAX_TEMPLATE} characters`);
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < text.length) {
    let open = text.indexOf('{{', i);
    if (open < 0) {
      parts.push({ kind: 'literal', text: text.slice(i) });
      break;
    }
    while (text[open + 2] === '{') open++; // `{{{x}}}` in a JSON body: the innermost pair is the placeholder
    if (open > i) parts.push({ kind: 'literal', text: text.slice(i, open) });
    const close = text.indexOf('}}', open + 2);
    const nextOpen = text.indexOf('{{', open + 2);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) return err(`unclosed '{{' at offset ${open}`);
    const raw = text.slice(open, close + 2);
    const expr = text.slice(open + 2, close).trim();
    if (expr === '') return err(`empty placeholder at offset ${open}`);
    const segments = expr.split('.');
    const [root, ...path] = segments;
    if (!(TEMPLATE_ROOTS as readonly string[]).includes(root)) {
      return err(`unknown placeholder root '${root}' at offset ${open} (expected one of ${TEMPLATE_ROOTS.join(', ')})`);
    }
    if (path.length > MAX_PATH) return err(`placeholder path deeper than ${MAX_PATH} at offset ${open}`);
    for (const s of path) {
      if (!SEGMENT.test(s)) return err(`bad path segment '${s}' in placeholder '${raw}' at offset ${open}`);
    }
    parts.push({ kind: 'placeholder', root: root as TemplateRoot, path, raw });
    i = close + 2;
  }
  return ok(parts);
}

/** For the definition validator: `ok` or what is wrong with the template. */
export function checkTemplate(text: string): Result<void, string> {
  const parsed = parseTemplate(text);
  return parsed.ok ? ok(undefined) : parsed;
}

/** The value at `root.path` or undefined (own properties only; numeric segments index arrays). */
export function lookup(scope: TemplateScope, root: TemplateRoot, path: readonly string[]): unknown {
  let v: unknown = Object.hasOwn(scope, root) ? scope[root] : undefined;
  for (const s of path) {
    if (v === null || typeof v !== 'object') return undefined;
    if (Array.isArray(v)) {
      if (!/^\d+$/.test(s)) return undefined;
      v = v[Number(s)];
    } else {
      if (!Object.hasOwn(v, s)) return undefined;
      v = (v as Record<string, unknown>)[s];
    }
  }
  return v;
}

/** A value as text: strings as-is, numbers/booleans as text, objects/arrays as JSON, missing/null → ''. */
export function valueText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'object') {
    try {
      return JSON.stringify(v) ?? '';
    } catch {
      return ''; // a cycle: not data a profile can hold
    }
  }
  return '';
}

function jsonValue(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'string' || typeof v === 'object') {
    try {
      return JSON.stringify(v) ?? 'null';
    } catch {
      return 'null';
    }
  }
  return 'null';
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

/** Whether JSON text ends inside a string literal, given the state at its start. */
function jsonStringStateAfter(text: string, inString: boolean): boolean {
  let s = inString;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (s && c === '\\') i++;
    else if (c === '"') s = !s;
  }
  return s;
}

/** Fills already-parsed parts. */
export function fillParts(parts: readonly TemplatePart[], scope: TemplateScope, mode: TemplateMode): string {
  let out = '';
  let inString = false;
  for (const p of parts) {
    if (p.kind === 'literal') {
      out += p.text;
      if (mode === 'json') inString = jsonStringStateAfter(p.text, inString);
      continue;
    }
    const v = lookup(scope, p.root, p.path);
    switch (mode) {
      case 'text':
        out += valueText(v);
        break;
      case 'url':
        out += encodeURIComponent(valueText(v));
        break;
      case 'html':
        out += escapeHtml(valueText(v));
        break;
      case 'json':
        out += inString ? JSON.stringify(valueText(v)).slice(1, -1) : jsonValue(v);
        break;
    }
  }
  return out;
}

/** Fills a template; a malformed one is an error value. Never throws. */
export function fillTemplate(text: string, scope: TemplateScope, mode: TemplateMode = 'text'): Result<string, string> {
  const parsed = parseTemplate(text);
  if (!parsed.ok) return parsed;
  return ok(fillParts(parsed.value, scope, mode));
}

/** When the whole template is one placeholder (surrounding whitespace allowed): that placeholder. */
export function singlePlaceholder(text: string): Extract<TemplatePart, { kind: 'placeholder' }> | undefined {
  const parsed = parseTemplate(text);
  if (!parsed.ok) return undefined;
  const real = parsed.value.filter((p) => !(p.kind === 'literal' && p.text.trim() === ''));
  return real.length === 1 && real[0].kind === 'placeholder' ? real[0] : undefined;
}

/** The scope an action's templates read. */
export function scopeOf(ctx: ActionContext): TemplateScope {
  const i = ctx.instance;
  return {
    profile: ctx.profile,
    event: ctx.event ?? i.trigger,
    instance: {
      id: i.id,
      journeyId: i.journeyId,
      versionId: i.versionId,
      personKey: i.personKey,
      sandboxId: i.sandboxId,
      instanceType: i.instanceType,
      inTest: i.inTest,
      enteredAt: i.enteredAt,
    },
    identity: { namespace: i.identity.namespace, id: i.identity.id },
    journey: { id: i.journeyId, versionId: i.versionId },
  };
}
