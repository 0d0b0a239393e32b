import type { IdentityRef } from '../profile/identity-resolver.js';
import type { MembershipReader } from '../segment/membership-view.js';
import { parseCron, lastFire } from '../segment/schedule/cron.js';
import type { Clock } from '../shared/clock.js';
import type { JourneyDefinitions } from './journey-ports.js';
import type { JourneyStore } from './store/journey-store.js';

/** What starts a run (JourneyEngine.startAudienceRead). */
export type StartRead = (sandboxId: string, journeyId: string, versionId: string, runId: string, members: AsyncIterable<IdentityRef>) => Promise<number>;

const PAGE = 5000;
export const readCursor = (versionId: string): string => `read:${versionId}`;

/** A segment's current members, page by page (profile-id order), as identities. */
export async function* membersOf(reader: MembershipReader, sandboxId: string, segmentId: string): AsyncIterable<IdentityRef> {
  for (let after = ''; ; ) {
    const page = await reader.membersPage(sandboxId, segmentId, after, PAGE);
    for (const m of page) yield m.ref;
    if (page.length < PAGE) return;
    after = page.at(-1)!.pid;
  }
}

/**
 * Batch entries: each live version whose entry reads an audience runs when its schedule says (`once` at `startAt`,
 * default its publication; `cron`: the latest fire time not yet run, missed ones run once at the next check, as
 * segment schedules do). A run's fire time is its cursor, set once every member was enqueued; a run cut short by a
 * crash runs again with the same run id, and the inbox drops the members already enqueued.
 */
export class AudienceReads {
  private running = false;

  constructor(
    private readonly definitions: JourneyDefinitions,
    private readonly store: JourneyStore,
    private readonly members: MembershipReader,
    private readonly start: StartRead,
    private readonly clock: Clock,
  ) {}

  /** Runs what is due in these sandboxes; answers how many runs started. */
  async runDue(sandboxIds: Iterable<string>): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let runs = 0;
    try {
      const now = this.clock.now();
      for (const sandboxId of sandboxIds)
        for (const { journey, version } of await this.definitions.live(sandboxId)) {
          const entry = version.definition.entry;
          if (entry.type !== 'readAudience') continue;
          const done = await this.store.cursor(readCursor(version.id));
          const published = version.publishedAt ?? version.createdAt;
          let fire: number | undefined;
          if (entry.schedule.frequency === 'once') {
            const at = entry.schedule.startAt ? Date.parse(entry.schedule.startAt) : published;
            fire = Number.isFinite(at) && at <= now && done === 0 ? Math.max(at, 1) : undefined;
          } else {
            const cron = parseCron(entry.schedule.cron);
            if (cron.ok) fire = lastFire(cron.value, Math.max(done, published - 1), now);
          }
          if (fire === undefined) continue;
          await this.start(sandboxId, journey.id, version.id, `${version.id}:${fire}`, membersOf(this.members, sandboxId, entry.segmentId));
          await this.store.commit({ cursors: { [readCursor(version.id)]: fire } });
          runs++;
        }
    } finally {
      this.running = false;
    }
    return runs;
  }
}
