import type { EventView } from './evaluate.js';

/**
 * A profile's events grouped by eventType, for definitions whose every event filter requires some eventTypes
 * (`xEvent[eventType = "commerce.purchases" and …]`, the common case): such a definition is evaluated over the
 * events of those types only. Events of other types can never be selected by its filters, aggregates or CHAIN
 * steps, nor change their answer later, so its value is the same and its next change never later than the real one
 * (proved by event-types.test.ts); a definition reading ten kinds of events no longer scans all of them each time.
 */
export class EventsByType<E extends EventView = EventView> {
  private groups: Map<string, E[]> | undefined;

  constructor(private readonly all: E[]) {}

  /** The events a definition needs: all of them when `types` is undefined, else those of the given types. */
  of(types: ReadonlySet<string> | undefined): E[] {
    if (!types) return this.all;
    if (!this.groups) {
      this.groups = new Map();
      for (const e of this.all) {
        const t = e?.event?.eventType;
        if (typeof t !== 'string') continue;
        const g = this.groups.get(t);
        if (g) g.push(e);
        else this.groups.set(t, [e]);
      }
    }
    if (types.size === 1) {
      for (const t of types) return this.groups.get(t) ?? [];
    }
    const out: E[] = [];
    for (const e of this.all) {
      const t = e?.event?.eventType;
      if (typeof t === 'string' && types.has(t)) out.push(e);
    }
    return out;
  }
}
