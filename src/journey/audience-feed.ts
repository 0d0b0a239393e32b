import type { JourneyStore } from './store/journey-store.js';

/** The lake part the feed reads (Lake.query). */
export interface AudienceEventLake {
  query(sandboxId: string, sql: string, params?: Array<string | number | boolean | null>): Promise<Array<Record<string, unknown>>>;
}

const PAGE = 2000;
export const audienceCursor = (sandboxId: string): string => `audience:${sandboxId}`;

/**
 * Audience transitions for journeys (entries on `realized`/`exited`, exit criteria on `exited`), read from the
 * sandbox's "Audience Membership Events" lake table after a cursor kept in the journey store. Segmentation copies
 * each transition there exactly once (by its outbox seq, the row's `_kith_offset`); the feed hands new rows to
 * `deliver` (which enqueues them in the journey inbox, deduplicated by event `_id`) and only then moves the cursor,
 * so a crash in between delivers again and nothing is lost.
 */
export class AudienceEventFeed {
  private readonly running = new Map<string, Promise<number>>();

  constructor(
    private readonly lake: AudienceEventLake,
    private readonly store: JourneyStore,
    private readonly tableOf: (sandboxId: string) => Promise<string | undefined>,
    private readonly deliver: (sandboxId: string, events: Array<Record<string, unknown>>) => Promise<void>,
  ) {}

  /** Reads the sandbox's new transitions; concurrent calls for one sandbox share one read. Answers how many were delivered. */
  poll(sandboxId: string): Promise<number> {
    const hit = this.running.get(sandboxId);
    if (hit) return hit;
    const p = this.read(sandboxId).finally(() => this.running.delete(sandboxId));
    this.running.set(sandboxId, p);
    return p;
  }

  private async read(sandboxId: string): Promise<number> {
    const table = await this.tableOf(sandboxId);
    if (!table) return 0;
    let total = 0;
    for (;;) {
      const after = await this.store.cursor(audienceCursor(sandboxId));
      let rows: Array<Record<string, unknown>>;
      try {
        rows = await this.lake.query(sandboxId, `SELECT _kith_offset AS o, CAST(record AS VARCHAR) AS r FROM "${table.replace(/"/g, '""')}" WHERE _kith_offset > $1 ORDER BY _kith_offset LIMIT ${PAGE}`, [after]);
      } catch (e) {
        // no transition was ever written in this sandbox: the table does not exist yet
        if (/does not exist/i.test((e as Error).message)) return total;
        throw e;
      }
      if (rows.length === 0) return total;
      const events: Array<Record<string, unknown>> = [];
      for (const row of rows) {
        try {
          events.push(JSON.parse(String(row.r)) as Record<string, unknown>);
        } catch {
          // a row the lake holds is JSON by construction; skip rather than stop the feed
        }
      }
      await this.deliver(sandboxId, events);
      await this.store.commit({ cursors: { [audienceCursor(sandboxId)]: Number(rows.at(-1)!.o) } });
      total += rows.length;
      if (rows.length < PAGE) return total;
    }
  }
}
