import type { IdentityRef } from '../profile/identity-resolver.js';
import type { StateEvent } from './segment-store.js';
import { evictSecondChance } from '../shared/second-chance.js';

/**
 * The streaming runtime's incremental state: per identity, the events some definition can need (prefiltered,
 * projected), newest `cap` kept. It is a cache of a projection of the profile store's events, so it lives in
 * memory (LRU, `maxIdentities`) and an identity missing from it is rebuilt from the profile store on its next
 * evaluation — nothing to persist, nothing lost in a crash.
 */
export class StateCache {
  /** Insertion order is the eviction order; `used` gives a recently read identity a second chance (CLOCK). */
  private readonly map = new Map<string, { events: StateEvent[]; used: boolean }>();

  constructor(
    private readonly maxIdentities = 200_000,
    private readonly cap = 5000,
  ) {}

  private static key(sandboxId: string, ref: IdentityRef): string {
    return `${sandboxId}\u0000${ref.namespace.toLowerCase()}\u0000${ref.id}`;
  }

  get(sandboxId: string, ref: IdentityRef): StateEvent[] | undefined {
    const v = this.map.get(StateCache.key(sandboxId, ref));
    if (!v) return undefined;
    // marking is cheaper than moving the entry to the end of the map at every read (two hash operations)
    v.used = true;
    return v.events;
  }

  /**
   * Sets an identity's state. A state never holds an event id twice (evaluation relies on it): ids given twice (the
   * store may hold one under two datasets or times) keep the first one's place and the last one's value, as `add`.
   * Returns the state as stored.
   */
  set(sandboxId: string, ref: IdentityRef, events: StateEvent[]): StateEvent[] {
    const k = StateCache.key(sandboxId, ref);
    const stored = this.trim(StateCache.unique(events));
    this.map.delete(k);
    this.map.set(k, { events: stored, used: false });
    evictSecondChance(this.map, this.maxIdentities);
    return stored;
  }

  /** Adds an event to a cached identity (an uncached one is rebuilt, with it, when next read). */
  add(sandboxId: string, ref: IdentityRef, e: StateEvent): void {
    const v = this.map.get(StateCache.key(sandboxId, ref));
    if (!v) return;
    const list = v.events;
    const i = list.findIndex((x) => x.id === e.id);
    if (i >= 0) list[i] = e;
    else list.push(e);
    if (list.length > this.cap * 1.1) v.events = this.trim(list);
  }

  private static unique(events: StateEvent[]): StateEvent[] {
    if (events.length < 2) return events;
    const byId = new Map<string, StateEvent>();
    for (const e of events) byId.set(e.id, e);
    return byId.size === events.length ? events : [...byId.values()];
  }

  forget(sandboxId: string, ref: IdentityRef): void {
    this.map.delete(StateCache.key(sandboxId, ref));
  }

  clear(): void {
    this.map.clear();
  }

  /** The newest `cap` events (the profile store ages out the oldest beyond its cap the same way). */
  private trim(events: StateEvent[]): StateEvent[] {
    if (events.length <= this.cap) return events;
    return [...events].sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : -1)).slice(0, this.cap);
  }

  get size(): number {
    return this.map.size;
  }
}
