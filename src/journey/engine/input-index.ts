import type { JourneyDefinitions } from '../journey-ports.js';
import type { Journey, JourneyVersion } from '../journey-types.js';

export interface LiveVersion {
  journey: Journey;
  version: JourneyVersion;
}

/**
 * What the live versions of a sandbox care about, so the feeds enqueue only inputs that can matter: per event type,
 * the namespaces keying the versions that enter on it, wait for it or exit on it; per audience, the same for audience
 * entries and audience exits. Built from `definitions.live` and kept until `invalidate`.
 */
export interface SandboxIndex {
  /** Event entries by event type. */
  eventEntries: Map<string, LiveVersion[]>;
  /** Event type → entry namespaces (lower-case) of the versions that enter on it, wait for it or exit on it. */
  eventNamespaces: Map<string, Set<string>>;
  /** Audience entries by segment id. */
  audienceEntries: Map<string, LiveVersion[]>;
  /** Segment id → namespaces of the versions that enter on it or exit on it. */
  audienceNamespaces: Map<string, Set<string>>;
  /** Whether any running version's PQL reads the person's past events (`xEvent`, `chain`): else reads skip them. */
  readsHistory: boolean;
}

const HISTORY = /xEvent|\bchain\s*\(/i;

/** `live`: versions taking entrants; `running`: those and the finished ones whose instances still wait and exit. */
export function buildIndex(live: readonly LiveVersion[], running: readonly LiveVersion[] = live): SandboxIndex {
  const ix: SandboxIndex = { eventEntries: new Map(), eventNamespaces: new Map(), audienceEntries: new Map(), audienceNamespaces: new Map(), readsHistory: false };
  const add = <V>(m: Map<string, V[]>, k: string, v: V) => void (m.get(k) ?? m.set(k, []).get(k)!).push(v);
  const ns = (m: Map<string, Set<string>>, k: string, namespace: string) => void (m.get(k) ?? m.set(k, new Set()).get(k)!).add(namespace.toLowerCase());
  for (const lv of live) {
    const entry = lv.version.definition?.entry;
    if (!entry || typeof entry.namespace !== 'string') continue;
    if (entry.type === 'event') {
      add(ix.eventEntries, entry.eventType, lv);
      ns(ix.eventNamespaces, entry.eventType, entry.namespace);
    } else if (entry.type === 'audienceQualification') {
      add(ix.audienceEntries, entry.segmentId, lv);
      ns(ix.audienceNamespaces, entry.segmentId, entry.namespace);
    }
  }
  for (const lv of running) {
    const def = lv.version.definition;
    const entry = def?.entry;
    if (!entry || typeof entry.namespace !== 'string') continue;
    if (!ix.readsHistory && HISTORY.test(JSON.stringify([entry, def.nodes, def.exitCriteria]))) ix.readsHistory = true;
    for (const n of def.nodes ?? []) if (n?.type === 'waitForEvent') ns(ix.eventNamespaces, n.eventType, entry.namespace);
    for (const c of def.exitCriteria ?? []) {
      if (c.type === 'event') ns(ix.eventNamespaces, c.eventType, entry.namespace);
      else ns(ix.audienceNamespaces, c.segmentId, entry.namespace);
    }
  }
  return ix;
}

/** The index per sandbox, built on first use and rebuilt after `invalidate`. */
export class InputIndex {
  private readonly bySandbox = new Map<string, Promise<SandboxIndex>>();

  constructor(private readonly definitions: JourneyDefinitions) {}

  of(sandboxId: string): Promise<SandboxIndex> {
    let hit = this.bySandbox.get(sandboxId);
    if (!hit) {
      const p = Promise.all([this.definitions.live(sandboxId), this.definitions.running(sandboxId)]).then(([live, running]) => buildIndex(live, running));
      // a failed read is not cached
      void p.catch(() => {
        if (this.bySandbox.get(sandboxId) === p) this.bySandbox.delete(sandboxId);
      });
      this.bySandbox.set(sandboxId, p);
      hit = p;
    }
    return hit;
  }

  invalidate(sandboxId: string): void {
    this.bySandbox.delete(sandboxId);
  }
}
