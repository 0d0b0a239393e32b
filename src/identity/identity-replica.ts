import type { ResourceStore } from '../store/resource-store.js';
import { GraphEngine } from './graph-engine.js';
import { plainNode, type IdentityNode } from './graph-types.js';
import type { IdentityGraphStore } from './identity-store.js';
import { DEFAULT_RULES, rankOf, type LinkingRules } from './linking-rules.js';
import type { NamespaceService } from './namespaces.js';
import { normaliseIdentity } from './normalise.js';
import { xidOf } from './xid.js';

/** A member of a graph as the replica answers it (the order of IdentityService.members). */
export interface ReplicaMember {
  namespace: string;
  id: string;
  xid: string;
}

interface SandboxGraph {
  engine: GraphEngine;
  seq: number;
  generation: number;
}

interface SandboxState {
  graph?: SandboxGraph;
  /** The refresh running now, and the one queued after it (its callers arrived once the running one had read). */
  running?: Promise<SandboxGraph>;
  queued?: Promise<SandboxGraph>;
  /** A refresh finished in this macrotask: the calls of one lookup (node, members, rules) share it. */
  current?: boolean;
}

/** Stored runs read per tail call while catching up. */
const TAIL_ROWS = 500;

/**
 * A read-only copy of the identity graph of each sandbox, outside its writer (the reader thread): built from the
 * store's snapshot (loadAt) and kept fresh by tailing the observation log; a new generation (unlink, settings change)
 * loads it again. Every answer first catches up with what the writer committed; concurrent callers share one
 * refresh, and one arriving while a refresh reads waits for the next (so it sees every write committed before it asked);
 * calls in the macrotask a refresh finished in (one lookup's several questions) use it.
 * Answers what Profile's IdentityServiceResolver needs (IdentityServiceLike), with the writer's rules and blocked pairs.
 */
export class IdentityReplica {
  private readonly states = new Map<string, SandboxState>();
  /** Loads and tail reads so far (tests, diagnostics). */
  readonly stats = { loads: 0, tails: 0, observations: 0 };

  constructor(
    private readonly store: Pick<IdentityGraphStore, 'loadAt' | 'tail'>,
    private readonly resources: ResourceStore,
    private readonly namespaces: NamespaceService,
  ) {}

  /** The sandbox's graph, caught up with the store. */
  fresh(sandboxId: string): Promise<SandboxGraph> {
    let st = this.states.get(sandboxId);
    if (!st) this.states.set(sandboxId, (st = {}));
    const s = st;
    if (s.current && s.graph && !s.running) return Promise.resolve(s.graph);
    if (!s.running) {
      s.running = this.refresh(sandboxId, s).finally(() => {
        s.running = undefined;
        s.current = true;
        setImmediate(() => (s.current = false));
      });
      return s.running;
    }
    s.queued ??= s.running.then(
      () => ((s.queued = undefined), this.fresh(sandboxId)),
      () => ((s.queued = undefined), this.fresh(sandboxId)),
    );
    return s.queued;
  }

  private async refresh(sandboxId: string, s: SandboxState): Promise<SandboxGraph> {
    let g = s.graph ?? (s.graph = await this.load(sandboxId));
    for (;;) {
      const t = await this.store.tail(sandboxId, g.seq, TAIL_ROWS);
      this.stats.tails++;
      if (t.generation !== g.generation) {
        g = s.graph = await this.load(sandboxId);
        continue;
      }
      for (const o of t.observations) g.engine.add(o);
      this.stats.observations += t.observations.length;
      // the replica persists nothing: drop the engine's change lists as it goes
      if (t.observations.length) g.engine.takeChanges();
      g.seq = t.seq;
      // fewer observations than runs asked for: the last run was read
      if (t.observations.length < TAIL_ROWS) return g;
    }
  }

  /** The writer's engine as IdentityService.newEngine builds it (same rules, same blocked pairs), from the snapshot. */
  private async load(sandboxId: string): Promise<SandboxGraph> {
    const rules = (await this.resources.get<LinkingRules>('identity-settings', sandboxId, 'rules'))?.doc ?? DEFAULT_RULES;
    const engine = new GraphEngine(rules, { recordLinks: false });
    for (const r of await this.resources.list('identity-unlinked', sandboxId)) engine.blockedPairs.add(r.id);
    const snap = await this.store.loadAt(sandboxId);
    engine.load(snap.nodes, snap.edges);
    this.stats.loads++;
    return { engine, seq: snap.seq, generation: snap.generation };
  }

  /** XID of an identity given by namespace code (or numeric id) and value, normalised as on ingestion; undefined for an unknown namespace. */
  async xid(sandboxId: string, namespace: string, id: string): Promise<string | undefined> {
    let ns = await this.namespaces.resolve(sandboxId, namespace);
    if (!ns) {
      // created since this thread read the namespaces?
      this.namespaces.forget(sandboxId);
      ns = await this.namespaces.resolve(sandboxId, namespace);
    }
    return ns ? xidOf(ns.code, normaliseIdentity(ns.code, ns.idType, id)) : undefined;
  }

  async node(sandboxId: string, xid: string): Promise<IdentityNode | undefined> {
    const n = (await this.fresh(sandboxId)).engine.nodes.get(xid);
    return n && plainNode(n);
  }

  /** The graph of an identity (itself alone when it has no links; empty when unknown), by namespace priority, then XID. */
  async members(sandboxId: string, xid: string): Promise<ReplicaMember[]> {
    const g = (await this.fresh(sandboxId)).engine;
    if (!g.nodes.has(xid)) return [];
    return g
      .component(xid)
      .map((x) => {
        const n = g.nodes.get(x)!;
        return { namespace: n.ns, id: n.id, xid: x };
      })
      .sort((a, b) => rankOf(g.rules, a.namespace) - rankOf(g.rules, b.namespace) || (a.xid < b.xid ? -1 : 1));
  }

  async rules(sandboxId: string): Promise<LinkingRules> {
    return (await this.fresh(sandboxId)).engine.rules;
  }

  /** A replica emits no graph changes (the writer's service does, to the writer's listeners). */
  onGraphChange(): void {}
}
