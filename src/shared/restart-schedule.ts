/** Pause before replacing a crashed worker: 0.5 s, doubling with each crash in a row, at most 30 s. */
export function restartPause(crashesInARow: number): number {
  return Math.min(30_000, 500 * 2 ** crashesInARow);
}

/**
 * When to replace a worker thread that exited unexpectedly, shared by the processor and segmentation hosts: after
 * `restartPause` (a worker that ran for a minute resets the count of crashes in a row), one replacement at a time.
 * Callers wait for it with `settled()`; `cancel()` ends a pending pause at once (a stop does not wait it out) and no
 * replacement starts after it.
 */
export class RestartSchedule {
  private crashes = 0;
  private startedAt = 0;
  private pending: Promise<unknown> | undefined;
  private cutPause: (() => void) | undefined;
  private cancelled = false;

  /** A worker started (its uptime decides whether its crash counts as one in a row). */
  started(now = Date.now()): void {
    this.startedAt = now;
  }

  /** Schedules `start` after the pause; returns the pause (ms). `start`'s failure goes to `onError`. */
  crashed(start: () => Promise<unknown>, onError: (e: unknown) => void, now = Date.now()): number {
    if (now - this.startedAt > 60_000) this.crashes = 0;
    const pause = restartPause(this.crashes++);
    this.pending = new Promise<void>((r) => {
      const t = setTimeout(r, pause);
      this.cutPause = () => {
        clearTimeout(t);
        r();
      };
    })
      .then(() => (this.cancelled ? undefined : start()))
      .catch(onError)
      .finally(() => {
        this.pending = undefined;
        this.cutPause = undefined;
      });
    return pause;
  }

  /** Resolves once no replacement is pending (it started, failed to, or was cancelled). */
  async settled(): Promise<void> {
    while (this.pending) await this.pending;
  }

  /** No replacement from now on; a pending pause ends now. */
  cancel(): void {
    this.cancelled = true;
    this.cutPause?.();
  }
}
