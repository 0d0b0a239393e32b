import type { Edge, HistoryEntry, IdentityNode, LinkObservation } from './graph-types.js';

export type NodeChange = IdentityNode | { xid: string; deleted: true };
export type EdgeChange = Edge | { key: string; deleted: true };

/** The whole graph, for a checkpoint that compacts the snapshot (read at the call, before anything is awaited). */
export type LiveGraph = () => { nodes: Iterable<IdentityNode>; edges: Iterable<Edge>; size: number };

/**
 * Persistence port of the identity graph (adapters: SqliteIdentityStore, PgIdentityStore). The graph itself lives in
 * memory (GraphEngine); the store keeps
 *  - the observation log: every record's identities in the order the graph saw them (the truth: unlink by batch or
 *    dataset and settings changes rebuild the graph from it; startup replays what the snapshot does not hold),
 *  - a snapshot of identities and links, written at checkpoints (so startup does not replay everything),
 *  - the append-only history of cuts, evictions, refusals and unlinks, with their causes,
 *  - a generation per sandbox, changed when the log or snapshot is rewritten (replicas then reload).
 *
 * Writes take their arguments when called (the engine keeps changing while a write is awaited) and apply in call
 * order; a read by the writer sees every write called before it. Sequence numbers (`seq`) are positions in the
 * observation log: a log row holds a run of observations of one batch and dataset, and runs are never split.
 */
export interface IdentityGraphStore {
  /** The snapshot (identities and links as of the last checkpoint). */
  load(sandbox: string): Promise<{ nodes: IdentityNode[]; edges: Edge[] }>;
  /** Appends observations and history entries, durably, in one transaction (committed when the promise resolves). */
  append(sandbox: string, observations: LinkObservation[], history: HistoryEntry[]): Promise<void>;
  /**
   * Writes what changed since the last checkpoint and moves the checkpoint mark past every observation appended
   * before the call; `live` is the whole graph, for when the snapshot is compacted. `newGeneration` tells replicas to
   * reload (a change that is not in the observation log, e.g. a manual unlink).
   */
  checkpoint(sandbox: string, changes: { nodes: NodeChange[]; edges: EdgeChange[] }, live?: LiveGraph, opts?: { newGeneration?: boolean }): Promise<void>;
  /** Observations the snapshot does not reflect yet (replayed on startup), in order. */
  pendingObservations(sandbox: string): Promise<LinkObservation[]>;
  /** Every observation not removed, in order. */
  observations(sandbox: string): Promise<LinkObservation[]>;
  /** Marks the observations of a batch or dataset removed (a new generation when any were); returns how many. */
  removeObservations(sandbox: string, by: { batchId?: string; datasetId?: string }): Promise<number>;
  /** Replaces the snapshot with a recomputed graph (after unlink by batch/dataset or a settings change); a new generation. */
  replaceGraph(sandbox: string, nodes: IdentityNode[], edges: Edge[], history: HistoryEntry[]): Promise<void>;
  /** History entries involving an identity, newest first (none when `limit` is not positive). */
  history(sandbox: string, xid: string, limit?: number): Promise<HistoryEntry[]>;
  /** The snapshot with the observation sequence it reflects, and the graph's generation, read consistently. */
  loadAt(sandbox: string): Promise<{ nodes: IdentityNode[]; edges: Edge[]; seq: number; generation: number }>;
  /** Observations after `afterSeq` (not removed), in order, at most `max`; `seq` = the last returned one's seq
   *  (afterSeq when none); `generation` changes whenever replaceGraph or removeObservations ran (a replica then
   *  reloads). A run larger than `max` comes whole (runs are never split), so a positive `max` always makes progress. */
  tail(sandbox: string, afterSeq: number, max: number): Promise<{ seq: number; generation: number; observations: LinkObservation[] }>;
  /** Waits for the writes in flight; the connection or pool stays the caller's. */
  close(): Promise<void>;
}
