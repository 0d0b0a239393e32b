/**
 * Models benchmark: a generated population of BENCH_PEOPLE people (default 1,000,000) whose ExperienceEvents are
 * written into a real lake (DuckDB file, the Lake's table layout, JSON records as ingestion writes them), and whose
 * outcome — a purchase in the 30 days after the cutoff — is drawn from a KNOWN model over their generated events
 * (`TRUE_MODEL` below: not the trained model's form). A conversion model is then trained and everyone scored with
 * the production code (`trainAndScore`: features and Newton sums in DuckDB, scores written through ScoreWriter
 * into a real SQLite profile store and the lake).
 *
 * Figures: training + scoring time (target ≤ 5 min for 1M people), the held-out AUC of the trained model against
 * the AUC of the true generating probabilities on the SAME held-out people (target ratio ≥ 0.95), peak RSS. The
 * baseline is the true model itself (the best any model can do on these people).
 *   BENCH_PEOPLE=50000 node --import tsx bench/models/run.ts
 * KITH_LAKE_THREADS (default 1, as the server) sets the lake's DuckDB threads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lake } from '../../src/lake/lake.js';
import { DuckDbSession } from '../../src/model/sql-session.js';
import { trainAndScore } from '../../src/model/training.js';
import { ScoreWriter } from '../../src/model/score-writer.js';
import { auc } from '../../src/model/metrics.js';
import type { Model } from '../../src/model/model-types.js';
import { checkpointInBackground, openSqlite } from '../../src/store/sqlite/open.js';
import { BackgroundCheckpointer } from '../../src/store/sqlite/checkpointer.js';
import { SqliteResourceStore } from '../../src/store/sqlite/sqlite-resource-store.js';
import { createProfileContext } from '../../src/profile/wiring.js';
import { sqliteProfileStoreAt } from '../../src/profile/testing/sqlite-profile-store-at.js';
import { InMemoryIdentityResolver } from '../../src/profile/testing/in-memory-resolver.js';
import { hardware } from '../hardware.js';
import { CUTOFF, NOW, generatePopulation } from './population.js';

const N = Number(process.env.BENCH_PEOPLE ?? 1_000_000);
const SANDBOX = 'bench';
const TABLE = 'bench_events';
const SCORES = 'model_scores';

let peakRss = 0;
const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
const sampler = setInterval(sample, 200);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kith-bench-models-'));
  const lake = await Lake.open(dir);
  const conn = await lake.connect();
  const sql = new DuckDbSession(conn);
  const table = await lake.ensureDatasetTable(SANDBOX, TABLE);
  await lake.ensureDatasetTable(SANDBOX, SCORES);
  const t0 = performance.now();

  await generatePopulation(sql, table, N);
  const events = Number((await sql.rows(`SELECT count(*)::DOUBLE AS n FROM ${table}`))[0]!.n);
  // the true model's AUC on the people the trainer holds out (the same split: a fifth by the hash of the id)
  const truth: number[] = [];
  const ys: number[] = [];
  await sql.chunks('SELECT p, y FROM truth WHERE (hash(pid) % 5) = 0', (c) => {
    for (let i = 0; i < c[0]!.length; i++) {
      truth.push(Number(c[0]![i]));
      ys.push(Number(c[1]![i]));
    }
  });
  const trueAuc = auc(truth, ys);
  const baseRate = ys.reduce((a, b) => a + b, 0) / ys.length;
  await sql.run('DROP TABLE truth');
  const generateSeconds = (performance.now() - t0) / 1000;
  sql.close();

  // ---------------------------------------------------------------------------------------------- train + score
  const clock = { now: () => NOW };
  // as on the processor thread: profile.db's WAL checkpoints run on the checkpointer thread, not in the writer's commits
  checkpointInBackground(true);
  const resources = new SqliteResourceStore(openSqlite(dir, 'control'));
  const checkpointer = await BackgroundCheckpointer.start(dir, ['profile'], 1000, ['profile']);
  const profile = createProfileContext({ store: sqliteProfileStoreAt(dir), ownsStore: true, resources, clock, identities: new InMemoryIdentityResolver() });
  const model: Model = {
    id: 'bench', name: 'Buyers', attribute: 'buyers', kind: 'conversion', namespace: 'Email', outcome: { eventType: 'commerce.purchases' },
    predictionWindowDays: 30, lookbackDays: 120, versions: 1, createdAt: NOW, updatedAt: NOW,
  };
  const session = new DuckDbSession(await lake.connect());
  const realSink = new ScoreWriter(profile.profiles, lake, { sandboxId: SANDBOX, dataset: { datasetId: 'model-scores', table: SCORES }, namespace: 'Email', attribute: 'buyers', modelId: 'bench', modelVersion: 1, scoredAt: NOW });
  let sinkMs = 0;
  // BENCH_NO_SINK=1: scores computed, not written (the cost of the profile and lake writes apart)
  const sink = {
    write: async (rows: Parameters<ScoreWriter['write']>[0]) => {
      const t = performance.now();
      if (process.env.BENCH_NO_SINK !== '1') await realSink.write(rows);
      sinkMs += performance.now() - t;
    },
  };
  const load1 = loadavg()[0]!;
  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  const r = await trainAndScore({ model, version: 1, tables: [table], sql: session, clock, sink, pause: () => new Promise((res) => setImmediate(res)) });
  const seconds = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (!r.ok) throw new Error(r.error);
  sample();
  const trainedAuc = r.value.quality.propensity!.auc;
  const out = {
    bench: 'models',
    figure: 'train + score, 1 conversion model',
    people: N,
    events,
    trainSeconds: round(seconds, 1),
    unit: 's',
    // CPU of this process (JS and DuckDB's threads) over train + score: what the figure costs whatever the machine's load
    cpuSeconds: round((cpu.user + cpu.system) / 1e6, 1),
    loadAverage: { atStart: round(load1, 1), atEnd: round(loadavg()[0]!, 1) },
    target: '≤ 300 s for 1,000,000 people; AUC ratio ≥ 0.95',
    timingsMs: { ...r.value.timings, scoreWrites: Math.round(sinkMs) },
    scored: r.value.scored,
    heldOut: r.value.quality.testPeople,
    trainedAuc: round(trainedAuc, 4),
    baseline: { what: 'the true generating model on the same held-out people', trueAuc: round(trueAuc, 4), positiveRate: round(baseRate, 4) },
    aucRatio: round(trainedAuc / trueAuc, 4),
    topDecileLift: round(r.value.quality.propensity!.deciles[0]!.lift, 2),
    topFeatures: r.value.quality.featureImportance.slice(0, 5).map((f) => `${f.feature} ${round(f.importance, 3)}`),
    peakRssMiB: Math.round(peakRss / 2 ** 20),
    generateSeconds: round(generateSeconds, 1),
    lakeThreads: process.env.KITH_LAKE_THREADS ?? '1',
    hardware: hardware(),
  };
  session.close();
  profile.close();
  await resources.close();
  await checkpointer.stop();
  await lake.close();
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify(out, null, 2));
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
