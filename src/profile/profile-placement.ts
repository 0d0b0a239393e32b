import type { ExtractedIdentity } from '../identity/extract.js';
import type { IngestOutcome } from '../identity/identity-service.js';
import { rankOf, type LinkingRules } from '../identity/linking-rules.js';

/** Why a record of a profile-enabled dataset did not reach the profile (it is in the lake all the same). */
export const NOT_INGESTED_REASONS = ['NO_IDENTITY', 'NO_PRIMARY_IDENTITY', 'UNKNOWN_NAMESPACE', 'BLOCKED_IDENTITY', 'NON_PEOPLE_IDENTITY', 'NO_USABLE_IDENTITY'] as const;
export type NotIngestedReason = (typeof NOT_INGESTED_REASONS)[number];

type Usable = IngestOutcome['identities'][number];
export type Placement = { ok: true; primary: Usable } | { ok: false; code: NotIngestedReason; reason: string };

const list = (s: IngestOutcome['skipped']) => s.map((x) => `${x.namespace}:${x.id} (${x.reason})`).join(', ');

/**
 * Where a record goes in the profile: its primary identity, or why it has none.
 * - ExperienceEvents: the highest-priority usable namespace present (flags ignored, as Profile does).
 * - Records: the usable identity flagged primary (descriptor or identityMap); when the schema declares a primary
 *   descriptor nothing else may stand in for it, otherwise the first usable identity does (clients often flag none).
 * With nothing usable, the reason is the one every dropped identity shares, else NO_USABLE_IDENTITY listing each.
 */
export function placementOf(extracted: readonly ExtractedIdentity[], n: IngestOutcome, isEvent: boolean, rules: LinkingRules, primaryDeclared: boolean): Placement {
  if (extracted.length === 0) return { ok: false, code: 'NO_IDENTITY', reason: 'The record carries no identity (no identityMap entry, no identity descriptor field)' };
  if (isEvent) {
    if (n.identities.length) return { ok: true, primary: [...n.identities].sort((a, b) => rankOf(rules, a.namespace) - rankOf(rules, b.namespace))[0]! };
    return unusable(n.skipped);
  }
  const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
  const primaries = extracted.filter((e) => e.primary);
  // a primary listed twice (identityMap and descriptor) keeps the first copy's flag: match it by value too
  const flagged = n.identities.find((x) => x.primary) ?? n.identities.find((x) => primaries.some((e) => same(e.id, x.id)));
  if (flagged) return { ok: true, primary: flagged };
  if (!primaryDeclared) return n.identities.length ? { ok: true, primary: n.identities[0]! } : unusable(n.skipped);
  if (primaries.length) {
    // skipped ids may be normalised (case, spaces): match loosely, else report every drop
    const dropped = n.skipped.filter((s) => primaries.some((e) => same(e.id, s.id)));
    return unusable(dropped.length ? dropped : n.skipped, 'The primary identity is not usable: ');
  }
  return { ok: false, code: 'NO_PRIMARY_IDENTITY', reason: "The record has no value for its schema's primary identity and no identityMap item marked primary" };
}

function unusable(skipped: IngestOutcome['skipped'], prefix = 'No usable identity: '): Placement {
  const codes = new Set(skipped.map((s) => s.code));
  const code: NotIngestedReason = codes.size === 1 ? [...codes][0]! : 'NO_USABLE_IDENTITY';
  return { ok: false, code, reason: `${prefix}${list(skipped) || 'none left after normalisation'}` };
}
