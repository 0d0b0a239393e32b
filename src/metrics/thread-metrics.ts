import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import client from 'prom-client';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const TICKS = 100;

/** This thread's CPU seconds (user + system) from /proc/thread-self/stat; undefined off Linux. */
export function threadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // fields after the command name, which is in parentheses and may hold spaces
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICKS;
  } catch {
    return undefined;
  }
}

let named: string | undefined;

/**
 * Per-thread gauges on this thread's default registry, labelled with its name (`api`, `processor`, `segmentation`):
 * CPU seconds, event-loop utilisation since the last scrape, heap in use. Call once per thread; `json()` is what the
 * thread answers a metrics call with (prom-client's getMetricsAsJSON, for AggregatorRegistry.aggregate).
 */
export function threadMetrics(thread: string): { json(): Promise<unknown[]> } {
  if (named === undefined) {
    named = thread;
    let last = performance.eventLoopUtilization();
    new client.Gauge({
      name: 'kith_thread_cpu_seconds_total',
      help: 'CPU seconds (user + system) used by each thread of Kith (Linux: /proc/thread-self/stat)',
      labelNames: ['thread'] as const,
      collect() {
        const s = threadCpuSeconds();
        if (s !== undefined) this.set({ thread }, s);
      },
    });
    new client.Gauge({
      name: 'kith_thread_event_loop_utilization',
      help: 'Share of time each thread\'s event loop was busy since the previous scrape (0..1)',
      labelNames: ['thread'] as const,
      collect() {
        const now = performance.eventLoopUtilization();
        this.set({ thread }, performance.eventLoopUtilization(now, last).utilization);
        last = now;
      },
    });
    new client.Gauge({
      name: 'kith_thread_heap_used_bytes',
      help: 'V8 heap in use by each thread',
      labelNames: ['thread'] as const,
      collect() {
        this.set({ thread }, process.memoryUsage().heapUsed);
      },
    });
  }
  return { json: async () => client.register.getMetricsAsJSON() };
}
