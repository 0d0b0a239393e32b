/**
 * A chunk's ingestion counts per source and run window, gathered in memory while the processor walks the chunk and
 * written once (RunCounter.commit): a Map lookup per record, no allocation per record but the first of a group.
 */
export type RunField = 'received' | 'ingested' | 'failed' | 'duplicates' | 'profileIngested' | 'profileNotIngested' | 'inputBytes';

/** Where a group of records came from, as the log entry tells it (the counter resolves dataflow and connection). */
export interface RunSource {
  sandboxId: string;
  datasetId: string;
  /** `x-adobe-flow-id` / the envelope's flowId. */
  flowId: string;
  /** The `/collection` inlet. */
  inletId: string;
  /** The source's base connection (Web SDK, Segment, Shopify). */
  connectionId: string;
  windowStart: number;
}

export interface RunGroup {
  source: RunSource;
  counts: Partial<Record<RunField, number>>;
  errors: Record<string, number>;
  firstAt: number;
  lastAt: number;
}

export interface RunRecordRef {
  sandboxId: string;
  datasetId: string;
  flowId?: string | undefined;
  inletId?: string | undefined;
  connectionId?: string | undefined;
  receivedAt: number;
}

export class RunTally {
  readonly groups = new Map<string, RunGroup>();
  /** The last record's group: a chunk's records mostly share their source, so most adds skip the key. */
  private last: RunGroup | undefined;
  private lastRef: RunRecordRef | undefined;

  constructor(readonly windowMs: number) {}

  get empty(): boolean {
    return this.groups.size === 0;
  }

  add(r: RunRecordRef, field: RunField, n = 1, code?: string): void {
    const g = this.groupOf(r);
    g.counts[field] = (g.counts[field] ?? 0) + n;
    if (code !== undefined) g.errors[code] = (g.errors[code] ?? 0) + n;
  }

  private groupOf(r: RunRecordRef): RunGroup {
    if (r === this.lastRef) return this.last!;
    const windowStart = Math.floor(r.receivedAt / this.windowMs) * this.windowMs;
    const l = this.last?.source;
    let g: RunGroup | undefined;
    if (
      l !== undefined &&
      l.windowStart === windowStart &&
      l.datasetId === r.datasetId &&
      l.sandboxId === r.sandboxId &&
      l.inletId === (r.inletId ?? '') &&
      l.flowId === (r.flowId ?? '') &&
      l.connectionId === (r.connectionId ?? '')
    )
      g = this.last!;
    else {
      const k = `${r.sandboxId}\u0000${r.datasetId}\u0000${r.flowId ?? ''}\u0000${r.inletId ?? ''}\u0000${r.connectionId ?? ''}\u0000${windowStart}`;
      g = this.groups.get(k);
      if (!g) {
        g = {
          source: { sandboxId: r.sandboxId, datasetId: r.datasetId, flowId: r.flowId ?? '', inletId: r.inletId ?? '', connectionId: r.connectionId ?? '', windowStart },
          counts: {},
          errors: {},
          firstAt: r.receivedAt,
          lastAt: r.receivedAt,
        };
        this.groups.set(k, g);
      }
    }
    if (r.receivedAt < g.firstAt) g.firstAt = r.receivedAt;
    if (r.receivedAt > g.lastAt) g.lastAt = r.receivedAt;
    this.last = g;
    this.lastRef = r;
    return g;
  }
}

/**
 * Durable run counters (src/flow/runs): each stage ('lake': received, ingested, failed, duplicates; 'profile':
 * placed in the profile or not) has a mark, the last log offset whose counts are in. `commit` writes tallies and
 * moves the mark in one transaction, and does nothing for an `upTo` at or below it (a replay).
 */
export interface RunCounter {
  readonly windowMs: number;
  mark(stage: 'lake' | 'profile'): Promise<number>;
  commit(stage: 'lake' | 'profile', upTo: number, tallies: readonly RunTally[]): Promise<void>;
}

/** Offsets the profile step recorded as not ingested to profile, seen on their way to the store (`take` clears). */
export class NotPlacedOffsets<S extends { add(items: Array<{ offset: number }>): Promise<void> }> {
  private offsets = new Set<number>();

  constructor(private readonly inner: S) {}

  /** The sink to hand the profile step. */
  readonly sink = {
    add: async (items: Array<{ offset: number }>): Promise<void> => {
      for (const i of items) this.offsets.add(i.offset);
      await this.inner.add(items);
    },
  };

  take(): Set<number> {
    const out = this.offsets;
    this.offsets = new Set();
    return out;
  }
}
