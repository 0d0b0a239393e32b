import { createHash } from 'node:crypto';
import type { GraphChangeListener, IdentityGraphView, IdentityRef, IdentityResolver } from './identity-resolver.js';

/**
 * The part of src/identity's IdentityService that Profile uses, typed structurally so this file does not depend on
 * that context's internals (`members`, `xid`, `node`, `rules`, `onGraphChange` as of this commit).
 */
export interface IdentityServiceLike {
  xid(sandboxId: string, namespace: string, id: string): Promise<string | undefined>;
  members(sandboxId: string, xid: string): Promise<Array<{ namespace: string; id: string; xid: string }>>;
  node(sandboxId: string, xid: string): Promise<{ ns: string; id: string } | undefined>;
  rules(sandboxId: string): Promise<{ priority: Record<string, number>; graphSizeLimit?: number }>;
  onGraphChange(l: (sandboxId: string, xids: string[]) => void): void;
}

/** Fallback XID for an identity whose namespace the identity service does not know (not ingested through it). */
const localXid = (r: IdentityRef): string => createHash('sha256').update(`${r.namespace}\u0000${r.id}`).digest('base64url').slice(0, 30);

/** Adapts the identity service to Profile's IdentityResolver port. */
export class IdentityServiceResolver implements IdentityResolver {
  private readonly listeners = new Set<GraphChangeListener>();
  constructor(private readonly svc: IdentityServiceLike) {
    svc.onGraphChange((sandboxId, xids) => {
      for (const l of this.listeners) l({ sandboxId, kind: 'merge', identities: [], xids });
    });
  }
  async graphOf(sandboxId: string, ref: IdentityRef): Promise<IdentityGraphView | undefined> {
    const xid = await this.svc.xid(sandboxId, ref.namespace, ref.id);
    if (!xid || !(await this.svc.node(sandboxId, xid))) return undefined;
    const members = await this.svc.members(sandboxId, xid);
    if (members.length < 2) return undefined;
    return { graphId: [...members.map((m) => m.xid)].sort()[0]!, members: members.map((m) => ({ namespace: m.namespace, id: m.id, xid: m.xid })) };
  }
  async xidOf(sandboxId: string, ref: IdentityRef): Promise<string> {
    return (await this.svc.xid(sandboxId, ref.namespace, ref.id)) ?? localXid(ref);
  }
  async resolveXid(sandboxId: string, xid: string): Promise<IdentityRef | undefined> {
    const n = await this.svc.node(sandboxId, xid);
    return n ? { namespace: n.ns, id: n.id } : undefined;
  }
  async namespacePriority(sandboxId: string): Promise<Record<string, number>> {
    return (await this.svc.rules(sandboxId)).priority;
  }
  onGraphChange(l: GraphChangeListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
