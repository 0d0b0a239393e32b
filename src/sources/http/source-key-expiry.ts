import type { Clock } from '../../shared/clock.js';
import type { SourceStateStore } from './source-state-store.js';

/**
 * Deletes the source endpoints' expired dedupe keys (Segment messageIds, Shopify deliveries), which would otherwise
 * stay forever: a pass deletes in bounded steps (`stepKeys`, by the expiry index), yielding the thread between two
 * (the API thread also answers requests), up to `maxStepsPerRun`; what is left waits for the next pass. The
 * defaults (500 keys, 100 steps, a pass every 10 s in api.ts) keep up with 5,000 new keys a second (bench/sources).
 */
export class SourceKeyExpiry {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly state: Pick<SourceStateStore, 'expire'>,
    private readonly clock: Clock,
    private readonly opts: { stepKeys?: number; maxStepsPerRun?: number } = {},
  ) {}

  /** One pass now (a pass in progress is joined); how many keys it deleted. */
  run(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    const step = this.opts.stepKeys ?? 500;
    const maxSteps = this.opts.maxStepsPerRun ?? 100;
    const now = this.clock.now();
    let deleted = 0;
    for (let i = 0; i < maxSteps; i++) {
      const n = await this.state.expire(now, step);
      deleted += n;
      if (n < step) break;
      await new Promise((r) => setImmediate(r));
    }
    return deleted;
  }

  /** Runs a pass every `intervalMs` (the timer does not keep the process alive); errors go to `onError`. */
  start(intervalMs: number, onError: (e: unknown) => void): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => void this.run().catch(onError), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
