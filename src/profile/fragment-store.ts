import type { Fragment, Leaves } from './fragment-merge.js';
import type { IdentityRef } from './identity-resolver.js';

/** A stored ExperienceEvent attached to the profile fragment of its primary identity. */
export interface StoredEvent {
  eventId: string;
  namespace: string;
  id: string;
  datasetId: string;
  batchId: string;
  /** Event time, epoch ms. */
  ts: number;
  event: Record<string, unknown>;
  /** Ingestion time, epoch ms. */
  ingestedAt: number;
}

export interface EventQuery {
  startTime?: number;
  endTime?: number;
  /** Cursor: (ts, eventId) to start at, inclusive. */
  from?: { ts: number; eventId: string };
  order: 'asc' | 'desc';
  limit: number;
}

/** Per-profile state of one computed attribute: per-UTC-day aggregates. */
export interface CaBucket {
  sum: number;
  count: number;
  max: number | null;
  min: number | null;
  latestTs: number;
  latest: unknown;
}
export type CaState = Record<string, CaBucket>;

/**
 * Storage port of the profile context (fragments, events, computed-attribute state). Synchronous by design: the
 * SQLite adapter answers from a local file and the merged read sits on the sub-millisecond lookup path.
 * Every adapter runs `fragmentStoreContract` (fragment-store.contract.ts).
 */
export interface FragmentStore {
  getFragment(sandboxId: string, datasetId: string, ref: IdentityRef): Fragment | undefined;
  putFragment(sandboxId: string, f: Fragment): void;
  /** Every fragment of these identities (all datasets). */
  fragmentsOf(sandboxId: string, refs: readonly IdentityRef[]): Fragment[];
  /**
   * Inserts an event unless one with the same (sandbox, identity, eventId) exists; then ages out the oldest beyond `cap`.
   * `json`: `e.event` already encoded, when the caller has it (stored as given); the store encodes `e.event` otherwise.
   */
  addEvent(sandboxId: string, e: StoredEvent, cap: number, json?: string): { inserted: boolean; count: number; evicted: StoredEvent[] };
  countEvents(sandboxId: string, refs: readonly IdentityRef[]): number;
  events(sandboxId: string, refs: readonly IdentityRef[], q: EventQuery): StoredEvent[];
  findEvent(sandboxId: string, refs: readonly IdentityRef[], eventId: string): StoredEvent | undefined;
  /** Identities that have events (computed-attribute backfill). */
  allEventRefs(sandboxId: string): IdentityRef[];
  /** Every identity with profile data (a fragment or an event), once each: the population segment jobs walk. */
  allRefs(sandboxId: string): IdentityRef[];
  getCa(sandboxId: string, caId: string, ref: IdentityRef): CaState | undefined;
  putCa(sandboxId: string, caId: string, ref: IdentityRef, s: CaState): void;
  deleteCa(sandboxId: string, caId?: string): void;
  /** Deletes all data of one identity (fragments, events, CA state). Returns rows removed. */
  deleteIdentity(sandboxId: string, ref: IdentityRef): number;
  /** Deletes fragments and events from a dataset; returns affected identities. */
  deleteByDataset(sandboxId: string, datasetId: string): { removed: number; identities: IdentityRef[] };
  /** Deletes events of a batch; fragments written only by it are removed, others lose the batch tag. */
  deleteByBatch(sandboxId: string, batchId: string): { removed: number; identities: IdentityRef[] };
  transaction<T>(fn: () => T): T;
  close(): void;
}

/** Identity key used by adapters: namespace codes are case-insensitive. */
export const nsKey = (ns: string): string => ns.toLowerCase();
export type { Fragment, Leaves };
