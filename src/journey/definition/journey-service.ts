import type { ResourceStore, StoredResource } from '../../store/resource-store.js';
import type { Clock } from '../../shared/clock.js';
import { uuid } from '../../shared/ids.js';
import { KeyedSerial } from '../../shared/serial.js';
import { ok, err, type Result } from '../../shared/result.js';
import { badRequest, conflict, notFound, problem, type Problem } from '../../shared/problem.js';
import { pageOf } from '../../shared/paging.js';
import { DEFINITION_KIND } from '../../segment/segment-types.js';
import { EXTERNAL_AUDIENCE_KIND } from '../../segment/audience-catalog.js';
import type { JourneyRuntimeApi } from '../journey-ports.js';
import type { Journey, JourneyDefinition, JourneyVersion } from '../journey-types.js';
import { invalidDefinition, validateDefinition, type DefinitionProblem } from './validate-definition.js';

export const JOURNEY_KIND = 'journey';
export const JOURNEY_VERSION_KIND = 'journey-version';
/** Journeys per sandbox (lists are paged in memory). */
export const MAX_JOURNEYS = 5000;

export interface JourneyListQuery {
  start?: number;
  limit?: number;
  /** Case-insensitive substring of the name. */
  name?: string;
  /** `createdAt|updatedAt|name[:asc|desc]`, default `createdAt:desc`. */
  sort?: string;
}

export interface JourneyPage {
  children: Journey[];
  _page: { totalCount: number; pageSize: number; start: number; limit: number };
  _links: { next?: { href: string } };
}

export type VersionSummary = Omit<JourneyVersion, 'definition'> & { name: string };

/** What the service tells the engine (the rest of JourneyRuntimeApi is for the routes). */
export type JourneyRuntimeNotices = Pick<JourneyRuntimeApi, 'definitionsChanged' | 'stopVersion'>;

const SORT_FIELDS = ['createdAt', 'updatedAt', 'name'] as const;
const nameKey = (name: string): string => name.trim().toLowerCase();
const majorOf = (v: JourneyVersion): number => Number.parseInt(v.version, 10) || 0;
const summaryOf = ({ definition, ...v }: JourneyVersion): VersionSummary => ({ ...v, name: definition.name });
/** The journey doc without absent optional ids (JSON has no undefined). */
const clean = (j: Journey): Journey => JSON.parse(JSON.stringify(j)) as Journey;

/**
 * Journeys and their versions on the ResourceStore (kinds `journey` and `journey-version`, scope = sandbox id).
 * A journey has at most one draft (the version users edit) and at most one live version; publishing a draft
 * makes it live and the previous live version `finished` (closed to new entrances, its instances go on); stopping
 * ends a version's instances. Names are unique per sandbox (case-insensitive). Every write of a sandbox runs one
 * at a time in this process; the journey document is written with optimistic concurrency (another process that
 * wrote in between makes the call a 409 to retry).
 */
export class JourneyService {
  private readonly serial = new KeyedSerial();

  constructor(
    private readonly resources: ResourceStore,
    private readonly clock: Clock,
    private readonly runtime: JourneyRuntimeNotices,
  ) {}

  async create(sandboxId: string, body: unknown, actor?: string): Promise<Result<{ journey: Journey; version: JourneyVersion }, Problem>> {
    const problems = validateDefinition(body);
    if (problems.length > 0) return err(invalidDefinition(problems));
    const def = body as JourneyDefinition;
    return this.told(sandboxId, await this.serial.run(sandboxId, async () => {
      const now = this.clock.now();
      const journeyId = uuid();
      const version: JourneyVersion = { id: uuid(), journeyId, version: '1.0', status: 'draft', definition: def, createdAt: now, updatedAt: now };
      const journey: Journey = { id: journeyId, sandboxId, name: def.name, draftVersionId: version.id, versionIds: [version.id], createdAt: now, updatedAt: now, ...(actor ? { createdBy: actor } : {}) };
      const count = (await this.resources.list(JOURNEY_KIND, sandboxId, { limit: MAX_JOURNEYS + 1 })).length;
      if (count >= MAX_JOURNEYS) return err(badRequest(`A sandbox holds at most ${MAX_JOURNEYS} journeys`));
      // the version first: once the journey document names it, every reader finds it (one the CAS then refuses is
      // never listed: versions are read through the journey's versionIds)
      await this.resources.put(JOURNEY_VERSION_KIND, sandboxId, version.id, version);
      const w = await this.writeJourney(sandboxId, journey, 0);
      if (!w.ok) {
        await this.resources.delete(JOURNEY_VERSION_KIND, sandboxId, version.id);
        return w;
      }
      return ok({ journey, version });
    }));
  }

  async get(sandboxId: string, journeyId: string): Promise<Result<{ journey: Journey; versions: VersionSummary[] }, Problem>> {
    const j = await this.load(sandboxId, journeyId);
    if (!j.ok) return j;
    return ok({ journey: j.value.journey.doc, versions: j.value.versions.map(summaryOf) });
  }

  async list(sandboxId: string, q: JourneyListQuery = {}): Promise<Result<JourneyPage, Problem>> {
    const [f, d] = (q.sort ?? 'createdAt:desc').split(':') as [string, string | undefined];
    if (!(SORT_FIELDS as readonly string[]).includes(f) || (d !== undefined && d !== 'asc' && d !== 'desc'))
      return err(badRequest(`sort must be one of ${SORT_FIELDS.join(', ')} with an optional :asc or :desc`));
    let all = (await this.resources.list<Journey>(JOURNEY_KIND, sandboxId, { limit: MAX_JOURNEYS + 1 })).map((r) => r.doc);
    if (q.name) all = all.filter((j) => j.name.toLowerCase().includes(q.name!.toLowerCase()));
    const sign = d === 'asc' ? 1 : -1;
    const key = (j: Journey) => (f === 'name' ? j.name.toLowerCase() : j[f as 'createdAt' | 'updatedAt']);
    all.sort((a, b) => (key(a) === key(b) ? a.id.localeCompare(b.id) : key(a) < key(b) ? -sign : sign));
    const page = pageOf(all, q, 50, 500);
    const filter = q.name ? `&name=${encodeURIComponent(q.name)}` : '';
    return ok({
      children: page.items,
      _page: { totalCount: all.length, pageSize: page.items.length, start: page.start, limit: page.limit },
      _links: page.next !== undefined ? { next: { href: `/ajo/journeys?start=${page.next}&limit=${page.limit}${filter}` } } : {},
    });
  }

  async versions(sandboxId: string, journeyId: string): Promise<Result<JourneyVersion[], Problem>> {
    const j = await this.load(sandboxId, journeyId);
    return j.ok ? ok(j.value.versions) : j;
  }

  async getVersion(sandboxId: string, journeyId: string, versionId: string): Promise<Result<JourneyVersion, Problem>> {
    const v = await this.resources.get<JourneyVersion>(JOURNEY_VERSION_KIND, sandboxId, versionId);
    if (!v || v.doc.journeyId !== journeyId) {
      const j = await this.resources.get(JOURNEY_KIND, sandboxId, journeyId);
      return err(notFound(j ? `Journey ${journeyId} has no version ${versionId}` : `Journey ${journeyId} not found`));
    }
    return ok(v.doc);
  }

  /** Replaces the definition of a draft (a live, finished or stopped version is read-only: make a new version). */
  async updateDraft(sandboxId: string, journeyId: string, versionId: string, body: unknown): Promise<Result<JourneyVersion, Problem>> {
    return this.told(sandboxId, await this.serial.run(sandboxId, async () => {
      const j = await this.load(sandboxId, journeyId);
      if (!j.ok) return j;
      const v = j.value.versions.find((x) => x.id === versionId);
      if (!v) return err(notFound(`Journey ${journeyId} has no version ${versionId}`));
      if (v.status !== 'draft') return err(conflict(`Version ${v.version} is ${v.status}: only a draft can be edited (POST /ajo/journeys/${journeyId}/versions makes a new draft)`));
      const problems = [...validateDefinition(body), ...selfJump(body, journeyId)];
      if (problems.length > 0) return err(invalidDefinition(problems));
      const now = this.clock.now();
      const def = body as JourneyDefinition;
      const w = await this.writeJourney(sandboxId, { ...j.value.journey.doc, name: def.name, updatedAt: now }, j.value.journey.version);
      if (!w.ok) return w;
      const next: JourneyVersion = { ...v, definition: def, updatedAt: now };
      await this.resources.put(JOURNEY_VERSION_KIND, sandboxId, v.id, next);
      return ok(next);
    }));
  }

  /** A new draft `N.0`: the given definition, or a copy of the live version (else the latest one). */
  async newVersion(sandboxId: string, journeyId: string, body?: unknown): Promise<Result<{ journey: Journey; version: JourneyVersion }, Problem>> {
    return this.told(sandboxId, await this.serial.run(sandboxId, async () => {
      const j = await this.load(sandboxId, journeyId);
      if (!j.ok) return j;
      const { journey, versions } = j.value;
      const draft = versions.find((v) => v.status === 'draft');
      if (draft) return err(conflict(`Journey ${journeyId} already has a draft (version ${draft.version}, ${draft.id}): edit or delete it`));
      const latest = [...versions].sort((a, b) => majorOf(b) - majorOf(a))[0];
      const source = versions.find((v) => v.id === journey.doc.liveVersionId) ?? latest;
      let def: JourneyDefinition;
      if (body !== undefined && body !== null) {
        const problems = [...validateDefinition(body), ...selfJump(body, journeyId)];
        if (problems.length > 0) return err(invalidDefinition(problems));
        def = body as JourneyDefinition;
      } else if (source) def = structuredClone(source.definition);
      else return err(badRequest(`Journey ${journeyId} has no version to copy: send a definition`));
      const now = this.clock.now();
      const version: JourneyVersion = { id: uuid(), journeyId, version: `${(latest ? majorOf(latest) : 0) + 1}.0`, status: 'draft', definition: def, createdAt: now, updatedAt: now };
      const next: Journey = { ...journey.doc, name: def.name, draftVersionId: version.id, versionIds: [...journey.doc.versionIds, version.id], updatedAt: now };
      // the new draft before the journey names it: another process reading the journey in between sees its draft (409)
      await this.resources.put(JOURNEY_VERSION_KIND, sandboxId, version.id, version);
      const w = await this.writeJourney(sandboxId, next, journey.version);
      if (!w.ok) {
        await this.resources.delete(JOURNEY_VERSION_KIND, sandboxId, version.id);
        return w;
      }
      return ok({ journey: next, version });
    }));
  }

  /** Draft → live, after validation and the checks of what it refers to; the live version before it finishes. */
  async publish(sandboxId: string, journeyId: string, versionId: string): Promise<Result<{ journey: Journey; version: JourneyVersion; finished?: JourneyVersion }, Problem>> {
    const r = await this.serial.run(sandboxId, async (): Promise<Result<{ journey: Journey; version: JourneyVersion; finished?: JourneyVersion }, Problem>> => {
      const j = await this.load(sandboxId, journeyId);
      if (!j.ok) return j;
      const v = j.value.versions.find((x) => x.id === versionId);
      if (!v) return err(notFound(`Journey ${journeyId} has no version ${versionId}`));
      if (v.status !== 'draft') return err(conflict(`Version ${v.version} is ${v.status}: only a draft can be published`));
      const problems = [...validateDefinition(v.definition), ...(await this.references(sandboxId, journeyId, v.definition))];
      if (problems.length > 0) return err(invalidDefinition(problems));
      const now = this.clock.now();
      const prev = j.value.versions.find((x) => x.status === 'live');
      const { draftVersionId: _d, ...rest } = j.value.journey.doc;
      const journey: Journey = { ...rest, name: v.definition.name, liveVersionId: v.id, updatedAt: now };
      const w = await this.writeJourney(sandboxId, journey, j.value.journey.version);
      if (!w.ok) return w;
      const finished = prev ? { ...prev, status: 'finished' as const, updatedAt: now } : undefined;
      if (finished) await this.resources.put(JOURNEY_VERSION_KIND, sandboxId, finished.id, finished);
      const live: JourneyVersion = { ...v, status: 'live', publishedAt: now, updatedAt: now };
      await this.resources.put(JOURNEY_VERSION_KIND, sandboxId, live.id, live);
      return ok({ journey, version: live, ...(finished ? { finished } : {}) });
    });
    if (r.ok) await this.tell(sandboxId);
    return r;
  }

  /**
   * A live or finished version → stopped: closed to entrances, and the engine ends its instances. Stopping a
   * stopped version asks the engine again (a retry after it did not answer).
   */
  async stop(sandboxId: string, journeyId: string, versionId: string): Promise<Result<{ journey: Journey; version: JourneyVersion; ended: number }, Problem>> {
    const r = await this.serial.run(sandboxId, async (): Promise<Result<{ journey: Journey; version: JourneyVersion }, Problem>> => {
      const j = await this.load(sandboxId, journeyId);
      if (!j.ok) return j;
      const v = j.value.versions.find((x) => x.id === versionId);
      if (!v) return err(notFound(`Journey ${journeyId} has no version ${versionId}`));
      if (v.status === 'draft') return err(conflict(`Version ${v.version} is a draft: nothing to stop (delete it instead)`));
      if (v.status === 'stopped') return ok({ journey: j.value.journey.doc, version: v });
      const now = this.clock.now();
      let journey = j.value.journey.doc;
      if (journey.liveVersionId === v.id) {
        const { liveVersionId: _l, ...rest } = journey;
        journey = { ...rest, updatedAt: now };
        const w = await this.writeJourney(sandboxId, journey, j.value.journey.version);
        if (!w.ok) return w;
      }
      const stopped: JourneyVersion = { ...v, status: 'stopped', stoppedAt: now, updatedAt: now };
      await this.resources.put(JOURNEY_VERSION_KIND, sandboxId, v.id, stopped);
      return ok({ journey, version: stopped });
    });
    if (!r.ok) return r;
    await this.tell(sandboxId);
    const ended = await this.endInstances(sandboxId, versionId);
    return ended.ok ? ok({ ...r.value, ended: ended.value }) : ended;
  }

  /** Deletes a draft; the only version of a journey never published takes the journey with it. */
  async deleteVersion(sandboxId: string, journeyId: string, versionId: string): Promise<Result<{ journeyId: string; versionId: string; journeyDeleted: boolean }, Problem>> {
    return this.told(sandboxId, await this.serial.run(sandboxId, async (): Promise<Result<{ journeyId: string; versionId: string; journeyDeleted: boolean }, Problem>> => {
      const j = await this.load(sandboxId, journeyId);
      if (!j.ok) return j;
      const v = j.value.versions.find((x) => x.id === versionId);
      if (!v) return err(notFound(`Journey ${journeyId} has no version ${versionId}`));
      if (v.status !== 'draft') return err(conflict(`Version ${v.version} is ${v.status}: only a draft can be deleted`));
      const doc = j.value.journey.doc;
      if (doc.versionIds.length === 1) {
        await this.resources.delete(JOURNEY_VERSION_KIND, sandboxId, v.id);
        await this.resources.delete(JOURNEY_KIND, sandboxId, journeyId);
        return ok({ journeyId, versionId, journeyDeleted: true });
      }
      const { draftVersionId: _d, ...rest } = doc;
      const latest = j.value.versions.filter((x) => x.id !== v.id).sort((a, b) => majorOf(b) - majorOf(a))[0];
      const next: Journey = { ...rest, versionIds: doc.versionIds.filter((id) => id !== v.id), name: latest?.definition.name ?? doc.name, updatedAt: this.clock.now() };
      const w = await this.writeJourney(sandboxId, next, j.value.journey.version);
      if (!w.ok) return w;
      await this.resources.delete(JOURNEY_VERSION_KIND, sandboxId, v.id);
      return ok({ journeyId, versionId, journeyDeleted: false });
    }));
  }

  /** Deletes a journey with no live version, and all its versions (first the engine ends what still runs on them). */
  async deleteJourney(sandboxId: string, journeyId: string): Promise<Result<{ journeyId: string; versionsDeleted: number }, Problem>> {
    const r = await this.serial.run(sandboxId, async (): Promise<Result<{ journeyId: string; versionsDeleted: number }, Problem>> => {
      const j = await this.load(sandboxId, journeyId);
      if (!j.ok) return j;
      const live = j.value.versions.find((v) => v.status === 'live');
      if (live) return err(conflict(`Journey ${journeyId} has a live version (${live.version}): stop it first`));
      for (const v of j.value.versions.filter((x) => x.status === 'finished')) {
        const ended = await this.endInstances(sandboxId, v.id);
        if (!ended.ok) return ended;
      }
      for (const v of j.value.versions) await this.resources.delete(JOURNEY_VERSION_KIND, sandboxId, v.id);
      await this.resources.delete(JOURNEY_KIND, sandboxId, journeyId);
      return ok({ journeyId, versionsDeleted: j.value.versions.length });
    });
    if (r.ok) await this.tell(sandboxId);
    return r;
  }

  /** A write's result, once the engine was told of it (drafts too: test runs read them). */
  private async told<T>(sandboxId: string, r: Result<T, Problem>): Promise<Result<T, Problem>> {
    if (r.ok) await this.tell(sandboxId);
    return r;
  }

  /** Tells the engine; an engine that does not answer is restarting and reads the definitions afresh when it is back. */
  private async tell(sandboxId: string): Promise<void> {
    try {
      await this.runtime.definitionsChanged(sandboxId);
    } catch {
      // the definitions are stored; nothing to undo
    }
  }

  private async endInstances(sandboxId: string, versionId: string): Promise<Result<number, Problem>> {
    try {
      return ok((await this.runtime.stopVersion(sandboxId, versionId)).ended);
    } catch (e) {
      return err(problem(503, 'Service Unavailable', `The journey engine did not end the instances of version ${versionId} (${(e as Error).message}): retry the request`));
    }
  }

  private async load(sandboxId: string, journeyId: string): Promise<Result<{ journey: StoredResource<Journey>; versions: JourneyVersion[] }, Problem>> {
    const journey = await this.resources.get<Journey>(JOURNEY_KIND, sandboxId, journeyId);
    if (!journey) return err(notFound(`Journey ${journeyId} not found`));
    const versions: JourneyVersion[] = [];
    for (const id of journey.doc.versionIds) {
      const v = await this.resources.get<JourneyVersion>(JOURNEY_VERSION_KIND, sandboxId, id);
      if (v) versions.push(v.doc); // a version a crashed write never stored is skipped
    }
    return ok({ journey, versions });
  }

  /** The journey document, compare-and-set on the version read (0: must not exist); its name stays unique. */
  private async writeJourney(sandboxId: string, journey: Journey, expectedVersion: number): Promise<Result<void, Problem>> {
    const put = await this.resources.put(JOURNEY_KIND, sandboxId, journey.id, clean(journey), { expectedVersion, uniqueKey: nameKey(journey.name) });
    if (put.ok) return ok(undefined);
    if (put.error === 'unique-conflict') return err(conflict(`A journey named "${journey.name}" already exists in this sandbox`));
    return err(conflict(`Journey ${journey.id} was changed by another request meanwhile: read it again and retry`));
  }

  /** What publishing checks beyond the definition itself: the journeys it jumps to and the audiences it reads exist. */
  private async references(sandboxId: string, journeyId: string, def: JourneyDefinition): Promise<DefinitionProblem[]> {
    const out: DefinitionProblem[] = [...selfJump(def, journeyId)];
    for (const [i, n] of def.nodes.entries())
      if (n.type === 'jump' && n.journeyId !== journeyId && !(await this.resources.get(JOURNEY_KIND, sandboxId, n.journeyId)))
        out.push({ path: `nodes[${i}].journeyId`, message: `no journey ${n.journeyId} in this sandbox` });
    const audience = async (path: string, id: string) => {
      const found = (await this.resources.get(DEFINITION_KIND, sandboxId, id)) ?? (await this.resources.get(EXTERNAL_AUDIENCE_KIND, sandboxId, id));
      if (!found) out.push({ path, message: `no audience ${id} in this sandbox` });
    };
    if (def.entry.type !== 'event') await audience('entry.segmentId', def.entry.segmentId);
    for (const [i, x] of (def.exitCriteria ?? []).entries()) if (x.type === 'audienceExit') await audience(`exitCriteria[${i}].segmentId`, x.segmentId);
    return out;
  }
}

/** A jump to the journey itself (a person would loop). */
function selfJump(def: unknown, journeyId: string): DefinitionProblem[] {
  const nodes = (def as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return [];
  return nodes.flatMap((n: unknown, i) =>
    (n as { type?: unknown; journeyId?: unknown } | null)?.type === 'jump' && (n as { journeyId?: unknown }).journeyId === journeyId
      ? [{ path: `nodes[${i}].journeyId`, message: 'a journey cannot jump to itself' }]
      : [],
  );
}
