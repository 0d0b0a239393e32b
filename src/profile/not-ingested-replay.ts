import type { Clock } from '../shared/clock.js';
import type { DatasetDirectory } from '../ingest/ports.js';
import type { AcceptedRecord, RecordSink } from '../ingest/processor/processor-ports.js';
import type { NotIngestedStore, StoredNotIngested } from '../lake/not-ingested-store.js';

export interface ReplayFilter {
  ids?: string[];
  datasetId?: string;
  batchId?: string;
  /** A reason code. */
  reason?: string;
}

export interface ReplayOutcome {
  /** Records handed to the identity and profile steps again. */
  replayed: number;
  /** Of those, placed in the profile now. */
  ingested: number;
  /** Of those, still not placed (their row is live again, with the new reason). */
  notIngested: number;
  /** Not replayable: record cut to the store's bound, dataset deleted or no longer profile-enabled, unknown id. */
  skipped: number;
}

const PAGE = 500;

/**
 * Replays "not ingested to profile" records through the identity and profile steps once their cause is fixed (a
 * namespace created, a blocked value allowed). Only the downstream steps: the records are in the lake already.
 * Each page runs between two processor steps (`exclusive`), so per-identity order within a step is kept. A row is
 * marked replayed first; the profile step makes it live again if its record still cannot be placed.
 */
export class NotIngestedReplay {
  constructor(
    private readonly store: NotIngestedStore,
    private readonly datasets: DatasetDirectory,
    private readonly downstream: RecordSink,
    private readonly exclusive: <T>(fn: () => Promise<T>) => Promise<T>,
    private readonly clock: Clock,
  ) {}

  async replay(sandboxId: string, f: ReplayFilter): Promise<ReplayOutcome> {
    const out: ReplayOutcome = { replayed: 0, ingested: 0, notIngested: 0, skipped: 0 };
    if (f.ids) {
      const rows: StoredNotIngested[] = [];
      for (const id of new Set(f.ids)) {
        const r = await this.store.get(sandboxId, id);
        if (r) rows.push(r);
        else out.skipped++;
      }
      for (let i = 0; i < rows.length; i += PAGE) await this.page(sandboxId, rows.slice(i, i + PAGE), out);
      return out;
    }
    let after: string | undefined;
    for (;;) {
      const rows = await this.store.list({ sandboxId, datasetId: f.datasetId, batchId: f.batchId, code: f.reason, after, limit: PAGE });
      if (rows.length === 0) return out;
      after = rows[rows.length - 1]!.id;
      await this.page(sandboxId, rows, out);
    }
  }

  private async page(sandboxId: string, rows: StoredNotIngested[], out: ReplayOutcome): Promise<void> {
    await this.exclusive(async () => {
      const records: AcceptedRecord[] = [];
      const ids: string[] = [];
      for (const r of rows) {
        const ds = r.truncated ? undefined : await this.datasets.getDataset(sandboxId, r.datasetId);
        if (!ds?.profileEnabled) {
          out.skipped++;
          continue;
        }
        ids.push(r.id);
        records.push({
          offset: r.offset,
          sandboxId,
          orgId: r.orgId,
          dataset: ds,
          schemaId: ds.schemaId,
          isEvent: r.isEvent,
          batchId: r.batchId,
          xactionId: r.xactionId,
          receivedAt: r.receivedAt,
          entity: JSON.parse(r.record) as Record<string, unknown>,
          json: r.record,
        });
      }
      if (records.length === 0) return;
      await this.store.markReplayed(sandboxId, ids, this.clock.now());
      await this.downstream.accept(records);
      out.replayed += records.length;
      for (const id of ids) {
        if ((await this.store.get(sandboxId, id))?.replayedAt === null) out.notIngested++;
        else out.ingested++;
      }
    });
  }
}
