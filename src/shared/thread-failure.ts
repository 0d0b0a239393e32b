/**
 * In a worker thread: an error nothing caught is reported once, `windDown` gets at most 10 s to leave the stores in
 * order (DuckDB must finish in-flight work: a thread torn down under it aborts the whole process), then the thread
 * ends with code 1 and its host starts a new one (RestartSchedule). Returns whether the thread is failing (it takes
 * no more work).
 */
export function exitOnUncaught(report: (message: string) => void, windDown: () => Promise<unknown>): () => boolean {
  let failing = false;
  const fail = (e: unknown) => {
    if (failing) return;
    failing = true;
    report(`worker failed, restarting: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    setTimeout(() => process.exit(1), 10_000).unref();
    void windDown()
      .catch(() => undefined)
      .finally(() => process.exit(1));
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  return () => failing;
}

/** Fault injection (tests of the supervision): an error thrown where nothing catches it. */
export function throwUncaught(): void {
  setImmediate(() => {
    throw new Error('injected fault');
  });
}
