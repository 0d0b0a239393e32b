import { err, ok, type Result } from '../../shared/result.js';
import { badRequest, notFound, type Problem } from '../../shared/problem.js';
import type { SandboxRef } from '../definition-service.js';
import type { AudienceCatalog } from '../audience-catalog.js';
import { matchesSearch, parseSearch, type SearchQuery } from './search-query.js';

export const SEARCH_SCHEMA = '_xdm.context.segmentdefinition';
/** Kith keeps no audience folders: every audience sits in one root folder of its namespace. */
const ROOT = 'root';

type Audience = { id: string; audienceId?: string; name: string; description?: string; namespace?: string };
const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * Segment search (`/search/namespaces`, `/search/entities`, `/search/taxonomy`) over the sandbox's audiences: Kith's
 * own (namespace `AEPSegments`) and external ones (their namespaces), matched by the `s` expression (search-query.ts)
 * on segmentId, segmentName, segmentDescription and the folder fields.
 */
export class SegmentSearch {
  constructor(private readonly catalog: AudienceCatalog) {}

  private static schema(name: unknown): Problem | undefined {
    return name === SEARCH_SCHEMA ? undefined : badRequest(`schema.name must be "${SEARCH_SCHEMA}"`);
  }

  private async audiences(sb: SandboxRef, s: string | undefined): Promise<Result<Audience[], Problem>> {
    let q: SearchQuery | undefined;
    if (s !== undefined && s.trim() !== '') {
      const p = parseSearch(s);
      if (!p.ok) return err(badRequest(`s: ${p.error}`));
      q = p.value;
    }
    const all = (await this.catalog.all(sb)) as unknown as Audience[];
    return ok(q ? all.filter((a) => matchesSearch(q, { segmentId: a.id, segmentName: a.name, segmentDescription: a.description, folderId: ROOT, parentFolderId: ROOT, folderLocation: ROOT })) : all);
  }

  async namespaces(sb: SandboxRef, q: { schemaName?: string; s?: string }): Promise<Result<Record<string, unknown>, Problem>> {
    const bad = SegmentSearch.schema(q.schemaName);
    if (bad) return err(bad);
    const r = await this.audiences(sb, q.s);
    if (!r.ok) return r;
    const counts = new Map<string, number>();
    for (const a of r.value) counts.set(a.namespace ?? 'AEPSegments', (counts.get(a.namespace ?? 'AEPSegments') ?? 0) + 1);
    const namespaces = [...counts].sort((a, b) => a[0].localeCompare(b[0])).map(([namespace, count]) => ({ namespace, displayName: namespace, count }));
    return ok({ namespaces, totalCount: namespaces.length, status: { message: 'Success' } });
  }

  async entities(sb: SandboxRef, q: { schemaName?: string; namespace?: string; s?: string; entityId?: string; limit?: number; page?: number }): Promise<Result<Record<string, unknown>, Problem>> {
    const bad = SegmentSearch.schema(q.schemaName);
    if (bad) return err(bad);
    if (!q.namespace) return err(badRequest('namespace is required'));
    const r = await this.audiences(sb, q.s);
    if (!r.ok) return r;
    // entityId: the folder to search in (only the root folder exists)
    const inNs = q.entityId !== undefined && q.entityId !== ROOT ? [] : r.value.filter((a) => (a.namespace ?? 'AEPSegments') === q.namespace);
    const limit = Math.max(1, Math.min(q.limit ?? 50, 1000));
    const page = Math.max(0, q.page ?? 0);
    const entities = inNs.slice(page * limit, page * limit + limit).map((a) => ({
      id: a.id,
      base64EncodedSourceId: b64(a.audienceId ?? a.id),
      sourceId: a.audienceId ?? a.id,
      isFolder: false,
      parentFolderId: ROOT,
      name: a.name,
      ...(a.description ? { description: a.description } : {}),
    }));
    return ok({ entities, page: { totalCount: inNs.length, totalPages: Math.ceil(inNs.length / limit), pageOffset: page, pageSize: entities.length }, status: { message: 'Success' } });
  }

  async taxonomy(sb: SandboxRef, q: { schemaName?: string; namespace?: string; entityId?: string }): Promise<Result<Record<string, unknown>, Problem>> {
    const bad = SegmentSearch.schema(q.schemaName);
    if (bad) return err(bad);
    if (!q.namespace || !q.entityId) return err(badRequest('namespace and entityId are required'));
    const r = await this.audiences(sb, undefined);
    if (!r.ok) return r;
    const root = { id: ROOT, base64EncodedSourceId: b64(ROOT), name: q.namespace, parentFolderId: ROOT };
    if (q.entityId === ROOT) return ok({ taxonomy: [root], status: { message: 'Success' } });
    const a = r.value.find((x) => (x.namespace ?? 'AEPSegments') === q.namespace && (x.id === q.entityId || x.audienceId === q.entityId));
    if (!a) return err(notFound(`No search object ${q.entityId} in namespace ${q.namespace}`));
    return ok({ taxonomy: [root, { id: a.id, base64EncodedSourceId: b64(a.audienceId ?? a.id), name: a.name, parentFolderId: ROOT }], status: { message: 'Success' } });
  }
}
