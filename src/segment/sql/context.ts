/**
 * What one compiled query collects while its definitions are compiled: the profile and event paths read (each
 * extracted once per row with one multi-path `json_extract`), the event aggregates (one column each in the single
 * `GROUP BY pid` pass over events), the `inSegment` ids (one column each in one pass over memberships) and the CHAIN
 * subqueries (one CTE each).
 */
import { jsonPointer, sqlString } from './literals.js';

/** Where a value is evaluated: the profile row, or an event row (alias of the events relation, e.g. `e`, `c0_1`). */
export type Scope = { kind: 'profile' } | { kind: 'event'; alias: string };

export class QueryContext {
  readonly profilePaths = new Map<string, number>();
  readonly eventPaths = new Map<string, number>();
  /** aggregate SQL (over the events pass) -> column name */
  readonly aggregates = new Map<string, string>();
  /** segment id -> column name */
  readonly segments = new Map<string, string>();
  /** CHAIN CTEs: name -> SQL body (`SELECT DISTINCT pid FROM …`) */
  readonly chains = new Map<string, string>();
  /** Profile paths read inside event scopes (the events pass then joins the profile values). */
  profileReadsInEvents = 0;
  /** The events pass (`agg`) reads profile values: join them in. */
  aggReadsProfile = false;

  constructor(readonly now: number) {}

  get today(): number {
    return Math.floor(this.now / 86_400_000) * 86_400_000;
  }

  /** A snapshot of what has been collected, to undo a definition that fails half-way. */
  mark(): Record<string, number | boolean> {
    return {
      pp: this.profilePaths.size,
      ep: this.eventPaths.size,
      ag: this.aggregates.size,
      sg: this.segments.size,
      ch: this.chains.size,
      reads: this.profileReadsInEvents,
      aggReads: this.aggReadsProfile,
    };
  }

  rollback(m: Record<string, number | boolean>): void {
    const trim = <K, V>(map: Map<K, V>, size: number): void => {
      for (const k of [...map.keys()].slice(size)) map.delete(k);
    };
    trim(this.profilePaths, m.pp as number);
    trim(this.eventPaths, m.ep as number);
    trim(this.aggregates, m.ag as number);
    trim(this.segments, m.sg as number);
    trim(this.chains, m.ch as number);
    this.profileReadsInEvents = m.reads as number;
    this.aggReadsProfile = m.aggReads as boolean;
  }

  /** SQL for the JSON value at a profile path (SQL NULL when missing). */
  profilePath(path: readonly string[], scope: Scope): string {
    if (scope.kind === 'event') this.profileReadsInEvents++;
    return this.guarded(path, (p) => this.slot(this.profilePaths, p, 'p.pv'), 'p.entity');
  }

  /** SQL for the JSON value at an event path, in the event row `alias`. */
  eventPath(path: readonly string[], alias: string): string {
    return this.guarded(path, (p) => this.slot(this.eventPaths, p, `${alias}.ev`), `${alias}.event`);
  }

  private slot(paths: Map<string, number>, path: readonly string[], list: string): string {
    const key = jsonPointer(path);
    let i = paths.get(key);
    if (i === undefined) paths.set(key, (i = paths.size));
    return `${list}[${i + 1}]`;
  }

  /**
   * A JSON pointer indexes arrays with a digits-only segment; the evaluator never walks into arrays. So every
   * digits-only segment (below the root object) requires its parent to be an object.
   */
  private guarded(path: readonly string[], at: (p: readonly string[]) => string, root: string): string {
    if (path.length === 0) return root;
    const guards: string[] = [];
    for (let i = 1; i < path.length; i++) if (/^\d+$/.test(path[i]!)) guards.push(`json_type(${at(path.slice(0, i))}) = 'OBJECT'`);
    const v = at(path);
    return guards.length ? `(CASE WHEN ${guards.join(' AND ')} THEN ${v} END)` : v;
  }

  aggregate(sql: string): string {
    let c = this.aggregates.get(sql);
    if (c === undefined) this.aggregates.set(sql, (c = `a${this.aggregates.size}`));
    return `agg.${c}`;
  }

  segment(id: string): string {
    let c = this.segments.get(id);
    if (c === undefined) this.segments.set(id, (c = `m${this.segments.size}`));
    return `mem.${c}`;
  }

  chain(body: string): string {
    for (const [name, b] of this.chains) if (b === body) return name;
    const name = `chain${this.chains.size}`;
    this.chains.set(name, body);
    return name;
  }

  /** `json_extract(doc, ['/a', '/b'])` for the collected paths, or undefined when none. */
  static extractList(doc: string, paths: Map<string, number>): string | undefined {
    if (paths.size === 0) return undefined;
    const ordered = [...paths.entries()].sort((a, b) => a[1] - b[1]).map(([k]) => sqlString(k));
    return `json_extract(${doc}, [${ordered.join(', ')}])`;
  }
}
