import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KithConfig } from '../config/config.js';
import { holdsData, TransferRowError } from '../store/transfer.js';
import { DUMP_FORMAT, DUMP_FORMAT_VERSION, kithVersion, readManifest, readStoreFile, verifyDump, writeManifest, writeStoreFile, type DumpStore } from './dump.js';
import type { StorageConfig } from '../runtime/storage.js';
import { holdsStoreFiles, openTransferStores, storeFiles, TRANSFER_STORES } from './transfer-stores.js';

/**
 * `kith export --out <dir>` and `kith import --in <dir> --data-dir <dir> [--database-url postgres://…]`: move a
 * deployment's state between storage kinds (an embedded data directory to PostgreSQL, or back) through a dump
 * (dump.ts). The lake (DuckDB) is not in the dump: it stays a file of the data directory and is copied.
 */
export const TRANSFER_USAGE = `  kith export --out <dir> [--database-url URL] [--force]
                                           dump the stores of the data directory (or of PostgreSQL) into <dir>
  kith import --in <dir> --data-dir <dir> [--database-url URL] [--copy-lake <from-data-dir>] [--force]
                                           load a dump into PostgreSQL (or into the data directory without URL)`;

const LAKE_FILES = ['lake.duckdb', 'lake.duckdb.wal', 'lake'];

export interface TransferIo {
  out: NodeJS.WritableStream;
  errOut: NodeJS.WritableStream;
  /** --data-dir or KITH_DATA_DIR was given (import needs the target named, not the default ./data). */
  dataDirGiven: boolean;
}

/** `kith export|import` from the command line (`argv`: all of it, to tell a given --data-dir from the default). */
export function runTransfer(
  command: 'export' | 'import',
  cfg: KithConfig,
  rest: string[],
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  streams: { out: NodeJS.WritableStream; errOut: NodeJS.WritableStream } = { out: process.stdout, errOut: process.stderr },
): Promise<number> {
  const dataDirGiven = argv.some((a) => a === '--data-dir' || a.startsWith('--data-dir=')) || !!env.KITH_DATA_DIR;
  const io = { ...streams, dataDirGiven };
  return command === 'export' ? runExport(cfg, rest, io) : runImport(cfg, rest, io);
}

interface Flags {
  values: Map<string, string>;
  force: boolean;
  unknown: string[];
}

function parseFlags(args: string[], valued: readonly string[]): Flags {
  const values = new Map<string, string>();
  const unknown: string[] = [];
  let force = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (m && m[1] === 'force' && m[2] === undefined) force = true;
    else if (m && valued.includes(m[1]!)) {
      const v = m[2] ?? args[++i];
      if (v === undefined || v === '') unknown.push(`--${m[1]} (needs a value)`);
      else values.set(m[1]!, v);
    } else unknown.push(a);
  }
  return { values, force, unknown };
}

/** The PostgreSQL URL: the flag, else the configured one. */
const databaseUrl = (cfg: KithConfig, f: Flags): string | undefined => f.values.get('database-url') ?? cfg.databaseUrl;

/** The storage the stores are read from or written to: the data directory, or PostgreSQL at `url`. */
const storageOf = (cfg: KithConfig, url: string | undefined): StorageConfig =>
  url === undefined
    ? { dataDir: cfg.dataDir }
    : { dataDir: cfg.dataDir, databaseUrl: url, databasePoolMax: cfg.databasePoolMax, ...(cfg.databaseSchema !== undefined ? { databaseSchema: cfg.databaseSchema } : {}) };

function usage(io: TransferIo, command: string, message: string): number {
  io.errOut.write(`kith ${command}: ${message}\nusage:\n${TRANSFER_USAGE}\n`);
  return 2;
}

/** What a data directory holds beside the moved stores, to copy by hand: the lake, embedded-only stores, … */
function copyAlso(dataDir: string): string[] {
  const moved = new Set(storeFiles());
  return readdirSync(dataDir)
    .filter((f) => !moved.has(f) && !/\.db-(wal|shm)$/.test(f) && !f.endsWith('.db-journal'))
    .sort();
}

export async function runExport(cfg: KithConfig, args: string[], io: TransferIo): Promise<number> {
  const f = parseFlags(args, ['out', 'database-url']);
  if (f.unknown.length > 0) return usage(io, 'export', `unexpected ${f.unknown.join(' ')}`);
  const outArg = f.values.get('out');
  if (!outArg) return usage(io, 'export', '--out <dir> is required');
  const out = resolve(outArg);
  const url = databaseUrl(cfg, f);
  if (!url && !holdsStoreFiles(cfg.dataDir)) return usage(io, 'export', `${cfg.dataDir} is not a Kith data directory (none of ${storeFiles().join(', ')})`);
  if (existsSync(out) && readdirSync(out).length > 0) {
    if (!f.force) return usage(io, 'export', `${out} is not empty (--force writes into it anyway)`);
    if (existsSync(join(out, 'manifest.json'))) return usage(io, 'export', `${out} already holds a dump; remove it first`);
  }
  mkdirSync(out, { recursive: true });
  const opened = await openTransferStores(storageOf(cfg, url));
  const from = url ? 'postgres' : 'sqlite';
  const written: DumpStore[] = [];
  try {
    for (const s of opened.stores) {
      const d = await writeStoreFile(out, s.transferName, s.exportRows());
      written.push(d);
      io.out.write(`${d.name.padEnd(16)} ${String(d.rows).padStart(10)} rows\n`);
    }
  } finally {
    await opened.close();
  }
  const also = from === 'sqlite' ? copyAlso(cfg.dataDir) : [];
  await writeManifest(out, { format: DUMP_FORMAT, formatVersion: DUMP_FORMAT_VERSION, kithVersion: kithVersion(), createdAt: new Date().toISOString(), from, stores: written, copyAlso: also });
  io.out.write(`dump written to ${out}\n`);
  if (also.length > 0) io.out.write(`not in the dump (copy into the target data directory): ${also.join(', ')}\n`);
  return 0;
}

export async function runImport(cfg: KithConfig, args: string[], io: TransferIo): Promise<number> {
  const f = parseFlags(args, ['in', 'database-url', 'copy-lake']);
  if (f.unknown.length > 0) return usage(io, 'import', `unexpected ${f.unknown.join(' ')}`);
  const inArg = f.values.get('in');
  if (!inArg) return usage(io, 'import', '--in <dir> is required');
  if (!io.dataDirGiven) return usage(io, 'import', '--data-dir <dir> is required: the target data directory (the lake stays in one)');
  const dir = resolve(inArg);
  const manifest = readManifest(dir, TRANSFER_STORES.map((e) => e.name));
  if (!manifest.ok) return usage(io, 'import', manifest.error);
  const lakeFrom = f.values.get('copy-lake');
  if (lakeFrom !== undefined) {
    const lake = checkLakeCopy(resolve(lakeFrom), cfg.dataDir, f.force);
    if (lake) return usage(io, 'import', lake);
  }
  const verified = await verifyDump(dir, manifest.value);
  if (!verified.ok) return usage(io, 'import', verified.error);
  const url = databaseUrl(cfg, f);
  mkdirSync(cfg.dataDir, { recursive: true });
  const opened = await openTransferStores(storageOf(cfg, url));
  try {
    const byName = new Map(opened.stores.map((s) => [s.transferName, s]));
    const holding: string[] = [];
    for (const s of manifest.value.stores) if (await holdsData(byName.get(s.name)!)) holding.push(s.name);
    if (holding.length > 0 && !f.force)
      return usage(io, 'import', `the target already holds data (${holding.join(', ')}); --force imports over it (rows with the same keys are replaced)`);
    for (const s of manifest.value.stores) {
      const store = byName.get(s.name)!;
      let rows = 0;
      for await (const b of readStoreFile(dir, s)) {
        if (!b.ok) return usage(io, 'import', b.error);
        await store.importRows(b.value);
        rows += b.value.length;
      }
      io.out.write(`${s.name.padEnd(16)} ${String(rows).padStart(10)} rows\n`);
    }
  } catch (e) {
    if (e instanceof TransferRowError) return usage(io, 'import', `${e.message} (the stores before it are imported; fix the dump and import again with --force)`);
    throw e;
  } finally {
    await opened.close();
  }
  io.out.write(`imported into ${url ? 'PostgreSQL' : cfg.dataDir}\n`);
  const rest = manifest.value.copyAlso.filter((x) => lakeFrom === undefined || !LAKE_FILES.includes(x));
  if (lakeFrom !== undefined) {
    for (const x of LAKE_FILES) if (existsSync(join(lakeFrom, x))) cpSync(join(lakeFrom, x), join(cfg.dataDir, x), { recursive: true, force: true });
    io.out.write(`lake copied from ${resolve(lakeFrom)}\n`);
  }
  if (rest.length > 0) io.out.write(`copy from the exported data directory into ${cfg.dataDir}: ${rest.join(', ')}${lakeFrom === undefined ? ' (or give --copy-lake <from-data-dir> for the lake)' : ''}\n`);
  return 0;
}

/** Why the lake cannot be copied from `from` into `to` (undefined when it can). */
function checkLakeCopy(from: string, to: string, force: boolean): string | undefined {
  if (!existsSync(join(from, 'lake.duckdb'))) return `--copy-lake: ${from} holds no lake (lake.duckdb)`;
  if (from === resolve(to)) return '--copy-lake: the lake is already in the target data directory';
  if (!force && LAKE_FILES.some((x) => existsSync(join(to, x)))) return `${to} already has a lake; --force replaces it`;
  return undefined;
}
