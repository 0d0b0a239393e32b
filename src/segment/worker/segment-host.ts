import { Worker } from 'node:worker_threads';
import type { ProfileChange } from '../../profile/profile-service.js';
import type { IdentityRef, IdentityResolver } from '../../profile/identity-resolver.js';
import type { AudienceEventLake } from '../wiring.js';
import { SegmentDbMembershipRows, StoreMembershipSource } from '../membership-view.js';
import type { ExportTarget } from '../audience-service.js';
import { RestartSchedule } from '../../shared/restart-schedule.js';
import type { ForwardedChange, ForwardedView, FromSegmentWorker, HostMethod, ToSegmentWorker } from './protocol.js';

export interface SegmentHostDeps {
  dataDir: string;
  /** The graph owner's resolver (the processor thread's identity service). */
  identities: IdentityResolver;
  lake: AudienceEventLake;
  exportTarget: ExportTarget;
  onError: (message: string) => void;
}

/**
 * The processor thread's side of the segmentation worker: it forwards profile changes, each with the graph view
 * of its identity resolved here (where the graph lives), answers the worker's questions (graph, lake), and relays
 * `segments.*` calls.
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
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;
  private stopping = false;
  /** Sandboxes the worker reported without definitions: their changes are not forwarded. */
  private readonly empty = new Set<string>();

  private worker!: Worker;
  /** Replaces a crashed worker (calls wait for it). */
  private readonly restarts = new RestartSchedule();

  private constructor(private readonly d: SegmentHostDeps) {}

  static async start(d: SegmentHostDeps): Promise<SegmentHost> {
    const host = new SegmentHost(d);
    await host.spawn();
    // segment.db exists once the worker is ready
    host.rows = new SegmentDbMembershipRows(d.dataDir);
    host.memberships = new StoreMembershipSource(host.rows);
    return host;
  }

  private rows!: SegmentDbMembershipRows;
  /** The memberships the worker committed, read on this thread (what the profile shows as `segmentMembership`). */
  memberships!: StoreMembershipSource;

  /**
   * Starts a worker. One that exits unexpectedly (an uncaught error, out of memory) is replaced after a pause that
   * doubles with each crash in a row (0.5 s up to 30 s): the new one finds segment.db not closed and re-evaluates
   * every profile of sandboxes with definitions (see createSegmentContext), so changes forwarded to the dead one
   * are not lost.
   */
  private spawn(): Promise<void> {
    const worker = new Worker(new URL('./segment-worker-boot.mjs', import.meta.url), {
      workerData: { dataDir: this.d.dataDir },
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
        for (const p of this.pending.values()) p.reject(new Error('segmentation worker exited'));
        this.pending.clear();
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

  /** Resolves once at most `limit` forwarded changes wait in the worker (back-pressure for the processor). */
  async caughtUp(limit: number): Promise<void> {
    await this.flush();
    while (!this.exited && this.sent - this.received + this.backlog > limit) await new Promise<void>((r) => this.waiters.push(r));
  }

  /** Calls a segmentation service method in the worker (`segments.drain`, `segments.createDefinition`, …). */
  async call(method: string, args: unknown[]): Promise<unknown> {
    await this.settled(); // a call made while a crashed worker is replaced goes to the new one
    await this.flush(); // a call sees every change made before it
    return this.rpc(method, args);
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
      await this.rpc('stop', []).catch(() => undefined);
      await new Promise<void>((r) => (this.exited ? r() : this.worker.once('exit', () => r())));
    }
    this.rows.close();
  }

  private rpc(method: string, args: unknown[]): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error('segmentation worker is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ type: 'call', id, method, args });
    });
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
      case 'reply': {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.ok) p?.resolve(m.value);
        else p?.reject(new Error(m.error));
        return;
      }
      case 'call':
        this.answer(m.method as HostMethod, m.args).then(
          (value) => this.send({ type: 'reply', id: m.id, ok: true, value }),
          (e) => this.send({ type: 'reply', id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
        );
    }
  }

  private async answer(method: HostMethod, a: unknown[]): Promise<unknown> {
    const s = (i: number) => a[i] as string;
    switch (method) {
      case 'activate':
        // a definition was created: forward this sandbox's changes again (the worker backfills after this reply,
        // so every change skipped before is already in the profile store it reads)
        this.empty.delete(s(0));
        return true;
      case 'graphOf':
        return this.d.identities.graphOf(s(0), a[1] as IdentityRef);
      case 'xidOf':
        return this.d.identities.xidOf(s(0), a[1] as IdentityRef);
      case 'resolveXid':
        return this.d.identities.resolveXid(s(0), s(1));
      case 'namespacePriority':
        return (await this.d.identities.namespacePriority?.(s(0))) ?? undefined;
      case 'lake.progress':
        return this.d.lake.progress(s(0));
      case 'lake.write':
        return this.d.lake.write(s(0), a[1] as number, a[2] as Parameters<AudienceEventLake['write']>[2]);
      case 'export.tableOf':
        return this.d.exportTarget.tableOf(s(0), s(1));
      case 'export.append':
        return this.d.exportTarget.append(s(0), s(1), s(2), a[3] as Parameters<ExportTarget['append']>[3]);
    }
  }
}
