import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../store/sqlite/open.js';
import { SqliteResourceStore } from '../store/sqlite/sqlite-resource-store.js';
import type { ResourceStore } from '../store/resource-store.js';
import { ManualClock } from '../shared/clock.js';
import { SqliteIdentityStore } from './sqlite-identity-store.js';
import type { IdentityGraphStore } from './identity-store.js';
import { NamespaceService } from './namespaces.js';
import { IdentityService, type IngestItem } from './identity-service.js';
import type { IdentityRemote } from './routes.js';
import { RpcServer } from '../shared/rpc.js';

/** Test support: a real IdentityService on real SQLite files (control.db + identity.db) in a directory. */
export interface OpenedIdentity {
  svc: IdentityService;
  resources: ResourceStore;
  clock: ManualClock;
  dir: string;
  /** Writes a checkpoint and closes the files (the directory stays: reopen with openIdentity(dir)). */
  close(): Promise<void>;
  /** Closes the files and deletes the directory. */
  dispose(): Promise<void>;
  /** Closes the files without the final checkpoint: what a killed process leaves behind. */
  crash(): void;
}

/** `store` replaces identity.db (e.g. a PgIdentityStore; the caller closes what it opened). */
export function openIdentity(dir = mkdtempSync(join(tmpdir(), 'kith-identity-')), resources?: ResourceStore, store?: IdentityGraphStore): OpenedIdentity {
  const control = resources ? undefined : openSqlite(dir, 'control');
  const idDb = store ? undefined : openSqlite(dir, 'identity');
  const res = resources ?? new SqliteResourceStore(control!);
  const clock = new ManualClock();
  const svc = new IdentityService(store ?? new SqliteIdentityStore(idDb!), res, new NamespaceService(res, clock), clock);
  const crash = () => {
    idDb?.close();
    control?.close();
  };
  const close = async () => {
    await svc.checkpoint();
    crash();
  };
  return { svc, resources: res, clock, dir, close, crash, dispose: async () => (await close(), rmSync(dir, { recursive: true, force: true })) };
}

/** A record's identities written as "Namespace:value" strings. */
export function item(t: number, ids: string[], batchId = 'b1', datasetId = 'd1', recordRef = `r${t}`): IngestItem {
  return {
    eventTime: t,
    datasetId,
    batchId,
    recordRef,
    identities: ids.map((x) => {
      const i = x.indexOf(':');
      return { namespace: x.slice(0, i), id: x.slice(i + 1), primary: false };
    }),
  };
}

/** Every graph of a sandbox as sorted "Namespace:value" lists, sorted (singletons included). */
export function allGraphs(svc: IdentityService, sandboxId: string): Promise<string[][]> {
  return svc.graphs(sandboxId).then((gs) => gs.map((g) => g.map((m) => `${m.namespace}:${m.id}`).sort()).sort((a, b) => (a.join() < b.join() ? -1 : 1)));
}

/** The same-thread stand-in for the processor RPC the server uses (same typed interface). */
export function localRemote(svc: IdentityService): IdentityRemote {
  return new RpcServer<{ identity: IdentityService; namespaces: NamespaceService }>({ identity: svc, namespaces: svc.namespaces }).local();
}
