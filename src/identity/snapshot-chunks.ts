import type { Edge, IdentityNode } from './graph-types.js';
import type { EdgeChange, NodeChange } from './identity-store.js';
import { internNamespace } from './observation-runs.js';

/** Rows per snapshot chunk. */
export const CHUNK = 10_000;

/** One stored chunk: kind 'N' (nodes) or 'E' (links), `n` rows, `data` columnar JSON. */
export interface SnapshotChunk {
  kind: string;
  n: number;
  data: string;
}

type NodeRow = [xid: string, ns: string, id: string, type: string, firstSeen: number, lastSeen: number];
type EdgeRow = [a: string, b: string, firstSeen: number, lastSeen: number, datasets: string[], batches: string[], lastRecord: string];

/** A snapshot chunk of nodes, columnar (kind 'N'): namespace/type pairs by index `k`; k = -1 deletes the XID. */
interface NodeChunk {
  ns: string[];
  ty: string[];
  k: number[];
  x: string[];
  i: string[];
  f: number[];
  l: number[];
}
/** A snapshot chunk of links, columnar (kind 'E'): datasets/batches a string when one; b = '' deletes the key in a. */
interface EdgeChunk {
  a: string[];
  b: string[];
  f: number[];
  l: number[];
  d: Array<string | string[]>;
  bt: Array<string | string[]>;
  r: string[];
}
const newNodeChunk = (): NodeChunk => ({ ns: [], ty: [], k: [], x: [], i: [], f: [], l: [] });
const newEdgeChunk = (): EdgeChunk => ({ a: [], b: [], f: [], l: [], d: [], bt: [], r: [] });

/**
 * Node and link changes as chunks of up to CHUNK rows (nodes first), encoded one at a time as they are taken (the
 * SQLite adapter writes each before the next is built; a compaction of a large graph never holds every chunk).
 */
export function* encodeChunks(nodes: Iterable<NodeChange>, edges: Iterable<EdgeChange>): Generator<SnapshotChunk> {
  let nc = newNodeChunk();
  let n = 0;
  const index = new Map<string, number>();
  for (const x of nodes) {
    if ('deleted' in x) {
      nc.k.push(-1);
      nc.x.push(x.xid);
      nc.i.push('');
      nc.f.push(0);
      nc.l.push(0);
    } else {
      nc.k.push(internNamespace(nc, index, x.ns, x.type));
      nc.x.push(x.xid);
      nc.i.push(x.id);
      nc.f.push(x.firstSeen);
      nc.l.push(x.lastSeen);
    }
    if (++n >= CHUNK) {
      yield { kind: 'N', n, data: JSON.stringify(nc) };
      nc = newNodeChunk();
      index.clear();
      n = 0;
    }
  }
  if (n) yield { kind: 'N', n, data: JSON.stringify(nc) };
  let ec = newEdgeChunk();
  n = 0;
  for (const e of edges) {
    if ('deleted' in e) {
      ec.a.push(e.key);
      ec.b.push('');
      ec.f.push(0);
      ec.l.push(0);
      ec.d.push('');
      ec.bt.push('');
      ec.r.push('');
    } else {
      const d = e.datasets;
      const bt = e.batches;
      ec.a.push(e.a);
      ec.b.push(e.b);
      ec.f.push(e.firstSeen);
      ec.l.push(e.lastSeen);
      ec.d.push(d.length === 1 ? d[0]! : d);
      ec.bt.push(bt.length === 1 ? bt[0]! : bt);
      ec.r.push(e.lastRecord);
    }
    if (++n >= CHUNK) {
      yield { kind: 'E', n, data: JSON.stringify(ec) };
      ec = newEdgeChunk();
      n = 0;
    }
  }
  if (n) yield { kind: 'E', n, data: JSON.stringify(ec) };
}

/**
 * Replays snapshot chunks in order into the graph they describe (later rows replace or delete earlier ones). The
 * row-array kinds 'n' and 'e' of earlier versions still load. `rows` counts the rows read (for compaction).
 */
export class SnapshotReader {
  readonly nodes = new Map<string, IdentityNode>();
  readonly edges = new Map<string, Edge>();
  rows = 0;

  add(kind: string, data: string): void {
    const { nodes, edges } = this;
    const list = (v: string | string[]) => (typeof v === 'string' ? [v] : v);
    if (kind === 'N') {
      const x = JSON.parse(data) as NodeChunk;
      this.rows += x.x.length;
      for (let j = 0; j < x.x.length; j++) {
        const k = x.k[j]!;
        if (k < 0) nodes.delete(x.x[j]!);
        else nodes.set(x.x[j]!, { xid: x.x[j]!, ns: x.ns[k]!, id: x.i[j]!, type: x.ty[k]!, firstSeen: x.f[j]!, lastSeen: x.l[j]! });
      }
    } else if (kind === 'E') {
      const x = JSON.parse(data) as EdgeChunk;
      this.rows += x.a.length;
      for (let j = 0; j < x.a.length; j++) {
        if (x.b[j] === '') edges.delete(x.a[j]!);
        else edges.set(`${x.a[j]}|${x.b[j]}`, { a: x.a[j]!, b: x.b[j]!, firstSeen: x.f[j]!, lastSeen: x.l[j]!, datasets: list(x.d[j]!), batches: list(x.bt[j]!), lastRecord: x.r[j]! });
      }
    } else if (kind === 'n')
      // chunks written before the columnar form: arrays of rows
      for (const r of JSON.parse(data) as Array<NodeRow | [string]>) {
        this.rows++;
        if (r.length === 1) nodes.delete(r[0]);
        else nodes.set(r[0], { xid: r[0], ns: r[1], id: r[2], type: r[3], firstSeen: r[4], lastSeen: r[5] });
      }
    else
      for (const r of JSON.parse(data) as Array<EdgeRow | [string]>) {
        this.rows++;
        if (r.length === 1) edges.delete(r[0]);
        else edges.set(`${r[0]}|${r[1]}`, { a: r[0], b: r[1], firstSeen: r[2], lastSeen: r[3], datasets: r[4], batches: r[5], lastRecord: r[6] });
      }
  }

  graph(): { nodes: IdentityNode[]; edges: Edge[] } {
    return { nodes: [...this.nodes.values()], edges: [...this.edges.values()] };
  }
}
