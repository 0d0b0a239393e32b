import type { Clock } from '../../shared/clock.js';
import { Serial } from '../../shared/serial.js';
import { rejectionKey, type GatewayRejection, type GatewayRejectionStore, type RejectionQuery, type RejectionRow } from './rejection-store.js';

/** How long refusals gather in memory before one write (a flood of bad requests costs one statement per interval). */
const FLUSH_MS = 250;
/** Distinct keys gathered before a write is forced (bounds the memory a flood of made-up client ids can take). */
const MAX_PENDING_KEYS = 1000;

/**
 * The gateway's side of the rejections log: every refused request is counted in memory by key and written to the
 * store within FLUSH_MS (or at once when MAX_PENDING_KEYS keys wait), so the refusal path never waits for a disk
 * write. Reads write what is pending first, so a refusal is visible as soon as its response is sent.
 */
export class RejectionRecorder {
  private pending = new Map<string, GatewayRejection & { count: number; at: number }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly serial = new Serial();
  private closed = false;

  constructor(
    private readonly store: GatewayRejectionStore,
    private readonly clock: Clock,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** The gateway refused a request (synchronous: counted now, written soon). */
  note(r: GatewayRejection): void {
    if (this.closed) return;
    const k = rejectionKey(r);
    const cur = this.pending.get(k);
    const at = this.clock.now();
    if (cur) Object.assign(cur, { count: cur.count + 1, at, detail: r.detail, errorCode: r.errorCode });
    else this.pending.set(k, { ...r, count: 1, at });
    if (this.pending.size >= MAX_PENDING_KEYS) void this.flush().catch(this.onError);
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush().catch(this.onError), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes what is pending. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const items = [...this.pending.values()];
    this.pending = new Map();
    return this.serial.run(() => (items.length > 0 ? this.store.record(items) : Promise.resolve()));
  }

  async list(q: RejectionQuery): Promise<RejectionRow[]> {
    await this.flush();
    return this.store.list(q);
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }
}
