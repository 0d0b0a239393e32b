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
 * What one unit of work may touch: an identity of a sandbox, once per item that writes it, with the event (id and
 * the cap it is added under) when the item adds one. Adapters that cannot read inside `fn` (PostgreSQL) load what
 * the scope can touch before it runs; touching an identity, or adding an event, outside the scope is an error there.
 */
export interface WriteScopeItem {
  sandboxId: string;
  ref: IdentityRef;
  event?: { eventId: string; cap: number };
}
export type WriteScope = ReadonlyArray<WriteScopeItem>;

/** The synchronous view of the store inside one unit of work (a processor chunk). */
export interface ProfileWriter {
  getFragment(sandboxId: string, datasetId: string, ref: IdentityRef): Fragment | undefined;
  putFragment(sandboxId: string, f: Fragment): void;
  /**
   * Inserts an event unless one with the same (sandbox, identity, eventId) exists; then ages out the oldest (by
   * time, then id) beyond `cap`. `json`: `e.event` already encoded, when the caller has it (stored as given).
   */
  addEvent(sandboxId: string, e: StoredEvent, cap: number, json?: string): { inserted: boolean; count: number; evicted: StoredEvent[] };
  getCa(sandboxId: string, caId: string, ref: IdentityRef): CaState | undefined;
  putCa(sandboxId: string, caId: string, ref: IdentityRef, s: CaState): void;
}

/**
 * Storage port of the profile context (fragments, events, computed-attribute state). Writes go through units of
 * work (`write`: one transaction per processor chunk); everything else is async so an adapter may sit on a network.
 * Every adapter runs `fragmentStoreContract` (fragment-store.contract.ts).
 */
export interface FragmentStore {
  /**
   * Runs `fn` (synchronous) against a writer and commits what it wrote as one transaction; nothing is written when
   * `fn` throws (the promise rejects with its error). `fn` must not keep the writer past its return. One writer per
   * identity at a time (the processor's thread): PostgreSQL rows are read before `fn` and not locked.
   */
  write<T>(scope: WriteScope, fn: (w: ProfileWriter) => T): Promise<T>;
  /** Every fragment of these identities (all datasets), in identity then dataset order. */
  fragmentsOf(sandboxId: string, refs: readonly IdentityRef[]): Promise<Fragment[]>;
  countEvents(sandboxId: string, refs: readonly IdentityRef[]): Promise<number>;
  events(sandboxId: string, refs: readonly IdentityRef[], q: EventQuery): Promise<StoredEvent[]>;
  findEvent(sandboxId: string, refs: readonly IdentityRef[], eventId: string): Promise<StoredEvent | undefined>;
  /** Identities that have events (computed-attribute backfill). */
  allEventRefs(sandboxId: string): Promise<IdentityRef[]>;
  /** Every identity with profile data (a fragment or an event), once each: the population segment jobs walk. */
  allRefs(sandboxId: string): Promise<IdentityRef[]>;
  /** The states of one computed attribute of these identities (those that have one, in identity order). */
  caStates(sandboxId: string, caId: string, refs: readonly IdentityRef[]): Promise<CaState[]>;
  deleteCa(sandboxId: string, caId?: string): Promise<void>;
  /** Deletes all data of these identities (fragments, events, CA state) in one transaction. Returns rows removed. */
  deleteIdentities(sandboxId: string, refs: readonly IdentityRef[]): Promise<number>;
  /** Deletes fragments and events from a dataset; returns affected identities. */
  deleteByDataset(sandboxId: string, datasetId: string): Promise<{ removed: number; identities: IdentityRef[] }>;
  /** Deletes events of a batch; fragments written only by it are removed, others lose the batch tag. */
  deleteByBatch(sandboxId: string, batchId: string): Promise<{ removed: number; identities: IdentityRef[] }>;
  close(): Promise<void>;
}

/** The store as other threads call it (typed RPC): all but the unit of work, whose function cannot cross. */
export type FragmentStoreCalls = Omit<FragmentStore, 'write' | 'close'>;

/** Identity key used by adapters: namespace codes are case-insensitive. */
export const nsKey = (ns: string): string => ns.toLowerCase();
export type { Fragment, Leaves };
