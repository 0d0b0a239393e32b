/**
 * bench/side-by-side: one bench run alternately on a base revision and on this working tree, same box, same run
 * (issue #18: "the embedded path must not get slower", CPU per event within 10 % of the parent commit's).
 *   node --import tsx bench/side-by-side.ts --base <git-rev> [--runs 3] -- <bench script> [args]
 * The base is a temporary `git worktree` under the OS temp dir (node_modules linked to this repository's), removed at
 * the end. Both sides run this checkout's bench script (the load generator) against their own sources through tsx
 * (KITH_BENCH_ROOT, KITH_FROM_SOURCE=1), in the order base, head, base, head, … Prints one JSON object: every run's
 * figures, medians per side, head/base ratios, and the CPU-per-event verdict against 1.10.
 * Short by default: BENCH_MILLION=0 and BENCH_BACKLOG=50000 unless set (bench/ingest's million-message phase is not a
 * comparison figure). Other BENCH_* settings pass through to both sides alike.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hardware } from './hardware.js';
import { REPO_ROOT, storageKind } from './lib/bench-root.js';
import { cpuVerdict, figuresOf, medians, ratios, type Figures } from './lib/compare.js';
import { runBench } from './lib/run-bench.js';

const USAGE = 'usage: node --import tsx bench/side-by-side.ts --base <git-rev> [--runs 3] -- <bench script> [args]';

function parseArgs(argv: string[]): { base: string; runs: number; script: string; args: string[] } {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const rest = dash < 0 ? [] : argv.slice(dash + 1);
  const flag = (name: string) => {
    const i = own.indexOf(name);
    return i < 0 ? undefined : own[i + 1];
  };
  const base = flag('--base');
  const runs = Number(flag('--runs') ?? 3);
  if (!base || !rest[0] || !Number.isInteger(runs) || runs < 1) throw new Error(USAGE);
  return { base, runs, script: rest[0], args: rest.slice(1) };
}

const git = (args: string[]) => {
  const r = spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim();
};

const { base, runs, script, args } = parseArgs(process.argv.slice(2));
const baseCommit = git(['rev-parse', '--verify', `${base}^{commit}`]);
const headCommit = git(['rev-parse', 'HEAD']);
const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';

const parent = mkdtempSync(join(tmpdir(), 'kith-side-by-side-'));
const baseDir = join(parent, 'base');
let removed = false;
const removeWorktree = () => {
  if (removed) return;
  removed = true;
  spawnSync('git', ['worktree', 'remove', '--force', baseDir], { cwd: REPO_ROOT });
  rmSync(parent, { recursive: true, force: true });
  spawnSync('git', ['worktree', 'prune'], { cwd: REPO_ROOT });
};
// a stopped comparison leaves no worktree behind
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    removeWorktree();
    process.exit(130);
  });

const shortDefaults = { BENCH_MILLION: '0', BENCH_BACKLOG: '50000' };
const env = (root: string): NodeJS.ProcessEnv => ({ ...shortDefaults, ...process.env, KITH_BENCH_ROOT: root, KITH_FROM_SOURCE: '1' });

const perRun: Array<{ side: 'base' | 'head'; seconds: number; figures?: Figures; error?: string }> = [];
try {
  git(['worktree', 'add', '--detach', baseDir, baseCommit]);
  symlinkSync(realpathSync(join(REPO_ROOT, 'node_modules')), join(baseDir, 'node_modules'));
  for (let i = 0; i < runs; i++) {
    for (const [side, root] of [['base', baseDir], ['head', REPO_ROOT]] as const) {
      process.stderr.write(`# side-by-side: run ${i + 1}/${runs}, ${side}\n`);
      const r = await runBench(script, args, env(root));
      perRun.push(r.ok ? { side, seconds: r.seconds, figures: figuresOf(r.json) } : { side, seconds: r.seconds, error: r.error });
    }
  }
} finally {
  removeWorktree();
}

const ok = (side: 'base' | 'head') => perRun.filter((r) => r.side === side && r.figures).map((r) => r.figures!);
const med = { base: medians(ok('base')), head: medians(ok('head')) };
const ratio = ratios(med.head, med.base);
const envShown = Object.fromEntries(Object.entries({ ...shortDefaults, ...process.env }).filter(([k]) => k.startsWith('BENCH_')));
process.stdout.write(
  JSON.stringify(
    {
      name: 'side-by-side',
      bench: [script, ...args].join(' '),
      storage: storageKind(),
      base: { rev: base, commit: baseCommit },
      head: { commit: headCommit, uncommittedChanges: dirty },
      runsPerSide: runs,
      order: 'base, head, base, head, …',
      env: envShown,
      failedRuns: perRun.filter((r) => r.error).length,
      runs: perRun,
      medians: med,
      ratioHeadToBase: ratio,
      cpuPerEvent: cpuVerdict(ratio),
      hardware: hardware(),
    },
    null,
    1,
  ) + '\n',
);
process.exit(perRun.some((r) => r.error) ? 1 : 0);
