/**
 * bench/query/generate: a Kith data directory holding N generated ExperienceEvents (default 10,000,000) and a profile
 * dataset (one record per person, default 100,000 people), for the Query Service benchmark.
 *  1. A real `kith start` (child process) creates the schemas (real XDM field groups), the two datasets and a
 *     streaming inlet through the public API, and ingests one seed event and one seed profile record through
 *     /collection, so the lake itself creates both raw tables (`s_<sandbox>.<table>`); then it stops.
 *  2. A separate DuckDB instance (Kith is down: one instance per file) fills those raw tables with SQL
 *     (`json_object` over `range`, bench/query/event-sql.ts), a million events per statement.
 * A third dataset (same schema, empty) takes the benchmark's ingestion phase, so runs leave the queried data as is.
 * The directory is reusable: `<dataDir>/bench-query.json` marks it complete; an existing one is used as is.
 *   node --import tsx bench/query/generate.ts [--events N] [--people N] [--data-dir DIR]
 * Default directory: `$TMPDIR/kith-bench-query-<events>` (the bench may delete and regenerate it; a directory you
 * name is never deleted: give a missing or empty one).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { api, lakeCaughtUp, startKithChild } from './kith-child.js';
import { eventsInsertSql, profilesInsertSql } from './event-sql.js';

const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const XED_FULL = 'application/vnd.adobe.xed-full+json;version=1';
const MARKER = 'bench-query.json';
const CHUNK = 1_000_000;

export interface BenchData {
  version: 1;
  dataDir: string;
  events: number;
  people: number;
  /** The lake's DuckDB schema of the `prod` sandbox (`s_<sandbox id>`). */
  sandboxSchema: string;
  eventsTable: string;
  profilesTable: string;
  eventSchemaId: string;
  eventDatasetId: string;
  profileDatasetId: string;
  /** Where the ingestion phase streams (same schema as the events): runs leave the queried tables as generated. */
  liveDatasetId: string;
  inletId: string;
  /** Full XDM schemas (properties resolved), for the bench-made typed tables. */
  eventSchema: Record<string, unknown>;
  profileSchema: Record<string, unknown>;
  /** Wall-clock seconds: Kith setup, events, profiles; and the events' seconds per million (extrapolation). */
  generation: { setupSeconds: number; eventsSeconds: number; profilesSeconds: number; secondsPerMillionEvents: number; threads: number };
  createdAt: string;
}

export interface GenerateOptions {
  events: number;
  people: number;
  dataDir?: string;
  /** The lake's DuckDB threads for the Kith run during setup (the bench's KITH_LAKE_THREADS). */
  lakeThreads: number;
  log?: (line: string) => void;
}

export const defaultDataDir = (events: number) => join(os.tmpdir(), `kith-bench-query-${events}`);

/** Reads the marker of a complete data directory, or undefined. */
export function readBenchData(dataDir: string): BenchData | undefined {
  const f = join(dataDir, MARKER);
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, 'utf8')) as BenchData;
}

/** The data directory for `opts`: the existing one when complete and of the same size, else generated. */
export async function ensureData(opts: GenerateOptions): Promise<{ data: BenchData; generated: boolean }> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const named = opts.dataDir !== undefined;
  const dataDir = opts.dataDir ?? defaultDataDir(opts.events);
  const have = readBenchData(dataDir);
  if (have && have.events === opts.events && have.people === opts.people) return { data: have, generated: false };
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    if (named) throw new Error(`${dataDir} is not a complete bench-query data directory for ${opts.events} events and ${opts.people} people (${have ? `it has ${have.events} and ${have.people}` : `no ${MARKER}`}): give a missing or empty directory`);
    log(`query bench: ${dataDir} is incomplete or of another size: regenerating`);
    rmSync(dataDir, { recursive: true, force: true });
  }
  mkdirSync(dataDir, { recursive: true });
  return { data: await generate(dataDir, opts, log), generated: true };
}

async function generate(dataDir: string, opts: GenerateOptions, log: (l: string) => void): Promise<BenchData> {
  const t0 = performance.now();
  const k = await startKithChild(dataDir, { lakeThreads: opts.lakeThreads });
  let setup: Omit<BenchData, 'version' | 'dataDir' | 'events' | 'people' | 'sandboxSchema' | 'generation' | 'createdAt'>;
  try {
    const schema = async (title: string, cls: string, groups: string[]) =>
      (await api(k, 'POST', '/data/foundation/schemaregistry/tenant/schemas', { type: 'object', title, allOf: [{ $ref: cls }, ...groups.map((g) => ({ $ref: FG(g) }))], 'meta:immutableTags': ['union'] })).$id as string;
    const eventSchemaId = await schema('Query bench events', FG('experienceevent'), ['identitymap', 'experienceevent-commerce', 'experienceevent-web', 'experienceevent-environment-details']);
    const profileSchemaId = await schema('Query bench customers', FG('profile'), ['identitymap', 'profile-person-details', 'profile-personal-details', 'profile-loyalty-details']);
    // not Profile-enabled: the bench measures the lake and the Query Service, not the profile store
    const dataset = async (name: string, schemaId: string) => String((await api(k, 'POST', '/data/foundation/catalog/dataSets', { name, schemaRef: { id: schemaId, contentType: XED_FULL } }))[0]).replace('@/dataSets/', '');
    const eventDatasetId = await dataset('Query bench events', eventSchemaId);
    const profileDatasetId = await dataset('Query bench customers', profileSchemaId);
    const liveDatasetId = await dataset('Query bench live events', eventSchemaId);
    const conn = await api(k, 'POST', '/data/foundation/flowservice/connections', { name: 'query bench', connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' }, auth: { specName: 'Streaming Connection', params: { dataType: 'xdm', authenticationRequired: false } } });
    const inletId = (await api(k, 'GET', `/data/foundation/flowservice/connections/${conn.id}`)).items[0].auth.params.inletId as string;
    const envelope = (schemaId: string, datasetId: string, entity: unknown) => ({ header: { schemaRef: { id: schemaId, contentType: XED_FULL }, datasetId, source: { name: 'query bench' } }, body: { xdmMeta: { schemaRef: { id: schemaId } }, xdmEntity: entity } });
    await api(k, 'POST', `/collection/${inletId}`, envelope(eventSchemaId, eventDatasetId, { _id: 'seed-event', timestamp: '2026-09-01T00:00:00Z', eventType: 'web.webpagedetails.pageViews', identityMap: { Email: [{ id: 'seed@example.com', primary: true }] }, web: { webPageDetails: { name: 'seed', pageViews: { value: 1 } } } }));
    await api(k, 'POST', `/collection/${inletId}`, envelope(profileSchemaId, profileDatasetId, { _id: 'seed-profile', identityMap: { Email: [{ id: 'seed@example.com', primary: true }] }, personalEmail: { address: 'seed@example.com' }, loyalty: { tier: 'bronze', points: 0 } }));
    await lakeCaughtUp(k);
    const table = async (id: string) => (await api(k, 'GET', `/data/foundation/catalog/dataSets/${id}`))[id].tags['adobe/pqs/table'][0] as string;
    const full = async (id: string) => api(k, 'GET', `/data/foundation/schemaregistry/tenant/schemas/${encodeURIComponent(id)}`, undefined, XED_FULL) as Promise<Record<string, unknown>>;
    setup = { eventsTable: await table(eventDatasetId), profilesTable: await table(profileDatasetId), eventSchemaId, eventDatasetId, profileDatasetId, liveDatasetId, inletId, eventSchema: await full(eventSchemaId), profileSchema: await full(profileSchemaId) };
  } finally {
    await k.stop();
  }
  const setupSeconds = (performance.now() - t0) / 1000;
  log(`query bench: Kith setup done in ${setupSeconds.toFixed(1)} s (tables ${setup.eventsTable}, ${setup.profilesTable})`);

  const threads = os.cpus().length;
  const instance = await DuckDBInstance.create(join(dataDir, 'lake.duckdb'), { threads: String(threads) });
  const conn = await instance.connect();
  try {
    // the sandbox's schema is where the lake put the seed rows
    const found = (await conn.runAndReadAll(`SELECT table_schema FROM information_schema.tables WHERE table_name = $1 AND table_schema LIKE 's\\_%' ESCAPE '\\'`, [setup.eventsTable])).getRows();
    if (found.length !== 1) throw new Error(`expected the lake table ${setup.eventsTable} in one sandbox schema, found ${found.length}`);
    const sandboxSchema = String(found[0]![0]);
    const seedTs = (await conn.runAndReadAll(`SELECT "timestamp" IS NULL FROM ${sandboxSchema}.${setup.profilesTable} LIMIT 1`)).getRows()[0]?.[0];
    const t1 = performance.now();
    // `range` is a single-threaded source: one INSERT per connection and core, appends of different connections run
    // side by side (about twice as fast on 2 cores)
    let next = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: threads }, async () => {
        const c = await instance.connect();
        try {
          while (next < opts.events) {
            const from = next;
            const n = Math.min(CHUNK, opts.events - from);
            next += n;
            await c.run(eventsInsertSql(`${sandboxSchema}.${setup.eventsTable}`, from, n, opts.events, opts.people));
            done += n;
            const s = (performance.now() - t1) / 1000;
            log(`query bench: ${done} / ${opts.events} events in ${s.toFixed(0)} s (about ${(((opts.events - done) / done) * s).toFixed(0)} s to go)`);
          }
        } finally {
          c.closeSync();
        }
      }),
    );
    const eventsSeconds = (performance.now() - t1) / 1000;
    const t2 = performance.now();
    // profile records carry no event time when the lake gave the seed none
    await conn.run(profilesInsertSql(`${sandboxSchema}.${setup.profilesTable}`, opts.people, seedTs === true ? 'NULL::TIMESTAMPTZ' : `TIMESTAMPTZ '2026-08-31 00:00:00+00'`));
    await conn.run('CHECKPOINT');
    const profilesSeconds = (performance.now() - t2) / 1000;
    const data: BenchData = {
      version: 1,
      dataDir,
      events: opts.events,
      people: opts.people,
      sandboxSchema,
      ...setup,
      generation: {
        setupSeconds: round1(setupSeconds),
        eventsSeconds: round1(eventsSeconds),
        profilesSeconds: round1(profilesSeconds),
        secondsPerMillionEvents: round1(eventsSeconds / (opts.events / 1e6)),
        threads,
      },
      createdAt: new Date().toISOString(),
    };
    writeFileSync(join(dataDir, MARKER), JSON.stringify(data, null, 1));
    return data;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const round1 = (n: number) => Number(n.toFixed(1));

/** `--name value` of argv, as a number or string. */
export function argOf(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const events = Number(argOf(argv, 'events') ?? 10_000_000);
  const people = Number(argOf(argv, 'people') ?? 100_000);
  const lakeThreads = Number(process.env.KITH_LAKE_THREADS ?? 1);
  const { data, generated } = await ensureData({ events, people, dataDir: argOf(argv, 'data-dir'), lakeThreads });
  const { eventSchema: _e, profileSchema: _p, ...summary } = data;
  console.log(JSON.stringify({ generated, ...summary }, null, 1));
}
