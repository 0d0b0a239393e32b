import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { err, ok, type Result } from '../shared/result.js';

/**
 * A dump of a Kith deployment's stores (`kith export`): one NDJSON file per store, each line a JSON array of rows
 * (one exported batch), and manifest.json, written last, so a dump cut short has none and is refused.
 */
export const DUMP_FORMAT = 'kith-dump';
export const DUMP_FORMAT_VERSION = 1;

export interface DumpStore {
  name: string;
  file: string;
  rows: number;
  batches: number;
}

export interface Manifest {
  format: typeof DUMP_FORMAT;
  formatVersion: number;
  kithVersion: string;
  createdAt: string;
  /** Where the rows came from: 'sqlite' (a data directory) or 'postgres'. */
  from: string;
  stores: DumpStore[];
  /** What the dump does not hold and must be copied by hand (the lake, embedded-only stores, credentials.json). */
  copyAlso: string[];
}

export function kithVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Writes one store's batches to `<dir>/<name>.ndjson`; its entry in the manifest. */
export async function writeStoreFile(dir: string, name: string, batches: AsyncIterable<readonly unknown[]>): Promise<DumpStore> {
  const file = `${name}.ndjson`;
  const fh = await open(join(dir, file), 'wx');
  let rows = 0;
  let n = 0;
  try {
    for await (const batch of batches) {
      if (batch.length === 0) continue;
      await fh.write(`${JSON.stringify(batch)}\n`);
      rows += batch.length;
      n++;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { name, file, rows, batches: n };
}

export async function writeManifest(dir: string, m: Manifest): Promise<void> {
  const fh = await open(join(dir, 'manifest.json'), 'wx');
  try {
    await fh.write(`${JSON.stringify(m, null, 2)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The dump's manifest, checked: this format and version, this Kith version, stores this build knows. */
export function readManifest(dir: string, knownStores: readonly string[]): Result<Manifest, string> {
  const path = join(dir, 'manifest.json');
  if (!existsSync(dir)) return err(`no such folder ${dir}`);
  if (!existsSync(path)) return err(`${dir} holds no manifest.json: not a Kith dump, or an export that did not finish`);
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as Partial<Manifest>;
  } catch (e) {
    return err(`${path} is not valid JSON (${(e as Error).message})`);
  }
  if (m?.format !== DUMP_FORMAT || !Array.isArray(m.stores)) return err(`${path} is not a Kith dump manifest`);
  if (m.formatVersion !== DUMP_FORMAT_VERSION) return err(`the dump has format version ${String(m.formatVersion)}; this Kith reads version ${DUMP_FORMAT_VERSION}`);
  const mine = kithVersion();
  if (m.kithVersion !== mine) return err(`the dump was made by Kith ${String(m.kithVersion)}; this is Kith ${mine}: import it with the version that made it`);
  for (const s of m.stores) {
    if (typeof s?.name !== 'string' || typeof s.file !== 'string' || !Number.isSafeInteger(s.rows)) return err(`${path}: a store entry is malformed: ${JSON.stringify(s)}`);
    if (!knownStores.includes(s.name)) return err(`the dump holds store "${s.name}", which this Kith does not know (known: ${knownStores.join(', ')})`);
    if (s.file !== `${s.name}.ndjson` || !existsSync(join(dir, s.file))) return err(`the dump lacks ${s.name}.ndjson`);
  }
  return ok({ ...m, copyAlso: Array.isArray(m.copyAlso) ? m.copyAlso : [] } as Manifest);
}

/** The batches of a store file, in order; a line that is not a JSON array is an error naming file and line. */
export async function* readStoreFile(dir: string, s: DumpStore): AsyncIterable<Result<unknown[], string>> {
  const input = createReadStream(join(dir, s.file), 'utf8');
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let batch: unknown;
    try {
      batch = JSON.parse(line);
    } catch (e) {
      yield err(`${s.file} line ${n}: not JSON (${(e as Error).message})`);
      return;
    }
    if (!Array.isArray(batch)) {
      yield err(`${s.file} line ${n}: not a batch of rows (a JSON array)`);
      return;
    }
    yield ok(batch);
  }
  } finally {
    input.destroy();
  }
}

/** Reads every store file through once: every line parses and the row counts are the manifest's. */
export async function verifyDump(dir: string, m: Manifest): Promise<Result<void, string>> {
  for (const s of m.stores) {
    let rows = 0;
    for await (const b of readStoreFile(dir, s)) {
      if (!b.ok) return b;
      rows += b.value.length;
    }
    if (rows !== s.rows) return err(`${s.file} holds ${rows} rows, the manifest says ${s.rows}: the dump is incomplete or altered`);
  }
  return ok(undefined);
}
