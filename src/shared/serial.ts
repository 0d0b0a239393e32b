/**
 * Runs async functions one at a time, in call order: each starts once the one before it settled (its error fails
 * its own call only). The one serialisation primitive of a thread's services (a DuckDB connection, a store's units
 * of work, a sandbox's graph writes).
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** A Serial per key (e.g. per sandbox): calls on one key wait for each other, calls on different keys do not. */
export class KeyedSerial {
  private readonly byKey = new Map<string, { serial: Serial; pending: number }>();

  /** True while calls on this key are queued or running. */
  busy(key: string): boolean {
    return this.byKey.has(key);
  }

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let e = this.byKey.get(key);
    if (!e) this.byKey.set(key, (e = { serial: new Serial(), pending: 0 }));
    const entry = e;
    entry.pending++;
    return entry.serial.run(fn).finally(() => {
      if (--entry.pending === 0) this.byKey.delete(key);
    });
  }
}
