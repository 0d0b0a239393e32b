import { DuckDBInstance } from '@duckdb/node-api';
import { compileSegments } from './sql/compile.js';
import { DEFAULT_TABLES, loadMemberships, loadProfiles } from './sql/run-batch.js';
import type { BatchEvaluator } from './job-service.js';
import type { SnapshotProfile } from './profile-snapshot.js';
import type { CompiledDefinition } from './segment-types.js';

/**
 * The batch back end of segment jobs: the profile snapshot is bulk-loaded into an in-memory DuckDB
 * (`seg_profiles(pid, entity JSON)`, `seg_events(pid, id, ts, event JSON)`, `seg_memberships(pid, segment_id)`) and the
 * definitions run as compiled SQL, one query per dependency layer (a layer's results are added to `memberships`
 * before the next layer, so inSegment() sees them). Definitions the compiler refuses are reported back and
 * evaluated by the JS evaluator instead.
 */
export class DuckDbBatchEvaluator implements BatchEvaluator {
  async evaluate(defs: CompiledDefinition[], profiles: AsyncIterable<SnapshotProfile>, memberships: Array<{ pid: string; segmentId: string }>, now: number) {
    const t0 = performance.now();
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const conn = await instance.connect();
    try {
      await loadProfiles(conn, profiles, DEFAULT_TABLES);
      await loadMemberships(conn, memberships, DEFAULT_TABLES);
      const loadSeconds = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      const members = new Map<string, Set<string>>();
      const notCompiled: string[] = [];
      for (const layer of layers(defs)) {
        const q = compileSegments(layer.map((d) => ({ id: d.def.id, root: d.root })), { ...DEFAULT_TABLES, now });
        if (!q.ok) {
          notCompiled.push(...layer.map((d) => d.def.id));
          continue;
        }
        notCompiled.push(...q.value.unsupported.map((u) => u.id));
        if (q.value.segmentIds.length === 0) continue;
        const rows = (await conn.runAndReadAll(q.value.sql)).getRows();
        for (const id of q.value.segmentIds) members.set(id, new Set());
        const found: Array<{ pid: string; segmentId: string }> = [];
        for (const [pid, seg] of rows) {
          members.get(String(seg))?.add(String(pid));
          found.push({ pid: String(pid), segmentId: String(seg) });
        }
        // the next layer's inSegment() reads this layer's results
        await conn.run(`DELETE FROM ${DEFAULT_TABLES.memberships} WHERE segment_id IN (${q.value.segmentIds.map((id) => `'${id.replace(/'/g, "''")}'`).join(',')})`);
        await loadMemberships(conn, found, DEFAULT_TABLES);
      }
      return { members, notCompiled, sqlSeconds: (performance.now() - t1) / 1000, loadSeconds };
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  }
}

/** Definitions grouped so that every inSegment() target is in an earlier layer (input is in dependency order). */
export function layers(defs: CompiledDefinition[]): CompiledDefinition[][] {
  const depth = new Map<string, number>();
  const out: CompiledDefinition[][] = [];
  for (const d of defs) {
    const k = Math.max(-1, ...d.def.dependencies.map((x) => depth.get(x) ?? -1)) + 1;
    depth.set(d.def.id, k);
    (out[k] ??= []).push(d);
  }
  return out.filter(Boolean);
}

