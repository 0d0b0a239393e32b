import type { JourneyStore, JourneyUnit } from '../store/journey-store.js';

/**
 * Group commit: units handed in while a commit runs (or in the same turn of the event loop) are merged and applied as
 * ONE `store.commit`. Merging keeps each unit atomic (a superset transaction) and its order (instances last write
 * wins, step events and consumed seqs appended in hand-in order). When a merged commit fails, its units are retried
 * one by one so a bad unit fails alone.
 */
export class CommitBatcher {
  private pending: Array<{ unit: JourneyUnit; resolve: () => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;
  private running = false;

  constructor(
    private readonly store: JourneyStore,
    private readonly maxUnits = 5000,
    /** Instances and step events per transaction: past a few thousand rows SQLite's page cache spills (bench/journey batch). */
    private readonly maxRows = 10_000,
  ) {}

  commit(unit: JourneyUnit): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ unit, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // after the current turn: every task that is ready hands its unit in before the first commit
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length > 0) {
        let take = 0;
        for (let rows = 0; take < this.pending.length && take < this.maxUnits && (take === 0 || rows < this.maxRows); take++) {
          const u = this.pending[take]!.unit;
          rows += (u.instances?.length ?? 0) + (u.stepEvents?.length ?? 0);
        }
        const batch = this.pending.splice(0, take);
        try {
          await this.store.commit(merge(batch.map((b) => b.unit)));
          for (const b of batch) b.resolve();
        } catch (e) {
          if (batch.length === 1) batch[0]!.reject(e);
          else
            for (const b of batch)
              await this.store.commit(b.unit).then(b.resolve, b.reject);
        }
        // let tasks woken by this commit hand in their next units
        if (this.pending.length === 0) await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.running = false;
    }
  }
}

function merge(units: JourneyUnit[]): JourneyUnit {
  if (units.length === 1) return units[0]!;
  const out: Required<JourneyUnit> = { instances: [], stepEvents: [], consumed: [], cursors: {} };
  for (const u of units) {
    if (u.instances) out.instances.push(...u.instances);
    if (u.stepEvents) out.stepEvents.push(...u.stepEvents);
    if (u.consumed) out.consumed.push(...u.consumed);
    if (u.cursors) Object.assign(out.cursors, u.cursors);
  }
  return out;
}
