import { Worker } from 'node:worker_threads';
import { threadEntries } from '../../runtime/thread-entries.js';
import type { ProfileChange } from '../../profile/profile-service.js';
import { DEFAULT_NAMESPACE_PRIORITY, type IdentityRef, type IdentityResolver } from '../../profile/identity-resolver.js';
import { RpcClient, RpcServer, type Remote } from '../../shared/rpc.js';
import type { AudienceEventLake } from '../wiring.js';
import { ReaderMembershipSource, type MembershipReader } from '../membership-view.js';
import type { ExportTarget } from '../audience-service.js';
import { RestartSchedule } from '../../shared/restart-schedule.js';
import type { StorageConfig } from '../../runtime/storage.js';
import type { ForwardedChange, ForwardedView, FromSegmentWorker, SegmentHostServiceMap, SegmentWorkerServiceMap, ToSegmentWorker } from './protocol.js';

export interface SegmentHostDeps {
  dataDir: string;
  /** Where the worker opens its stores (runtime/storage.ts); default: SQLite files in dataDir. */
  storage?: StorageConfig;
  /** The graph owner's resolver (the processor thread's identity service). */
  identities: IdentityResolver;
  lake: AudienceEventLake;
  exportTarget: ExportTarget;
  onError: (message: string) => void;
  /** Committed memberships, read on this thread for profile lookups (the processor's read port of segment.db). */
  memberships: MembershipReader;
}

/**
 * The processor thread's side of the segmentation worker: it forwards profile changes, each with the graph view
 * of its identity resolved here (where the graph lives), answers the worker's questions (graph, lake), and relays
 * `segments.*` calls (`remote.segments`).
 *
 * Ordering guarantee: changes are forwarded in the order the profile service emitted them, after the transaction
 * that made them committed (the listener only buffers; the buffer is sent from a later task or by `flush()`, which
 * the pipeline calls after each chunk's profile step); one port carries them, so the worker sees that order.
 */
export class SegmentHost {
  private readonly buffer: ProfileChange[] = [];
  private scheduled = false;
  private sending: Promise<void> = Promise.resolve();
  private sent = 0;
  private received = 0;
  private backlog = 0;
  private waiters: Array<() => void> = [];
  private exited = false;
  private stopping = false;
  /** Sandboxes the worker reported without definitions: their changes are not forwarded. */
  private readonly empty = new Set<string>();

  private worker!: Worker;
  /** Replaces a crashed worker (calls wait for it). */
  private readonly restarts = new RestartSchedule();

  /** Calls into the worker: each waits for a restarting worker, then sees every change forwarded before it. */
  private readonly client = new RpcClient<SegmentWorkerServiceMap>((m) => this.worker.postMessage(m), {
    peer: 'segmentation worker',
    before: async (service) => {
      if (service !== 'worker' && service !== 'metrics') {
        await this.settled(); // a call made while a crashed worker is replaced goes to the new one
        await this.flush(); // a call sees every change made before it
      }
      if (this.exited) throw new Error('segmentation worker is not running');
    },
  });
  /** The worker's services (`remote.segments.drain()`, `remote.segments.createDefinition(…)`, …). */
  readonly remote: Remote<SegmentWorkerServiceMap> = this.client.remote;
  /** The worker's questions (the graph and the lake live on this thread). */
  private readonly server: RpcServer<SegmentHostServiceMap>;

  private constructor(private readonly d: SegmentHostDeps) {
    this.server = new RpcServer<SegmentHostServiceMap>({
      host: {
        // a definition was created: forward this sandbox's changes again (the worker backfills after this reply,
        // so every change skipped before is already in the profile store it reads)
        activate: (sandboxId) => {
          this.empty.delete(sandboxId);
          return true;
        },
      },
      identities: {
        graphOf: (sb, ref) => d.identities.graphOf(sb, ref),
        xidOf: (sb, ref) => d.identities.xidOf(sb, ref),
        resolveXid: (sb, xid) => d.identities.resolveXid(sb, xid),
        namespacePriority: async (sb) => (await d.identities.namespacePriority?.(sb)) ?? DEFAULT_NAMESPACE_PRIORITY,
      },
      lake: d.lake,
      export: d.exportTarget,
    });
  }

  static async start(d: SegmentHostDeps): Promise<SegmentHost> {
    const host = new SegmentHost(d);
    await host.spawn();
    host.memberships = new ReaderMembershipSource(d.memberships);
    return host;
  }

  /** The memberships the worker committed, read on this thread (what the profile shows as `segmentMembership`). */
  memberships!: ReaderMembershipSource;

  /**
   * Starts a worker. One that exits unexpectedly (an uncaught error, out of memory) is replaced after a pause that
   * doubles with each crash in a row (0.5 s up to 30 s): the new one finds segment.db not closed and re-evaluates
   * every profile of sandboxes with definitions (see createSegmentContext), so changes forwarded to the dead one
   * are not lost.
   */
  private spawn(): Promise<void> {
    const worker = new Worker(threadEntries.segmentation, {
      workerData: { dataDir: this.d.dataDir, storage: this.d.storage ?? { dataDir: this.d.dataDir } },
      resourceLimits: { maxYoungGenerationSizeMb: Number(process.env.KITH_PROCESSOR_YOUNG_GEN_MB ?? 64) },
    });
    this.worker = worker;
    this.exited = false;
    this.restarts.started();
    // a new worker has nothing queued and knows of no sandbox without definitions yet
    this.sent = this.received = this.backlog = 0;
    this.empty.clear();
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromSegmentWorker) => {
        if (m.type === 'ready') {
          ready = true;
          resolve();
        } else this.onMessage(m);
      });
      worker.on('error', (e) => {
        this.d.onError(e.stack ?? e.message);
        reject(e);
      });
      worker.on('exit', (code) => {
        this.exited = true;
        this.client.rejectAll('segmentation worker exited');
        this.wake();
        reject(new Error(`segmentation worker exited (code ${code}) before it was ready`));
        if (this.stopping || !ready) return; // one that never started is the starter's error to report
        const pause = this.restarts.crashed(() => this.spawn(), (e) => this.d.onError(e instanceof Error ? e.message : String(e)));
        this.d.onError(`segmentation worker exited (code ${code}); restarting it in ${pause} ms (it re-evaluates every profile)`);
      });
    });
  }

  /** Makes the worker throw an error nothing catches (tests of the restart). */
  injectFault(): void {
    this.send({ type: 'fault' });
  }

  /** Ends the worker abruptly, as a crash would (tests of the restart). */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  /** Resolves once a replacement worker (if one is being started) is ready. */
  settled(): Promise<void> {
    return this.restarts.settled();
  }

  /** The profile service's change hook: buffers (cheap, synchronous). */
  readonly onProfileChange = (c: ProfileChange): void => {
    if (this.empty.has(c.sandboxId)) return;
    this.buffer.push(c);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  };

  /** Sends the buffered changes with their graph views; resolves once they are posted. */
  flush(): Promise<void> {
    this.scheduled = false;
    if (this.buffer.length === 0) return this.sending;
    const batch = this.buffer.splice(0, this.buffer.length);
    const next = this.sending.then(async () => {
      const items: ForwardedChange[] = [];
      for (const change of batch) {
        try {
          items.push({ change, view: await this.viewOf(change) });
        } catch (e) {
          this.d.onError(e instanceof Error ? (e.stack ?? e.message) : String(e));
          items.push({ change });
        }
      }
      this.sent += items.length;
      this.send({ type: 'changes', items });
    });
    this.sending = next.catch(() => undefined);
    return next;
  }

  private async viewOf(c: ProfileChange): Promise<ForwardedView | undefined> {
    const ref: IdentityRef | undefined = c.identity ?? (c.kind === 'graph' && c.xid ? await this.d.identities.resolveXid(c.sandboxId, c.xid) : undefined);
    if (!ref) return undefined;
    const graph = await this.d.identities.graphOf(c.sandboxId, ref);
    const lower = ref.namespace.toLowerCase();
    const xid = graph?.members.find((m) => m.namespace.toLowerCase() === lower && m.id === ref.id)?.xid ?? (await this.d.identities.xidOf(c.sandboxId, ref));
    return { sandboxId: c.sandboxId, ref, xid, members: graph?.members };
  }

  /** Changes forwarded and not evaluated yet (the segmentation lag). */
  pending(): number {
    return this.sent - this.received + this.backlog;
  }

  /** Resolves once at most `limit` forwarded changes wait in the worker (back-pressure for the processor). */
  async caughtUp(limit: number): Promise<void> {
    await this.flush();
    while (!this.exited && this.sent - this.received + this.backlog > limit) await new Promise<void>((r) => this.waiters.push(r));
  }

  /** Merge policies or computed attributes changed here: the worker's cached copies are stale. */
  profileConfigChanged(): void {
    this.send({ type: 'profile-config' });
  }

  async close(): Promise<void> {
    this.stopping = true;
    this.restarts.cancel();
    await this.restarts.settled();
    if (!this.exited) {
      await this.flush();
      await this.remote.worker.stop().catch(() => undefined);
      await new Promise<void>((r) => (this.exited ? r() : this.worker.once('exit', () => r())));
    }
  }

  private send(m: ToSegmentWorker): void {
    if (!this.exited) this.worker.postMessage(m);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  private onMessage(m: Exclude<FromSegmentWorker, { type: 'ready' }>): void {
    switch (m.type) {
      case 'progress':
        this.received = m.received;
        this.backlog = m.backlog;
        this.wake();
        return;
      case 'error':
        this.d.onError(m.message);
        return;
      case 'empty':
        for (const sb of m.sandboxIds) this.empty.add(sb);
        return;
      case 'rpc-reply':
        this.client.receive(m);
        return;
      case 'rpc-call':
        // answer() replies with an error instead of rejecting
        void this.server.answer(m, (r) => this.send(r));
    }
  }
}
