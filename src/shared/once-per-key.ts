import { ok, type Result } from './result.js';

/**
 * Work done once per key until it succeeds (e.g. provisioning a sandbox's system datasets): concurrent callers share
 * the run in flight, a success is remembered, a failure is not (the next call tries again).
 */
export class OncePerKey<T, E> {
  private readonly done = new Map<string, T>();
  private readonly running = new Map<string, Promise<Result<T, E>>>();

  run(key: string, work: () => Promise<Result<T, E>>): Promise<Result<T, E>> {
    const hit = this.done.get(key);
    if (hit !== undefined) return Promise.resolve(ok(hit));
    let p = this.running.get(key);
    if (!p) {
      p = work()
        .then((r) => {
          if (r.ok) this.done.set(key, r.value);
          return r;
        })
        .finally(() => this.running.delete(key));
      this.running.set(key, p);
    }
    return p;
  }
}
