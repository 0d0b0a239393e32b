import { checkIdentityValue } from '../../ingest/validation/identity-values.js';
import { isBlocked } from '../../identity/linking-rules.js';
import { fail, notApplicable, pass, type Finding } from '../doctor-types.js';
import { identityLabel, iso, type CheckContext } from './check-context.js';

/** 4. The namespace exists, the value is valid and not blocked. */
export async function namespace(c: CheckContext): Promise<Finding> {
  if (!c.ns) {
    const known = (await c.deps.namespaces.list(c.sandbox.id)).map((n) => n.code);
    return fail(`The namespace "${c.namespace}" does not exist in sandbox "${c.sandbox.name}": records naming it are not ingested to profile (UNKNOWN_NAMESPACE).`, { namespace: c.namespace, known }, [
      `Create it (POST /data/core/idnamespace/identities {"name":"…","code":"${c.namespace}","idType":"CROSS_DEVICE"}), then replay the records: POST /data/foundation/kith/not-ingested-to-profile/replay {"reason":"UNKNOWN_NAMESPACE"}.`,
    ]);
  }
  const ns = c.ns;
  const evidence = { namespace: { code: ns.code, id: ns.id, idType: ns.idType }, value: c.id };
  const bad = checkIdentityValue(ns.code, c.id);
  if (bad) return fail(`The value is not a valid ${ns.code} identity: ${bad.message} (${bad.code}); records carrying it are ${bad.effect === 'reject-record' ? 'rejected' : 'kept without it'}.`, { ...evidence, problem: bad }, [`Send a valid ${ns.code} value from the source.`]);
  const rules = await c.deps.identity.rules(c.sandbox.id);
  if (isBlocked(rules, ns.code, c.id))
    return fail(`The value is blocked by the sandbox's linking rules (blockedValues): it is never linked nor placed on a profile.`, { ...evidence, blockedValues: rules.blockedValues }, [
      'Send a real identity value from the source, or remove it from blockedValues (PUT /data/core/identity/settings) if it is a real value.',
    ]);
  if (ns.idType === 'NON_PEOPLE')
    return fail(`${ns.code} is a NON_PEOPLE namespace: its identities are never placed on a profile.`, evidence, [`Look the person up by a people identity (Email, CRM id, ECID…), or change the namespace's type if it identifies people.`]);
  return pass(`${identityLabel(c)}: the namespace exists (${ns.idType}), the value is valid and not blocked.`, evidence);
}

const PROBLEM_OPS = new Set(['cut', 'evict', 'refuse', 'unlink']);
/** Lost links described with the other identity's namespace and value. */
const MAX_DESCRIBED = 20;

/**
 * 5. The identity graph: links, cuts by linking rules, evictions by size limits (from the identity history). A cut,
 * refusal or unlink fails the check while the other identity is still outside the person's graph; an eviction while
 * the identity is still out of the graph (after a rules change rebuilds the graph, they are history).
 */
export async function identityGraph(c: CheckContext): Promise<Finding> {
  if (!c.ns || !c.xid) return notApplicable('The namespace is unknown (check 4): the identity cannot be in a graph.');
  const sb = c.sandbox.id;
  const xid = c.xid;
  const [node, history, rules] = await Promise.all([c.deps.identity.node(sb, xid), c.deps.identity.history(sb, xid, 200), c.deps.identity.rules(sb)]);
  const members = node ? await c.deps.identity.members(sb, xid) : [];
  const inGraph = new Set(members.map((m) => m.xid));
  const problems = history.filter((h) => PROBLEM_OPS.has(h.op)).slice(0, MAX_DESCRIBED);
  const names = new Map<string, string>(members.map((m) => [m.xid, `${m.namespace}:${m.id}`]));
  await Promise.all(
    [...new Set(problems.flatMap((h) => [h.a, h.b ?? '']).filter((x) => x !== '' && !names.has(x)))].map(async (x) => {
      const n = await c.deps.identity.node(sb, x);
      if (n) names.set(x, `${n.ns}:${n.id}`);
    }),
  );
  const label = (x: string | undefined) => (x === undefined ? null : (names.get(x) ?? (x === xid ? identityLabel(c) : x)));
  const events = problems.map((h) => {
    const other = h.a === xid ? h.b : h.a;
    const current = h.op === 'evict' ? node === undefined : other !== undefined && !inGraph.has(other);
    return { op: h.op, at: h.at, a: label(h.a), b: label(h.b), rule: h.rule ?? null, record: h.record ?? null, dataset: h.dataset ?? null, batch: h.batch ?? null, detail: h.detail ?? null, stillApart: current };
  });
  const links = history.filter((h) => h.op === 'link').length;
  const evidence = {
    xid,
    inGraph: node !== undefined,
    firstSeen: node?.firstSeen ?? null,
    lastSeen: node?.lastSeen ?? null,
    members: members.slice(0, 50).map((m) => ({ namespace: m.namespace, id: m.id })),
    graphSize: members.length,
    graphSizeLimit: rules.graphSizeLimit,
    links,
    cutsEvictionsRefusals: events,
  };
  const live = events.filter((e) => e.stillApart);
  const of = (op: string) => live.filter((e) => e.op === op);
  const fixes: string[] = [];
  const [evicted, cuts, refused, unlinked] = [of('evict'), of('cut'), of('refuse'), of('unlink')];
  if (evicted.length) fixes.push(`Evicted ${iso(Math.max(...evicted.map((e) => e.at)))}: the graph reached its size limit (${rules.graphSizeLimit}) and the oldest identities of the lowest-priority namespaces go first. Raise graphSizeLimit or the namespace's priority (PUT /data/core/identity/settings: the graphs are rebuilt), and look for a source minting identities per call (e.g. server-side calls each getting a new ECID).`);
  if (cuts.length) fixes.push(`Links cut by the linking rules (rule ${[...new Set(cuts.map((e) => e.rule))].join(', ')}): a unique namespace keeps only its most recent link (a shared device follows the last person who signed in). If that is wrong for this namespace, remove it from uniqueNamespaces (PUT /data/core/identity/settings).`);
  if (refused.length) fixes.push(`Links refused: an identifier already linked to ${rules.linkLimit} others takes no new link (a shared or placeholder value?). Fix the value at the source or raise linkLimit (PUT /data/core/identity/settings).`);
  if (unlinked.length) fixes.push('Links removed by an unlink (GET /data/core/identity/history): ingest the linking records again if the unlink was a mistake.');
  if (fixes.length)
    return fail(`${identityLabel(c)} lost links that still keep identities apart: ${[evicted.length && 'evicted by the graph size limit', cuts.length && `${cuts.length} links cut by the linking rules`, refused.length && `${refused.length} links refused`, unlinked.length && `${unlinked.length} links unlinked`].filter(Boolean).join(', ')}.`, evidence, fixes);
  if (!node) {
    if (c.profile) return pass(`${identityLabel(c)} is not in the identity graph, but a profile answers for it.`, evidence);
    const reachedIdentity = c.sightings.lake.some((l) => c.sightings.datasets.get(l.datasetId)?.identityEnabled);
    if (!reachedIdentity) return notApplicable(`No record naming ${identityLabel(c)} reached a dataset enabled for Identity: the cause is upstream (checks 1-3).`, evidence);
    return fail(`${identityLabel(c)} is not in the identity graph of sandbox "${c.sandbox.name}": no record placed it there.`, evidence, [
      'Its records must land in a dataset enabled for Identity and Profile (check 3), with a known namespace and a valid value (check 4), and not fail (check 2).',
    ]);
  }
  return pass(`${identityLabel(c)} is in a graph of ${members.length} identities (limit ${rules.graphSizeLimit}), ${links} links${events.length ? `; ${events.length} earlier cuts or evictions no longer keep identities apart` : ', no cut, eviction or refusal'}.`, evidence);
}
