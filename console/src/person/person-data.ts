/** What the 360 page loads for one person: every call is a public API call, made in parallel. */
import { audienceList, caDefinitions, datasetNames, get, journeyList, mergePolicies, namespaceList, post, qs } from '../api';
import { prefetchEvents } from './events-panel';

export interface Profile {
  entityId: string;
  sources?: string[];
  identityGraph?: string[];
  entity: Record<string, any>;
  lastModifiedAt?: string;
  mergePolicy?: { id: string };
  /** dotted attribute path → the fragment its value came from */
  provenance?: Record<string, { datasetId: string; identity: string; eventTime: string; ingestedAt: string }>;
}

export interface GraphView {
  members: Array<{ namespace: string; id: string; lastSeen?: number }>;
  edges: Array<{ a: string; b: string; firstSeen?: number; lastSeen?: number; datasets: string[] }>;
}

export interface JourneyInstance {
  id: string;
  journeyId: string;
  versionId: string;
  journeyName?: string;
  status: string;
  nodeId?: string;
  enteredAt?: number;
  updatedAt?: number;
  endedAt?: number;
  wait?: Record<string, unknown>;
  steps?: Array<{ id: string; nodeId: string; nodeName?: string; nodeType?: string; stepStatus: string; timestamp?: number }>;
}

export interface PersonData {
  profile?: Profile;
  profileError?: string;
  graph?: GraphView;
  graphError?: string;
  journeys?: JourneyInstance[];
  journeysError?: string;
  datasets: Map<string, string>;
  policies: Array<{ id: string; name: string; default?: boolean }>;
}

/** A load started before the page rendered (main.tsx, from the URL), handed to the first page that asks for it. */
const early = new Map<string, Promise<PersonData>>();
const keyOf = (ns: string, id: string, mp?: string) => JSON.stringify([ns, id, mp ?? null]);
export function startPersonLoad(ns: string, id: string, mergePolicyId?: string): void {
  const p = loadPerson(ns, id, mergePolicyId);
  p.catch(() => undefined);
  early.set(keyOf(ns, id, mergePolicyId), p);
}
export function personLoad(ns: string, id: string, mergePolicyId: string | undefined, signal: AbortSignal): Promise<PersonData> {
  const k = keyOf(ns, id, mergePolicyId);
  const p = early.get(k);
  early.delete(k);
  return p ?? loadPerson(ns, id, mergePolicyId, signal);
}

export async function loadPerson(ns: string, id: string, mergePolicyId: string | undefined, signal?: AbortSignal): Promise<PersonData> {
  // what the panels read, requested now with the rest: one round of calls, not two
  prefetchEvents(ns, id);
  void audienceList();
  void caDefinitions();
  void journeyList();
  const [profile, graph, journeys, datasets, policies, namespaces] = await Promise.all([
    get<Record<string, Profile>>(`/data/core/ups/access/entities?${qs({ 'schema.name': '_xdm.context.profile', entityId: id, entityIdNS: ns, withCA: 'true', withProvenance: 'true', mergePolicyId })}`, { signal }),
    post<{ graphs: Array<{ vertices: Array<{ composite_xid: { nsid: number; id: string }; last_updated_ts?: number }>; edges: Array<{ composite_xid_pair: Array<{ nsid: number; id: string }>; first_established_ts?: number; last_established_ts?: number; dataset_ids?: string[] }> }> }>(
      '/data/core/identity/v2/graph',
      { composite_xids: [{ ns, id }], projection_type: 'graph' },
      { signal },
    ),
    get<{ instances: JourneyInstance[] }>(`/ajo/journey-profiles?${qs({ namespace: ns, id })}`, { signal }),
    datasetNames(),
    mergePolicies(),
    namespaceList(),
  ]);
  const code = new Map(namespaces.map((n) => [n.id, n.code]));
  const key = (c: { nsid: number; id: string }) => `${code.get(c.nsid) ?? c.nsid}:${c.id}`;
  const g = graph.ok ? graph.data.graphs[0] : undefined;
  return {
    profile: profile.ok ? Object.values(profile.data)[0] : undefined,
    profileError: profile.ok ? (Object.keys(profile.data).length ? undefined : 'No profile for this identity') : profile.error,
    graph: g && {
      members: g.vertices.map((v) => ({ namespace: String(code.get(v.composite_xid.nsid) ?? v.composite_xid.nsid), id: v.composite_xid.id, lastSeen: v.last_updated_ts })),
      edges: g.edges.map((e) => ({ a: key(e.composite_xid_pair[0]!), b: key(e.composite_xid_pair[1]!), firstSeen: e.first_established_ts, lastSeen: e.last_established_ts, datasets: e.dataset_ids ?? [] })),
    },
    graphError: graph.ok ? (g ? undefined : 'This identity is in no graph') : graph.error,
    journeys: journeys.ok ? journeys.data.instances : undefined,
    journeysError: journeys.ok ? undefined : journeys.error,
    datasets,
    policies,
  };
}

/** Model-based traits: any object in the profile holding a score (and, when present, its date and top factors). */
export interface ModelTrait {
  path: string;
  score: unknown;
  scoredAt?: unknown;
  factors: Array<{ name: string; weight?: unknown }>;
}

export function modelTraitsOf(entity: Record<string, unknown>, path = '', depth = 0, out: ModelTrait[] = []): ModelTrait[] {
  if (depth > 5) return out;
  for (const [k, v] of Object.entries(entity)) {
    if (!v || typeof v !== 'object' || Array.isArray(v) || k === 'segmentMembership' || k === 'identityMap') continue;
    const o = v as Record<string, unknown>;
    const p = path ? `${path}.${k}` : k;
    const score = o.score ?? o.propensity ?? o.probability;
    if (typeof score === 'number') {
      const raw = (o.topFactors ?? o.factors ?? o.reasons ?? []) as unknown[];
      const factors = Array.isArray(raw)
        ? raw.map((f) => (f && typeof f === 'object' ? { name: String((f as any).name ?? (f as any).feature ?? (f as any).factor ?? JSON.stringify(f)), weight: (f as any).weight ?? (f as any).importance ?? (f as any).contribution } : { name: String(f) }))
        : [];
      out.push({ path: p, score, scoredAt: o.scoredAt ?? o.scoreDate ?? o.timestamp ?? o.updatedAt, factors });
    } else modelTraitsOf(o, p, depth + 1, out);
  }
  return out;
}
