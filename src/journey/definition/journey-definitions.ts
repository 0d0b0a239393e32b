import type { ResourceStore } from '../../store/resource-store.js';
import type { JourneyDefinitions } from '../journey-ports.js';
import type { Journey, JourneyVersion } from '../journey-types.js';
import { JOURNEY_KIND, JOURNEY_VERSION_KIND, MAX_JOURNEYS } from './journey-service.js';

type Pair = { journey: Journey; version: JourneyVersion };

interface Snapshot {
  journeys: Map<string, Journey>;
  versions: Map<string, JourneyVersion>;
  /** journeyId → its live version. */
  live: Map<string, Pair>;
}

/**
 * The engine's read side of journeys, from the ResourceStore the service writes: a snapshot per sandbox, kept until
 * `invalidate` (the runtime calls it on `definitionsChanged`). A version is live when its journey names it live and
 * its own status says so (both written by one publish). A draft, or a version the snapshot does not know (made after
 * it), is read from the store.
 */
export class ResourceJourneyDefinitions implements JourneyDefinitions {
  private readonly snapshots = new Map<string, Promise<Snapshot>>();

  constructor(private readonly resources: ResourceStore) {}

  async live(sandboxId: string): Promise<Pair[]> {
    return [...(await this.snapshot(sandboxId)).live.values()];
  }

  async running(sandboxId: string): Promise<Pair[]> {
    const s = await this.snapshot(sandboxId);
    const out: Pair[] = [];
    for (const v of s.versions.values()) {
      const j = s.journeys.get(v.journeyId);
      if (j && (v.status === 'finished' || (v.status === 'live' && s.live.get(j.id)?.version.id === v.id))) out.push({ journey: j, version: v });
    }
    return out;
  }

  async version(sandboxId: string, versionId: string): Promise<Pair | undefined> {
    const s = await this.snapshot(sandboxId);
    const v = s.versions.get(versionId);
    const j = v && s.journeys.get(v.journeyId);
    // a draft changes with every edit: a test run reads it as it is now
    if (v && j && v.status !== 'draft') return { journey: j, version: v };
    const stored = await this.resources.get<JourneyVersion>(JOURNEY_VERSION_KIND, sandboxId, versionId);
    if (!stored) return undefined;
    const journey = await this.resources.get<Journey>(JOURNEY_KIND, sandboxId, stored.doc.journeyId);
    return journey ? { journey: journey.doc, version: stored.doc } : undefined;
  }

  async liveOf(sandboxId: string, journeyId: string): Promise<Pair | undefined> {
    return (await this.snapshot(sandboxId)).live.get(journeyId);
  }

  invalidate(sandboxId: string): void {
    this.snapshots.delete(sandboxId);
  }

  private snapshot(sandboxId: string): Promise<Snapshot> {
    let s = this.snapshots.get(sandboxId);
    if (!s) {
      s = this.load(sandboxId);
      this.snapshots.set(sandboxId, s);
      // a failed read is not cached: the next call reads again
      s.catch(() => {
        if (this.snapshots.get(sandboxId) === s) this.snapshots.delete(sandboxId);
      });
    }
    return s;
  }

  private async load(sandboxId: string): Promise<Snapshot> {
    const journeys = new Map((await this.resources.list<Journey>(JOURNEY_KIND, sandboxId, { limit: MAX_JOURNEYS * 2 })).map((r) => [r.id, r.doc]));
    const versions = new Map((await this.resources.list<JourneyVersion>(JOURNEY_VERSION_KIND, sandboxId)).map((r) => [r.id, r.doc]));
    const live = new Map<string, Pair>();
    for (const j of journeys.values()) {
      const v = j.liveVersionId !== undefined ? versions.get(j.liveVersionId) : undefined;
      if (v && v.status === 'live' && v.journeyId === j.id) live.set(j.id, { journey: j, version: v });
    }
    return { journeys, versions, live };
  }
}
