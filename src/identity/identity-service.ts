import { KeyedSerial } from '../shared/serial.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import { ok, err, type Result } from '../shared/result.js';
import { GraphEngine } from './graph-engine.js';
import { plainEdge, plainNode, type Edge, type HistoryEntry, type IdentityNode, type LinkObservation } from './graph-types.js';
import { DEFAULT_RULES, isBlockedFolded, rankOf, validateRules, type LinkingRules } from './linking-rules.js';
import { NormaliseCache } from './normalise-cache.js';
import type { Namespace, NamespaceService } from './namespaces.js';
import { normaliseIdentity } from './normalise.js';
import type { ExtractedIdentity } from './extract.js';
import type { IdentityGraphStore } from './identity-store.js';
import { xidOf } from './xid.js';
import { suggestIdentities, type IdentitySuggestion, type SuggestOptions } from './identity-suggest.js';
import { isDroppedIdentityValue } from '../ingest/validation/identity-values.js';

export interface GraphMember {
  namespace: string;
  nsid: number | undefined;
  id: string;
  xid: string;
  lastSeen: number;
}

export interface IngestItem {
  identities: ExtractedIdentity[];
  eventTime: number;
  datasetId: string;
  batchId: string;
  recordRef: string;
}

export interface IngestOutcome {
  /** Normalised identities kept for this record. */
  identities: Array<{ namespace: string; id: string; xid: string; primary: boolean; type: string }>;
  skipped: Array<{ namespace: string; id: string; reason: string; code: SkipCode }>;
}

/** Why normalisation dropped an identity (the profile step reports it when nothing usable is left). */
export type SkipCode = 'UNKNOWN_NAMESPACE' | 'BLOCKED_IDENTITY' | 'NON_PEOPLE_IDENTITY';

export type GraphChangeListener = (sandboxId: string, xids: string[]) => void;

/**
 * Identity Service facade for one process: the graph of each sandbox (in memory, persisted through its store),
 * namespaces, normalisation, linking rules, explain, history, unlink and simulation.
 */
export class IdentityService {
  private readonly engines = new Map<string, GraphEngine>();
  private readonly loading = new Map<string, Promise<GraphEngine>>();
  private readonly listeners: GraphChangeListener[] = [];
  /** Normalised values and XIDs of recently seen identities (shared by every sandbox: a pure function of namespace and value). */
  readonly normalised = new NormaliseCache();
  /** Where ingestion time goes (cumulative, milliseconds), for the benchmark and diagnostics. */
  readonly stats = { calls: 0, records: 0, observations: 0, normaliseMs: 0, graphMs: 0, logMs: 0, checkpoints: 0, checkpointRows: 0, checkpointMs: 0 };
  /** Observations since the last snapshot, per sandbox: a checkpoint is written past this many. */
  private readonly sinceCheckpoint = new Map<string, number>();
  /** Snapshot cadence: startup replays at most this many observations (a few seconds: parse, then the engine at >100k/s). */
  static CHECKPOINT_EVERY = 250_000;

  constructor(
    private readonly store: IdentityGraphStore,
    private readonly resources: ResourceStore,
    readonly namespaces: NamespaceService,
    private readonly clock: Clock,
  ) {}

  onGraphChange(l: GraphChangeListener): void {
    this.listeners.push(l);
  }

  /** Linking rules of a sandbox (cached: this service is their only writer, see setRules). */
  async rules(sandboxId: string): Promise<LinkingRules> {
    let r = this.rulesCache.get(sandboxId);
    if (!r) {
      r = (await this.resources.get<LinkingRules>('identity-settings', sandboxId, 'rules'))?.doc ?? DEFAULT_RULES;
      this.rulesCache.set(sandboxId, r);
    }
    return r;
  }
  private readonly rulesCache = new Map<string, LinkingRules>();

  private async newEngine(sandboxId: string): Promise<GraphEngine> {
    const g = new GraphEngine(await this.rules(sandboxId), { recordLinks: false });
    for (const r of await this.resources.list('identity-unlinked', sandboxId)) g.blockedPairs.add(r.id);
    return g;
  }

  private engine(sandboxId: string): Promise<GraphEngine> | GraphEngine {
    const g = this.engines.get(sandboxId);
    if (g) return g;
    // one load per sandbox even when calls race (a read from the API while the processor ingests)
    let p = this.loading.get(sandboxId);
    if (!p) {
      p = (async () => {
        const g = await this.newEngine(sandboxId);
        const { nodes, edges } = await this.store.load(sandboxId);
        g.load(nodes, edges);
        // the snapshot plus the observations after it (the engine is deterministic, so replay gives the live graph);
        // the replay's cuts and evictions were recorded when they first happened
        for (const o of await this.store.pendingObservations(sandboxId)) g.apply(o);
        g.history.length = 0;
        this.engines.set(sandboxId, g);
        this.loading.delete(sandboxId);
        return g;
      })();
      this.loading.set(sandboxId, p);
    }
    return p;
  }

  /** Resolves namespaces, normalises values, drops blocked values, unknown namespaces and non-people ids. */
  async normalise(sandboxId: string, ids: ExtractedIdentity[], rules: LinkingRules): Promise<IngestOutcome> {
    return this.normaliseWith(await this.namespaces.resolver(sandboxId), ids, rules);
  }

  private normaliseWith(resolve: (key: string) => Namespace | undefined, ids: ExtractedIdentity[], rules: LinkingRules): IngestOutcome {
    const out: IngestOutcome = { identities: [], skipped: [] };
    for (const i of ids) {
      const ns = resolve(i.namespace);
      if (!ns) {
        out.skipped.push({ namespace: i.namespace, id: i.id, reason: 'unknown namespace', code: 'UNKNOWN_NAMESPACE' });
        continue;
      }
      const v = this.normalised.get(ns, i.id);
      const id = v.id;
      // AEP's own blocked values (null, anonymous, invalid, blank) whatever the linking rules say; the record stays
      if (isDroppedIdentityValue(ns.code, i.id) || isBlockedFolded(rules, ns.code, v.folded)) {
        out.skipped.push({ namespace: ns.code, id: i.id, reason: 'blocked value', code: 'BLOCKED_IDENTITY' });
        continue;
      }
      if (ns.idType === 'NON_PEOPLE') {
        out.skipped.push({ namespace: ns.code, id, reason: 'non-people identifier (never stitched)', code: 'NON_PEOPLE_IDENTITY' });
        continue;
      }
      if (!out.identities.some((x) => x.xid === v.xid)) out.identities.push({ namespace: ns.code, id, xid: v.xid, primary: i.primary, type: ns.idType });
    }
    return out;
  }

  /**
   * Graph writes of a sandbox one at a time (ingest, checkpoint, unlink, rules): a rebuild reads the log and swaps
   * the engine across awaits, and a record ingested in between would be in neither the new graph nor the replay.
   */
  private serial<T>(sandboxId: string, fn: () => Promise<T>): Promise<T> {
    return this.writes.run(sandboxId, fn);
  }
  private readonly writes = new KeyedSerial();

  /** Adds many records' identities and links (in the given order), persisting once. */
  ingest(sandboxId: string, items: IngestItem[]): Promise<IngestOutcome[]> {
    return this.serial(sandboxId, () => this.ingestNow(sandboxId, items));
  }

  private async ingestNow(sandboxId: string, items: IngestItem[]): Promise<IngestOutcome[]> {
    const g = await this.engine(sandboxId);
    const resolve = await this.namespaces.resolver(sandboxId);
    const t0 = performance.now();
    // 1. normalise (no graph access: the rules and namespaces are fixed for the call)
    const observations: LinkObservation[] = [];
    const outcomes: IngestOutcome[] = [];
    for (const it of items) {
      const n = this.normaliseWith(resolve, it.identities, g.rules);
      outcomes.push(n);
      if (n.identities.length === 0) continue;
      observations.push({ t: it.eventTime, dataset: it.datasetId, batch: it.batchId, record: it.recordRef, identities: n.identities.map((x) => ({ ns: x.namespace, id: x.id, type: x.type, xid: x.xid })) });
    }
    const t1 = performance.now();
    // 2. the graph, in the given order
    const linkTouches = g.linkTouches;
    for (const o of observations) g.add(o);
    const t2 = performance.now();
    // 3. links are logged as observations (and live in the snapshot); history rows keep cuts, evictions and refusals.
    // One transaction per call: when ingest returns, every observation of the call is committed (the caller acks).
    await this.store.append(sandboxId, observations, g.history.splice(0).filter((h) => h.op !== 'link'));
    const t3 = performance.now();
    const st = this.stats;
    st.calls++;
    st.records += items.length;
    st.observations += observations.length;
    st.normaliseMs += t1 - t0;
    st.graphMs += t2 - t1;
    st.logMs += t3 - t2;
    const n = (this.sinceCheckpoint.get(sandboxId) ?? 0) + observations.length;
    this.sinceCheckpoint.set(sandboxId, n);
    if (n >= IdentityService.CHECKPOINT_EVERY) await this.checkpointNow(sandboxId);
    if (g.linkTouches !== linkTouches && this.listeners.length) {
      const touched = new Set<string>();
      for (const o of observations) for (const x of o.identities) touched.add(x.xid!);
      for (const l of this.listeners) l(sandboxId, [...touched]);
    }
    return outcomes;
  }

  /** Writes the node/edge snapshot of a sandbox (periodically, and on close). */
  async checkpoint(sandboxId?: string): Promise<void> {
    for (const sb of [...this.engines.keys()]) if (!sandboxId || sb === sandboxId) await this.serial(sb, () => this.checkpointNow(sb));
  }

  /** Sandboxes whose last checkpoint failed after taking the engine's changes: the next one writes the whole graph. */
  private readonly snapshotBehind = new Set<string>();

  private async checkpointNow(sb: string, opts?: { newGeneration?: boolean }): Promise<void> {
    const g = this.engines.get(sb);
    if (g) {
      const t0 = performance.now();
      const c = g.takeChanges();
      try {
        if (this.snapshotBehind.has(sb)) await this.store.replaceGraph(sb, [...g.nodes.values()], [...g.edges.values()], []);
        else await this.store.checkpoint(sb, c, () => ({ nodes: g.nodes.values(), edges: g.edges.values(), size: g.nodes.size + g.edges.size }), opts);
      } catch (e) {
        this.snapshotBehind.add(sb);
        throw e;
      }
      this.snapshotBehind.delete(sb);
      this.stats.checkpoints++;
      this.stats.checkpointRows += c.nodes.length + c.edges.length;
      this.stats.checkpointMs += performance.now() - t0;
      this.sinceCheckpoint.set(sb, 0);
    }
  }

  /** The primary identity: for ExperienceEvents the highest-priority namespace present; for records the one marked primary. */
  async primaryOf(sandboxId: string, ids: IngestOutcome['identities'], isEvent: boolean): Promise<{ namespace: string; id: string; xid: string } | undefined> {
    if (ids.length === 0) return undefined;
    if (!isEvent) return ids.find((x) => x.primary) ?? ids[0];
    const rules = await this.rules(sandboxId);
    return [...ids].sort((a, b) => rankOf(rules, a.namespace) - rankOf(rules, b.namespace))[0];
  }

  async members(sandboxId: string, xid: string): Promise<GraphMember[]> {
    const g = await this.engine(sandboxId);
    const nss = await this.namespaces.list(sandboxId);
    // deterministic order whatever identity the graph is looked up by: namespace priority, then XID
    return g
      .component(xid)
      .map((x) => {
        const n = g.nodes.get(x)!;
        return { namespace: n.ns, nsid: nss.find((s) => s.code === n.ns)?.id, id: n.id, xid: x, lastSeen: n.lastSeen };
      })
      .sort((a, b) => rankOf(g.rules, a.namespace) - rankOf(g.rules, b.namespace) || (a.xid < b.xid ? -1 : 1));
  }

  /** Every graph of a sandbox (singletons included), members in the order of members(). For tests, simulation and small sandboxes. */
  async graphs(sandboxId: string): Promise<GraphMember[][]> {
    const g = await this.engine(sandboxId);
    const seen = new Set<string>();
    const out: GraphMember[][] = [];
    for (const x of g.nodes.keys()) {
      if (seen.has(x)) continue;
      const m = await this.members(sandboxId, x);
      for (const y of m) seen.add(y.xid);
      out.push(m);
    }
    return out;
  }

  async graph(sandboxId: string, xid: string): Promise<{ members: GraphMember[]; edges: Edge[] }> {
    const g = await this.engine(sandboxId);
    const members = await this.members(sandboxId, xid);
    const edges: Edge[] = [];
    for (const m of members) for (const e of g.linksOf(m.xid)) if (e.a === m.xid) edges.push(plainEdge(e));
    edges.sort((p, q) => (p.a < q.a ? -1 : p.a > q.a ? 1 : p.b < q.b ? -1 : p.b > q.b ? 1 : 0));
    return { members, edges };
  }

  /** XID of an identity given by namespace code (or numeric id) and value, normalised as on ingestion. */
  async xid(sandboxId: string, namespace: string, id: string): Promise<string | undefined> {
    const ns = await this.namespaces.resolve(sandboxId, namespace);
    return ns ? xidOf(ns.code, normaliseIdentity(ns.code, ns.idType, id)) : undefined;
  }

  /** Identities whose value is near `query` (a scan of the sandbox's graph; see identity-suggest.ts). */
  async suggest(sandboxId: string, query: string, opts: SuggestOptions = {}): Promise<IdentitySuggestion[]> {
    return suggestIdentities((await this.engine(sandboxId)).nodes.values(), query, opts);
  }

  async knows(sandboxId: string, xid: string): Promise<boolean> {
    return (await this.engine(sandboxId)).nodes.has(xid);
  }

  async node(sandboxId: string, xid: string): Promise<IdentityNode | undefined> {
    const n = (await this.engine(sandboxId)).nodes.get(xid);
    return n && plainNode(n);
  }

  async explain(sandboxId: string, a: string, b: string): Promise<{ sameGraph: boolean; path: Array<Edge & { from: string; to: string }> }> {
    const g = await this.engine(sandboxId);
    const p = g.path(a, b);
    if (!p) return { sameGraph: false, path: [] };
    let cur = a;
    const path = p.map((e) => {
      const from = cur;
      cur = e.a === cur ? e.b : e.a;
      return { ...e, from, to: cur };
    });
    return { sameGraph: true, path };
  }

  /** Everything that happened to an identity: its current links (when and by which record) and every cut, eviction, refusal and unlink. */
  async history(sandboxId: string, xid: string, limit = 200): Promise<HistoryEntry[]> {
    const g = await this.engine(sandboxId);
    const links: HistoryEntry[] = g.linksOf(xid).map((e) => ({ at: e.firstSeen, op: 'link', a: e.a, b: e.b, record: e.lastRecord, dataset: e.datasets.join(','), batch: e.batches.join(','), detail: `last seen ${new Date(e.lastSeen).toISOString()}` }));
    return [...(await this.store.history(sandboxId, xid, limit)), ...links].sort((p, q) => q.at - p.at).slice(0, limit);
  }

  /** Rebuilds a sandbox's graph from its observations under its rules (after unlink or a settings change). */
  private async rebuild(sandboxId: string, why: HistoryEntry): Promise<void> {
    const g = await this.newEngine(sandboxId);
    for (const o of await this.store.observations(sandboxId)) g.apply(o);
    // the recomputation's own decisions (cuts, evictions, refusals) are history too, marked as recomputed
    const decided = g
      .takeChanges()
      .history.filter((h) => h.op !== 'link')
      .map((h) => ({ ...h, detail: `recomputed (${why.rule}${why.batch ? ` batch ${why.batch}` : ''}${why.dataset ? ` dataset ${why.dataset}` : ''})${h.detail ? `: ${h.detail}` : ''}` }));
    const old = this.engines.get(sandboxId);
    await this.store.replaceGraph(sandboxId, [...g.nodes.values()], [...g.edges.values()], [why, ...decided]);
    this.snapshotBehind.delete(sandboxId);
    this.engines.set(sandboxId, g);
    for (const l of this.listeners) l(sandboxId, [...new Set([...(old?.nodes.keys() ?? []), ...g.nodes.keys()])]);
  }

  /** Removes one link, or every link a batch or dataset contributed, and recomputes the graphs. */
  unlink(sandboxId: string, by: { a?: string; b?: string; batchId?: string; datasetId?: string }): Promise<Result<{ removedObservations: number; removedLinks: number }, string>> {
    return this.serial(sandboxId, () => this.unlinkNow(sandboxId, by));
  }

  private async unlinkNow(sandboxId: string, by: { a?: string; b?: string; batchId?: string; datasetId?: string }): Promise<Result<{ removedObservations: number; removedLinks: number }, string>> {
    const g = await this.engine(sandboxId);
    const now = this.clock.now();
    if (by.a && by.b) {
      const k = by.a < by.b ? `${by.a}|${by.b}` : `${by.b}|${by.a}`;
      if (!g.edges.has(k)) return err('no such link');
      g.removeEdge(k, 'unlink', { at: now, rule: 'manual' });
      g.blockedPairs.add(k);
      // the pair stays apart: new records and rebuilds will not link it again
      await this.resources.put('identity-unlinked', sandboxId, k, { at: now });
      await this.store.append(sandboxId, [], g.history.splice(0));
      // not in the observation log: replicas reload from the snapshot
      await this.checkpointNow(sandboxId, { newGeneration: true });
      for (const l of this.listeners) l(sandboxId, [by.a, by.b]);
      return ok({ removedObservations: 0, removedLinks: 1 });
    }
    if (!by.batchId && !by.datasetId) return err('give a link (a and b), a batchId or a datasetId');
    const before = g.edges.size;
    const n = await this.store.removeObservations(sandboxId, by);
    await this.rebuild(sandboxId, { at: now, op: 'unlink', a: '*', rule: 'manual', batch: by.batchId, dataset: by.datasetId, detail: `${n} observations removed` });
    return ok({ removedObservations: n, removedLinks: Math.max(0, before - (this.engines.get(sandboxId)?.edges.size ?? 0)) });
  }

  setRules(sandboxId: string, input: unknown): Promise<Result<LinkingRules, string>> {
    return this.serial(sandboxId, () => this.setRulesNow(sandboxId, input));
  }

  private async setRulesNow(sandboxId: string, input: unknown): Promise<Result<LinkingRules, string>> {
    const v = validateRules(input, await this.rules(sandboxId));
    if (!v.ok) return v;
    await this.resources.put('identity-settings', sandboxId, 'rules', v.value);
    this.rulesCache.set(sandboxId, v.value);
    await this.rebuild(sandboxId, { at: this.clock.now(), op: 'unlink', a: '*', rule: 'settings', detail: 'graphs recomputed under new linking rules' });
    return v;
  }

  /** Graph simulation: applies links to an empty graph under the given (or current) rules. */
  async simulate(sandboxId: string, body: { rules?: unknown; links?: unknown }): Promise<Result<{ graphs: Array<Array<{ namespace: string; id: string }>>; history: HistoryEntry[] }, string>> {
    const rules = body.rules === undefined ? ok(await this.rules(sandboxId)) : validateRules(body.rules, await this.rules(sandboxId));
    if (!rules.ok) return rules;
    if (!Array.isArray(body.links)) return err('links must be an array of { identities: [{namespace, id}], timestamp? }');
    const g = new GraphEngine(rules.value);
    for (let i = 0; i < body.links.length; i++) {
      const l = body.links[i] as { identities?: Array<{ namespace?: unknown; id?: unknown }>; timestamp?: unknown };
      if (!Array.isArray(l?.identities)) return err(`links[${i}].identities must be an array`);
      const n = await this.normalise(sandboxId, l.identities.filter((x) => typeof x?.namespace === 'string' && (typeof x.id === 'string' || typeof x.id === 'number')).map((x) => ({ namespace: String(x.namespace), id: String(x.id), primary: false })), rules.value);
      const t = typeof l.timestamp === 'number' ? l.timestamp : typeof l.timestamp === 'string' ? Date.parse(l.timestamp) : i;
      g.apply({ t, dataset: 'simulation', batch: 'simulation', record: `link ${i}`, identities: n.identities.map((x) => ({ ns: x.namespace, id: x.id, type: x.type })) });
    }
    const seen = new Set<string>();
    const graphs: Array<Array<{ namespace: string; id: string }>> = [];
    for (const x of g.nodes.keys()) {
      if (seen.has(x)) continue;
      const c = g.component(x);
      c.forEach((y) => seen.add(y));
      graphs.push(c.map((y) => ({ namespace: g.nodes.get(y)!.ns, id: g.nodes.get(y)!.id })));
    }
    return ok({ graphs, history: g.takeChanges().history });
  }
}
