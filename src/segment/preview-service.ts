import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import { uuid } from '../shared/ids.js';
import { ok, err, type Result } from '../shared/result.js';
import { badRequest, notFound, type Problem } from '../shared/problem.js';
import { parsePql } from './pql/parser.js';
import { evaluate } from './eval/evaluate.js';
import { pqlProblem, profilePaths } from './compile-definition.js';
import { referencedSegments, usesEvents } from './eval/analyze.js';
import { profileSnapshot } from './profile-snapshot.js';
import type { SandboxRef } from './definition-service.js';
import type { SegmentStore } from './segment-store.js';
import type { RuntimeDeps } from './streaming-runtime.js';
import { PREVIEW_KIND, PROFILE_SCHEMA } from './segment-types.js';

interface PreviewDoc {
  id: string;
  expression: string;
  totalRows: number;
  profilesRead: number;
  matched: number;
  sampled: boolean;
  byNamespace: Record<string, number>;
  /** Up to `maxResults` qualifying profiles (pid + entity). */
  results: Array<{ pid: string; entity: Record<string, unknown> }>;
  creationTime: number;
}

const MAX_RESULTS = 1000;

/**
 * Previews and estimates (`/preview`, `/estimate/{id}`; one job id for both, as in AEP). An ad-hoc PQL expression
 * is evaluated by the streaming evaluator over every profile when there are at most `sampleSize` (default 100,000),
 * else over the first `sampleSize` (estimate scaled up, with its standard error). Results are stored, so GET pages
 * through them.
 */
export class PreviewService {
  constructor(
    private readonly resources: ResourceStore,
    private readonly clock: Clock,
    private readonly store: SegmentStore,
    private readonly deps: Pick<RuntimeDeps, 'profiles' | 'profileStore' | 'computedAttributes'>,
    private readonly sampleSize = 100_000,
  ) {}

  async create(sb: SandboxRef, body: unknown): Promise<Result<Record<string, unknown>, Problem>> {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (typeof b.predicateExpression !== 'string') return err(badRequest('predicateExpression (PQL text) is required'));
    if (b.predicateType !== undefined && b.predicateType !== 'pql/text') return err(badRequest('predicateType must be "pql/text"'));
    if (b.predicateModel !== undefined && b.predicateModel !== PROFILE_SCHEMA) return err(badRequest(`predicateModel must be "${PROFILE_SCHEMA}"`));
    const parsed = parsePql(b.predicateExpression);
    if (!parsed.ok) return err(pqlProblem(parsed.error));
    const root = parsed.value.root;
    const refs = await this.deps.profileStore.allRefs(sb.sandbox.id);
    const withCA = profilePaths(root).some((p) => p[0] === 'computedAttributes');
    const now = this.clock.now();
    const doc: PreviewDoc = { id: uuid(), expression: b.predicateExpression, totalRows: refs.length, profilesRead: 0, matched: 0, sampled: false, byNamespace: {}, results: [], creationTime: now };
    // memberships of other segments answer inSegment()
    const readsSegments = referencedSegments(root).length > 0;
    for await (const p of profileSnapshot(this.deps, sb, refs, { withEvents: usesEvents(root), withCA, limit: this.sampleSize })) {
      doc.profilesRead++;
      const member = new Set<string>();
      if (readsSegments) for (const m of await this.store.membershipsOfPids(sb.sandbox.id, [p.pid])) if (m.status !== 'exited') member.add(m.segmentId);
      if (!evaluate(root, { entity: p.entity, events: p.events }, { now, inSegment: (id) => member.has(id) })) continue;
      doc.matched++;
      doc.byNamespace[p.top.namespace] = (doc.byNamespace[p.top.namespace] ?? 0) + 1;
      if (doc.results.length < MAX_RESULTS) doc.results.push({ pid: p.pid, entity: p.entity });
    }
    doc.sampled = doc.profilesRead >= this.sampleSize && refs.length > this.sampleSize;
    await this.resources.put(PREVIEW_KIND, sb.sandbox.id, doc.id, doc);
    return ok({ state: 'RESULT_READY', previewId: doc.id, previewQueryId: doc.id, previewExecutionId: doc.id, predicateExpression: doc.expression, predicateType: 'pql/text', predicateModel: PROFILE_SCHEMA, graphType: b.graphType ?? 'pdg' });
  }

  private async doc(sb: SandboxRef, id: string): Promise<Result<PreviewDoc, Problem>> {
    const r = await this.resources.get<PreviewDoc>(PREVIEW_KIND, sb.sandbox.id, id);
    return r ? ok(r.doc) : err(notFound(`Preview ${id} not found`));
  }

  async get(sb: SandboxRef, id: string, q: { limit?: number; offset?: number } = {}): Promise<Result<Record<string, unknown>, Problem>> {
    const d = await this.doc(sb, id);
    if (!d.ok) return d;
    const limit = Math.max(1, Math.min(q.limit ?? 100, MAX_RESULTS));
    const offset = Math.max(0, q.offset ?? 0);
    const page = d.value.results.slice(offset, offset + limit);
    return ok({
      state: 'RESULT_READY',
      previewId: id,
      results: page.map((r) => ({ [r.pid]: r.entity })),
      resultsSummary: { profilesRead: d.value.profilesRead, profilesMatched: d.value.matched },
      _links: offset + limit < d.value.results.length ? { next: `/preview/${id}?offset=${offset + limit}&limit=${limit}` } : {},
    });
  }

  async estimate(sb: SandboxRef, id: string): Promise<Result<Record<string, unknown>, Problem>> {
    const d = await this.doc(sb, id);
    if (!d.ok) return d;
    const { profilesRead: n, matched, totalRows } = d.value;
    const scale = n > 0 && d.value.sampled ? totalRows / n : 1;
    const p = n > 0 ? matched / n : 0;
    const se = d.value.sampled && n > 0 ? Math.sqrt((p * (1 - p)) / n) * totalRows : 0;
    return ok({
      state: 'RESULT_READY',
      estimatedSize: Math.round(matched * scale),
      estimatedNamespaceDistribution: Object.entries(d.value.byNamespace).map(([namespace, c]) => ({ namespace, estimatedSize: Math.round(c * scale) })),
      standardError: Number(se.toFixed(2)),
      confidenceInterval: '95%',
      profilesReadSoFar: n,
      profilesMatchedSoFar: matched,
      totalRows,
      numRowsToRead: Math.min(totalRows, this.sampleSize),
      sampled: d.value.sampled,
      _links: { preview: `/preview/${id}` },
    });
  }

  async delete(sb: SandboxRef, id: string): Promise<Result<{ deleted: true }, Problem>> {
    const d = await this.doc(sb, id);
    if (!d.ok) return d;
    await this.resources.delete(PREVIEW_KIND, sb.sandbox.id, id);
    return ok({ deleted: true });
  }
}
