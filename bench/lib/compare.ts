/**
 * Figures of bench JSON compared across runs: the numeric leaves worth a ratio (CPU per event, throughput, latency),
 * their medians per side, and the ratio of one side's medians to the other's. Pure: bench/side-by-side.ts and
 * bench/storage-ratio.ts run the benches.
 */

/** Leaf names that are figures; everything else (settings, counts, hardware) is context, not compared. */
const FIGURE_KEYS = new Set([
  'serverCpuUsPerEvent',
  'databaseCpuUsPerEvent',
  'totalCpuUsPerEvent',
  'msgsPerSec',
  'reqPerSec',
  'achievedRate',
  'segmentEntriesPerSecond',
  'machineIdlePercent',
  'p50ms',
  'p99ms',
  'p50',
  'p99',
  'max',
  'figure',
  // not a figure to compare but to read beside one: the server did not keep up where it grew
  'backlogGrowth',
  'backlogAfter',
]);

export type Figures = Record<string, number>;

/** The figures of one bench JSON, by dotted path (`kith.batch100.msgsPerSec`); arrays and `hardware` are skipped. */
export function figuresOf(json: unknown, prefix = ''): Figures {
  const out: Figures = {};
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return out;
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
    if (k === 'hardware') continue;
    const path = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number' && Number.isFinite(v) && FIGURE_KEYS.has(k)) out[path] = v;
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, figuresOf(v, path));
  }
  return out;
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median of every figure over the runs that have it. */
export function medians(runs: Figures[]): Figures {
  const paths = new Set(runs.flatMap((r) => Object.keys(r)));
  const out: Figures = {};
  for (const p of paths) {
    const m = median(runs.map((r) => r[p]).filter((v): v is number => v !== undefined));
    if (m !== null) out[p] = round(m, 2);
  }
  return out;
}

/** `top / bottom` of each figure both sides have (a zero bottom gives no ratio). */
export function ratios(top: Figures, bottom: Figures): Figures {
  const out: Figures = {};
  for (const [p, v] of Object.entries(top)) {
    const b = bottom[p];
    if (b !== undefined && b !== 0) out[p] = round(v / b, 3);
  }
  return out;
}

/** The CPU-per-event ratios, each checked against a bound (issue #18: within 10 %, so ≤ 1.10). */
export function cpuVerdict(ratio: Figures, bound = 1.1): { bound: number; figures: Figures; within: boolean | null } {
  const figures = Object.fromEntries(Object.entries(ratio).filter(([p]) => p.endsWith('serverCpuUsPerEvent')));
  const values = Object.values(figures);
  return { bound, figures, within: values.length ? values.every((v) => v <= bound) : null };
}

/**
 * The bench's JSON from its stdout: the whole text, else the last object that starts at the beginning of a line
 * (a bench may print progress lines before it).
 */
export function parseBenchJson(stdout: string): unknown {
  const text = stdout.trim();
  try {
    return JSON.parse(text);
  } catch {
    // fall through to the last top-level object
  }
  const starts = [...text.matchAll(/^\{/gm)].map((m) => m.index!).reverse();
  for (const i of starts) {
    try {
      return JSON.parse(text.slice(i));
    } catch {
      // an earlier start may be the whole object
    }
  }
  return undefined;
}

const round = (n: number, d: number) => Number(n.toFixed(d));
