import type { GraphChangeListener, GraphMember, IdentityGraphView, IdentityRef, IdentityResolver } from '../../profile/identity-resolver.js';
import type { ForwardedView, GraphOwner } from './protocol.js';
import type { RemoteService } from '../../shared/rpc.js';
import { evictSecondChance } from '../../shared/second-chance.js';

interface Entry {
  xid: string;
  members?: GraphMember[];
  /** Learned again since it was last put at the end (CLOCK eviction). */
  used?: boolean;
}

const refKey = (sandboxId: string, r: IdentityRef): string => `${sandboxId}\u0000${r.namespace.toLowerCase()}\u0000${r.id}`;
const xidKey = (sandboxId: string, xid: string): string => `${sandboxId}\u0000${xid}`;

/**
 * The identity graph as the segmentation worker sees it: the views the processor forwarded with each change (the
 * graph owner re-sends a view for every identity whose graph changed, in order with the changes), and, for an
 * identity not seen lately, a question to the processor thread. Bounded (least recently learned views go first).
 */
export class ForwardedIdentityResolver implements IdentityResolver {
  private readonly byRef = new Map<string, Entry>();
  private readonly byXid = new Map<string, IdentityRef>();
  private readonly priority = new Map<string, { at: number; value: Record<string, number> }>();

  constructor(
    /** The graph owner (the processor's thread). */
    private readonly owner: RemoteService<GraphOwner>,
    private readonly capacity = 300_000,
    /** How long a sandbox's namespace priority is reused before it is asked again. */
    private readonly priorityTtlMs = 1000,
  ) {}

  /** Records a forwarded view (for the identity and, in a stitched graph, for every member). */
  learn(v: ForwardedView): void {
    if (!v.members || v.members.length < 2) return this.put(v.sandboxId, v.ref, { xid: v.xid });
    for (const m of v.members) this.put(v.sandboxId, m, { xid: m.xid, members: v.members });
  }

  private put(sandboxId: string, ref: IdentityRef, e: Entry): void {
    const k = refKey(sandboxId, ref);
    const cur = this.byRef.get(k);
    // the same lone identity again (most changes): marked as used instead of moved to the end (four hash operations)
    if (cur && !cur.members && !e.members && cur.xid === e.xid) {
      cur.used = true;
      return;
    }
    this.byRef.delete(k);
    this.byRef.set(k, e);
    const xk = xidKey(sandboxId, e.xid);
    this.byXid.delete(xk);
    this.byXid.set(xk, { namespace: ref.namespace, id: ref.id });
    // least recently learned first, approximately: an entry learned again since it came round gets a second chance
    evictSecondChance(this.byRef, this.capacity);
    while (this.byXid.size > this.capacity) this.byXid.delete(this.byXid.keys().next().value!);
  }

  async graphOf(sandboxId: string, ref: IdentityRef): Promise<IdentityGraphView | undefined> {
    let e = this.byRef.get(refKey(sandboxId, ref));
    if (!e) {
      const g = await this.owner.graphOf(sandboxId, ref);
      const xid = g?.members.find((m) => m.namespace.toLowerCase() === ref.namespace.toLowerCase() && m.id === ref.id)?.xid ?? (await this.owner.xidOf(sandboxId, ref));
      this.learn({ sandboxId, ref, xid, members: g?.members });
      e = { xid, members: g?.members };
    }
    if (!e.members || e.members.length < 2) return undefined;
    return { graphId: e.members.map((m) => m.xid).sort()[0]!, members: e.members };
  }

  async xidOf(sandboxId: string, ref: IdentityRef): Promise<string> {
    const e = this.byRef.get(refKey(sandboxId, ref));
    if (e) return e.xid;
    return this.owner.xidOf(sandboxId, ref);
  }

  async resolveXid(sandboxId: string, xid: string): Promise<IdentityRef | undefined> {
    const hit = this.byXid.get(xidKey(sandboxId, xid));
    if (hit) return hit;
    return this.owner.resolveXid(sandboxId, xid);
  }

  /**
   * The sandbox's namespace priority. Past its TTL the known value is still answered while a refresh is asked in the
   * background (the first answer after a refresh lands uses it): an evaluation never waits for the processor thread,
   * which answers between chunks.
   */
  async namespacePriority(sandboxId: string): Promise<Record<string, number>> {
    const hit = this.priority.get(sandboxId);
    if (hit && Date.now() - hit.at < this.priorityTtlMs) return hit.value;
    if (hit) {
      this.refreshPriority(sandboxId, hit);
      return hit.value;
    }
    const value = await this.owner.namespacePriority(sandboxId);
    this.priority.set(sandboxId, { at: Date.now(), value });
    return value;
  }

  private readonly refreshing = new Set<string>();
  private refreshPriority(sandboxId: string, hit: { at: number; value: Record<string, number> }): void {
    if (this.refreshing.has(sandboxId)) return;
    this.refreshing.add(sandboxId);
    // the refresh's errors are handled here (the previous value stays until the next TTL)
    void this.owner.namespacePriority(sandboxId).then(
      (value) => this.priority.set(sandboxId, { at: Date.now(), value }),
      () => this.priority.set(sandboxId, { at: Date.now(), value: hit.value }), // asked again after the TTL
    ).finally(() => this.refreshing.delete(sandboxId));
  }

  /** Graph changes arrive as forwarded ProfileChanges, not through this port. */
  onGraphChange(_l: GraphChangeListener): () => void {
    return () => undefined;
  }
}
